"""Analytics benchmark: the KPI report, the dashboard and every export at 200 courses, 100,000 enrollments
and 2,000,000 lesson-progress rows.

    .venv/bin/python bench/analytics.py [--courses 200] [--enrollments 100000] [--progress-rows 2000000]
    DATABASE_URL=mysql://root@127.0.0.1:3306/lms_bench_analytics .venv/bin/python bench/analytics.py

1. Seeds (timed, not a result) a catalogue in the Wagtail page tree (--courses live courses of --lessons
   lessons and one required assessment each, --trainers trainers, 8 categories), --learners learners, and
   over the last two years: --enrollments enrollments (active, completed, cancelled; refunded and awaiting
   payment in paid courses), --progress-rows LessonProgress rows consistent with them, --attempts assessment
   attempts, an order for every enrollment in a paid course (paid, refunded, some refunded in a later month,
   some failed or expired first), and live sessions with bookings and attendance. Rows are written as
   tuples with executemany, one transaction per chunk, as bench/gamification.py does.
2. Measures, each in a fresh Python process (so that the RSS growth says what that step needed, not what an
   earlier step left behind): analytics.kpis.build_report for an admin over 12 months and 24 months, for the
   busiest trainer (as that trainer) and for the busiest course; the dashboard page through Django's test
   client as an admin; each export (CSV, XLSX, DOCX, PDF) of the admin's 12-month report. For each: a cold
   first run with its SQL queries (each one's time, rows and RSS growth, and the analytics line that ran it),
   then --runs timed runs (median and 95th percentile), then a run under tracemalloc (Python peak).

Uses bench.settings with a throwaway SQLite file under var/, or DATABASE_URL when it names a MariaDB/MySQL
database whose name contains "bench": that database is dropped and created afresh at the start and
dropped at the end. --keep keeps the SQLite file or the database; --reuse measures again on a kept one
without seeding (--reuse PATH for a kept SQLite file).
"""

import argparse
import contextlib
import gc
import json
import math
import os
import pickle
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    ROOT,
    ensure_var,
    recreate_mysql_database,
    reset_rss_peak,
    rss_mb,
    use_bench_database,
)

STARTED = time.perf_counter()
SEED = 20261126
HISTORY_DAYS = 730
LESSONS_PER_MODULE = 10
BATCH = 5000
ENROLLMENTS_PER_CHUNK = 10_000
EXPLAIN_FROM = 1.0  # seconds: slower queries get their plan shown
ADMIN_USERNAME = "bench-analytics-admin"
LEARNER_USERNAME = "bench-analyst-{}"
PASS_MARK = 70
# Shares of enrollments by status, before completion is decided from progress.
PENDING_SHARE = 0.015  # paid courses: checkout started, not paid
REFUNDED_SHARE = 0.06  # paid courses
CANCELLED_SHARE = 0.07  # any course: the learner left
NOT_STARTED_SHARE = 0.12  # of the active ones: enrolled, no lesson done
FAILED_FIRST_SHARE = 0.04  # paid enrollments whose first checkout failed or expired
LATE_REFUND_SHARE = 0.3  # refunds 20-60 days after the sale, mostly in a later month
ATTENDANCE_MIX = [("present", 72), ("late", 8), ("absent", 15), ("excused", 5)]
# Five questions worth 1+1+2+2+4 points: every score from 0 to 10 is possible.
QUESTIONS = [
    ("single_choice", 1),
    ("true_false", 1),
    ("single_choice", 2),
    ("numeric", 2),
    ("single_choice", 4),
]


def progress(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:5.0f} s] {message}", file=sys.stderr, flush=True)


def nearest_rank(values: list[float], percentile: int) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * percentile // 100) - 1)]


# Seeding ----------------------------------------------------------------------------------------------------


def insert_rows(model, fields: list[str], rows: list[tuple]) -> None:
    """Inserts rows given as tuples of database values (see bench/gamification.py: bulk_create prepares every
    field of every row in Python, minutes for millions of rows)."""
    from django.db import connection

    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Table and column names come from the model; values go as parameters.
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


def db_time(moment: datetime) -> str:
    """A naive UTC datetime as both backends store it (what adapt_datetimefield_value returns, faster)."""
    return str(moment)


def scale_to_total(rng: random.Random, weights: list[float], caps: list[int], floors: list[int], total: int) -> list:
    """Integers floor_i <= n_i <= cap_i, proportional to the weights, adding up to exactly `total`."""
    lowest, highest = sum(floors), sum(caps)
    if not lowest <= total <= highest:
        sys.exit(f"Cannot spread {total:,} rows: between {lowest:,} and {highest:,} fit (see --help).")

    def counts(scale: float) -> list[int]:
        return [min(cap, max(low, int(weight * scale))) for weight, cap, low in zip(weights, caps, floors, strict=True)]

    low, high = 0.0, float(max(caps)) / max(min(w for w in weights if w > 0), 1e-9) + 1
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if sum(counts(middle)) < total else (low, middle)
    result = counts(low)
    missing = total - sum(result)
    order = rng.sample(range(len(result)), len(result))
    for index in order:
        if missing <= 0:
            break
        if result[index] < caps[index] and weights[index] > 0:
            result[index] += 1
            missing -= 1
    for index in order:  # still short (every weighted row at its cap): any row with room
        if missing <= 0:
            break
        room = caps[index] - result[index]
        result[index] += min(room, missing)
        missing -= min(room, missing)
    return result


@dataclass
class Plan:
    """One enrollment as seeded."""

    user: int  # index into the learner list
    course: int  # index into the course list
    enrolled_at: datetime
    status: str = "active"
    lessons: int = 0
    attempts: int = 0
    passed: bool = False
    last_activity_at: datetime | None = None
    ended_at: datetime | None = None  # cancelled_at, or the refund


@dataclass
class Seeded:
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def refresh_statistics(connection) -> None:
    """ANALYZE TABLE on every table. InnoDB recalculates a table's statistics in the background once a tenth of
    it changed; the seeding writes millions of rows in two minutes, faster than that catches up, and with the
    statistics of the empty tables the optimizer picks the wrong indexes (the admin report took 10.7 s instead
    of about 1.5 s). A database that grew over months has current statistics, which is what this measures."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"ANALYZE TABLE {connection.ops.quote_name(table)}")
            cursor.fetchall()


def seed(args) -> Seeded:
    from django.db import transaction
    from wagtail.signal_handlers import disable_reference_index_auto_update

    from accounts.models import User
    from assessments.models import AssessmentPage
    from bench.seed import _search_index_auto_update_off, learner_row, seed_catalogue
    from courses.models import CoursePage

    seeded = Seeded()
    rng = random.Random(SEED)
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)  # naive UTC, as stored
    history = timedelta(days=HISTORY_DAYS)

    began = time.perf_counter()
    if args.lessons % LESSONS_PER_MODULE:
        sys.exit(f"--lessons must be a multiple of {LESSONS_PER_MODULE} (lessons per module).")
    seed_catalogue(
        courses=args.courses,
        modules_per_course=args.lessons // LESSONS_PER_MODULE,
        lessons_per_module=LESSONS_PER_MODULE,
        trainers=args.trainers,
    )
    courses = list(CoursePage.objects.order_by("path").only("pk", "path", "price", "trainer_id", "title"))
    questions = assessment_questions()
    with _search_index_auto_update_off(), disable_reference_index_auto_update():
        for course in courses:
            if not AssessmentPage.objects.child_of(course).exists():
                with transaction.atomic():
                    course.add_child(
                        instance=AssessmentPage(
                            title=f"Final quiz: {course.title}",
                            slug="final-quiz",
                            questions=questions,
                            pass_mark=PASS_MARK,
                            is_required=True,
                            live=True,
                            first_published_at=now.replace(tzinfo=UTC),
                        )
                    )
    assessments = {
        page.get_parent().pk: page
        for page in AssessmentPage.objects.filter(path__startswith=courses[0].path[:-4]).order_by("path")
    }
    lesson_ids = course_lessons(courses)
    seeded.timings["catalogue (pages)"] = time.perf_counter() - began
    progress(f"{len(courses)} courses of {args.lessons} lessons, one assessment each")

    began = time.perf_counter()
    plans = plan_enrollments(rng, args, courses, now, history)
    plan_progress(rng, args, plans, courses, now)
    seeded.timings["planning (Python)"] = time.perf_counter() - began
    progress(f"planned {len(plans):,} enrollments")

    began = time.perf_counter()
    first_enrolment: dict[int, datetime] = {}
    for plan in plans:
        if plan.user not in first_enrolment or plan.enrolled_at < first_enrolment[plan.user]:
            first_enrolment[plan.user] = plan.enrolled_at
    if not User.objects.filter(username=ADMIN_USERNAME).exists():
        User.objects.create_superuser(ADMIN_USERNAME, f"{ADMIN_USERNAME}@example.com", None)
    with transaction.atomic():
        User.objects.bulk_create(
            (
                learner_row(
                    LEARNER_USERNAME.format(n),
                    date_joined=(first_enrolment.get(n, now - history) - timedelta(days=rng.randint(0, 20))).replace(
                        tzinfo=UTC
                    ),
                    last_name=str(n),
                )
                for n in range(args.learners)
            ),
            batch_size=BATCH,
        )
    by_username = dict(
        User.objects.filter(username__startswith=LEARNER_USERNAME.format("")).values_list("username", "pk")
    )
    user_ids = [by_username[LEARNER_USERNAME.format(n)] for n in range(args.learners)]
    seeded.timings["learners"] = time.perf_counter() - began
    progress(f"{len(user_ids):,} learners")

    counts = write_rows(rng, plans, courses, user_ids, lesson_ids, assessments, questions, now, seeded)
    seeded.counts.update(counts)
    return seeded


def assessment_questions() -> list[dict]:
    rng = random.Random(SEED)
    blocks = []
    for number, (kind, points) in enumerate(QUESTIONS, start=1):
        value = {"prompt": f"<p>Question {number} of the final quiz.</p>", "points": str(points), "explanation": ""}
        if kind == "single_choice":
            value["options"] = [
                {"type": "item", "id": uuid_of(rng), "value": {"text": f"Option {i + 1}", "correct": i == 0}}
                for i in range(3)
            ]
        elif kind == "true_false":
            value["answer"] = "true"
        elif kind == "numeric":
            value.update(value="42", tolerance="0.5")
        blocks.append({"type": kind, "id": uuid_of(rng), "value": value})
    return blocks


def uuid_of(rng: random.Random) -> str:
    import uuid

    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def course_lessons(courses) -> dict[int, list[int]]:
    from courses.models import LessonPage

    lessons: dict[int, list[int]] = defaultdict(list)
    paths = {course.path: course.pk for course in courses}
    depth = len(courses[0].path)
    for pk, path in (
        LessonPage.objects.filter(path__startswith=courses[0].path[:-4]).order_by("path").values_list("pk", "path")
    ):
        lessons[paths[path[:depth]]].append(pk)
    return lessons


def plan_enrollments(rng, args, courses, now: datetime, history: timedelta) -> list[Plan]:
    """Which learner is in which course since when: popular courses and busy learners, more recent more often."""
    if args.enrollments > args.learners * len(courses):
        sys.exit("--enrollments cannot exceed --learners times --courses.")
    course_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(courses))]
    rng.shuffle(course_weights)
    learner_weights = [min(rng.paretovariate(1.6), 15.0) for _ in range(args.learners)]
    seen: set[tuple[int, int]] = set()
    plans: list[Plan] = []
    seconds = history.total_seconds()
    course_cumulative = list(_accumulate(course_weights))
    learner_cumulative = list(_accumulate(learner_weights))
    while len(plans) < args.enrollments:
        wanted = args.enrollments - len(plans)
        users = rng.choices(range(args.learners), cum_weights=learner_cumulative, k=wanted)
        picked = rng.choices(range(len(courses)), cum_weights=course_cumulative, k=wanted)
        for user, course in zip(users, picked, strict=True):
            if (user, course) in seen:
                continue
            seen.add((user, course))
            # sqrt(uniform) leans towards now: the site grows, so recent months have more enrollments.
            age = seconds * (1 - math.sqrt(rng.random()))
            plans.append(Plan(user=user, course=course, enrolled_at=now - timedelta(seconds=max(3600, int(age)))))
    plans.sort(key=lambda plan: plan.enrolled_at)
    return plans


def _accumulate(weights):
    total = 0.0
    for weight in weights:
        total += weight
        yield total


def plan_progress(rng, args, plans: list[Plan], courses, now: datetime) -> None:
    """Statuses, lessons done (exactly --progress-rows in all), attempts (exactly --attempts) and dates."""
    lessons = args.lessons
    weights, caps, floors = [], [], []
    for plan in plans:
        paid = courses[plan.course].price > 0
        age_days = (now - plan.enrolled_at).total_seconds() / 86400
        draw = rng.random()
        if paid and draw < PENDING_SHARE and age_days < 30:
            plan.status = "pending_payment"
        elif paid and draw < PENDING_SHARE + REFUNDED_SHARE:
            plan.status = "refunded"
        elif draw < PENDING_SHARE + REFUNDED_SHARE + CANCELLED_SHARE:
            plan.status = "cancelled"
        elif rng.random() < 0.5 * min(1.0, age_days / 150):
            plan.status = "completed"  # older enrollments have had time to finish
        if plan.status == "completed":
            weight, cap, floor = 1.0, lessons, lessons
        elif plan.status == "pending_payment":
            weight, cap, floor = 0.0, 0, 0
        elif plan.status == "refunded":  # refunds come early: a few lessons at most
            weight, cap, floor = rng.random() * 0.2, 3, 0
        elif plan.status == "cancelled":
            weight, cap, floor = rng.betavariate(1.2, 3), lessons - 1, 0
        elif rng.random() < NOT_STARTED_SHARE:
            weight, cap, floor = 0.0, 0, 0
        else:  # active, part-way; some have every lesson done but not passed the quiz yet
            weight, cap, floor = rng.betavariate(1.4, 1.2), lessons, 1
        weights.append(weight)
        caps.append(cap)
        floors.append(floor)
    done = scale_to_total(rng, weights, caps, floors, args.progress_rows)
    for plan, count in zip(plans, done, strict=True):
        plan.lessons = count

    # Attempts: everyone past half the lessons may try the quiz; completed enrollments have passed it.
    eligible = [i for i, plan in enumerate(plans) if plan.status == "completed" or plan.lessons * 2 >= lessons]
    attempt_weights = [rng.expovariate(1.0) for _ in eligible]
    per = scale_to_total(rng, attempt_weights, [12] * len(eligible), [1] * len(eligible), args.attempts)
    for index, count in zip(eligible, per, strict=True):
        plans[index].attempts = count

    for plan in plans:
        span = (now - plan.enrolled_at).total_seconds()
        if plan.status == "pending_payment":
            plan.last_activity_at = plan.enrolled_at
        elif plan.status == "refunded":
            later = rng.random() < LATE_REFUND_SHARE
            days = rng.uniform(20, 60) if later else rng.uniform(0.05, 14)
            plan.ended_at = min(now - timedelta(minutes=5), plan.enrolled_at + timedelta(days=days))
            reach = (plan.ended_at - plan.enrolled_at).total_seconds()
            plan.last_activity_at = plan.enrolled_at + timedelta(seconds=int(reach * rng.uniform(0.1, 0.9)))
        elif plan.lessons or plan.attempts:
            share = rng.uniform(0.1, 0.8) if plan.status == "completed" else rng.uniform(0.05, 1.0)
            plan.last_activity_at = plan.enrolled_at + timedelta(seconds=int(span * share))
        else:
            plan.last_activity_at = plan.enrolled_at
        if plan.status == "cancelled":
            left = (now - plan.last_activity_at).total_seconds()
            plan.ended_at = plan.last_activity_at + timedelta(seconds=int(left * rng.uniform(0, 0.5)))
        # Active enrollments with every lesson done have not passed, or they would be completed.
        if plan.status == "completed":
            plan.passed = True
        elif plan.attempts and not (plan.status == "active" and plan.lessons == lessons):
            plan.passed = rng.random() < 0.55


def write_rows(rng, plans, courses, user_ids, lesson_ids, assessments, questions, now, seeded: Seeded) -> dict:
    from django.db import transaction

    from assessments.models import Attempt
    from billing.models import Order
    from learning.models import Enrollment, LessonProgress

    total_steps = len(next(iter(lesson_ids.values()))) + 1  # lessons and the required quiz
    snapshots = {
        course_id: json.dumps(page.questions_snapshot(), separators=(",", ":"))
        for course_id, page in assessments.items()
    }
    question_keys = {
        course_id: [(q["id"], q["type"], q.get("options")) for q in page.questions_snapshot()["questions"]]
        for course_id, page in assessments.items()
    }
    max_score = Decimal(sum(points for _, points in QUESTIONS))
    points = [points for _, points in QUESTIONS]

    counts: Counter = Counter()
    began = time.perf_counter()
    order_number = 0
    last_enrollment_id = Enrollment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for start in range(0, len(plans), ENROLLMENTS_PER_CHUNK):
        chunk = plans[start : start + ENROLLMENTS_PER_CHUNK]
        enrollment_rows = []
        for plan in chunk:
            course = courses[plan.course]
            lessons = lesson_ids[course.pk]
            done_steps = plan.lessons + (1 if plan.passed else 0)
            completed_at = plan.last_activity_at if plan.status == "completed" else None
            enrollment_rows.append(
                (
                    user_ids[plan.user],
                    course.pk,
                    plan.status,
                    db_time(plan.enrolled_at),
                    db_time(completed_at) if completed_at else None,
                    db_time(plan.ended_at) if plan.status == "cancelled" else None,
                    done_steps * 100 // total_steps,
                    lessons[min(plan.lessons, len(lessons) - 1)],
                    db_time(plan.last_activity_at),
                )
            )
        with transaction.atomic():
            insert_rows(
                Enrollment,
                [
                    "user",
                    "course",
                    "status",
                    "enrolled_at",
                    "completed_at",
                    "cancelled_at",
                    "progress_percent",
                    "last_lesson",
                    "last_activity_at",
                ],
                enrollment_rows,
            )
        # The rows just written: ids grow with each insert, so they follow the last one read.
        ids = {
            (user, course): pk
            for pk, user, course in Enrollment.objects.filter(pk__gt=last_enrollment_id)
            .order_by("pk")
            .values_list("pk", "user_id", "course_id")
        }
        last_enrollment_id = max(ids.values())
        progress_rows, attempt_rows, order_rows = [], [], []
        for plan in chunk:
            course = courses[plan.course]
            user_id = user_ids[plan.user]
            enrollment_id = ids[(user_id, course.pk)]
            # Lessons in order, evenly spread up to just before the last activity.
            span = (plan.last_activity_at - plan.enrolled_at).total_seconds() * 0.95
            for index, lesson_id in enumerate(lesson_ids[course.pk][: plan.lessons], start=1):
                moment = plan.enrolled_at + timedelta(seconds=int(span * index / plan.lessons))
                progress_rows.append((enrollment_id, lesson_id, db_time(moment)))
            attempt_rows.extend(
                attempts_of(
                    rng,
                    plan,
                    user_id,
                    assessments[course.pk].pk,
                    snapshots[course.pk],
                    question_keys[course.pk],
                    points,
                    max_score,
                    now,
                )
            )
            if course.price > 0:
                order_number += 1
                order_rows.extend(orders_of(rng, plan, user_id, course, order_number))
        with transaction.atomic():
            insert_rows(LessonProgress, ["enrollment", "lesson", "completed_at"], progress_rows)
            insert_rows(
                Attempt,
                [
                    "assessment",
                    "user",
                    "number",
                    "status",
                    "started_at",
                    "deadline_at",
                    "submitted_at",
                    "snapshot",
                    "answers",
                    "manual_scores",
                    "score",
                    "max_score",
                    "percent",
                    "passed",
                    "pending_manual",
                ],
                attempt_rows,
            )
            insert_rows(Order, ORDER_FIELDS, order_rows)
        counts["enrollments"] += len(enrollment_rows)
        counts["lesson progress"] += len(progress_rows)
        counts["attempts"] += len(attempt_rows)
        counts["orders"] += len(order_rows)
        elapsed = time.perf_counter() - began
        progress(
            f"enrollments {counts['enrollments']:,}, lesson progress {counts['lesson progress']:,} "
            f"({counts['lesson progress'] / elapsed:,.0f} rows/s), attempts {counts['attempts']:,}, "
            f"orders {counts['orders']:,}"
        )
    seeded.timings["enrollments, progress, attempts, orders"] = time.perf_counter() - began

    began = time.perf_counter()
    counts.update(seed_sessions(rng, plans, courses, user_ids, now))
    seeded.timings["live sessions"] = time.perf_counter() - began
    return counts


def attempts_of(rng, plan: Plan, user_id, assessment_id, snapshot, keys, points, max_score, now) -> list[tuple]:
    """The plan's attempts: scores from the learner's ability, better with each try; a completed enrollment's
    last attempt passes, an active one with every lesson done never passed."""
    if not plan.attempts:
        return []
    ability = rng.betavariate(5, 2.2)
    first = plan.enrolled_at + (plan.last_activity_at - plan.enrolled_at) * 0.6
    gap = (plan.last_activity_at - first) / plan.attempts
    rows = []
    for number in range(1, plan.attempts + 1):
        last = number == plan.attempts
        chance = min(0.97, ability + 0.06 * (number - 1))
        # A learner stops trying once they pass: only the last attempt of a passer passes.
        for _ in range(50):
            right = [rng.random() < chance for _ in points]
            score = sum(p for p, ok in zip(points, right, strict=True) if ok)
            passes = score * 100 >= PASS_MARK * int(max_score)
            if passes == (plan.passed and last):
                break
        else:
            right = [plan.passed and last] * len(points)
            score = sum(points) if plan.passed and last else 0
        submitted_at = first + gap * number
        started_at = submitted_at - timedelta(minutes=rng.randint(3, 40))
        in_progress = last and not plan.passed and plan.status == "active" and rng.random() < 0.05
        answers = {}
        for (question_id, kind, options), ok in zip(keys, right, strict=True):
            if kind == "single_choice":
                answers[question_id] = options[0]["id"] if ok else options[1 + rng.randint(0, 1)]["id"]
            elif kind == "true_false":
                answers[question_id] = "true" if ok else "false"
            else:
                answers[question_id] = "42" if ok else str(rng.randint(0, 41))
        percent = (Decimal(score) * 100 / max_score).quantize(Decimal("0.01"))
        rows.append(
            (
                assessment_id,
                user_id,
                number,
                "in_progress" if in_progress else "submitted",
                db_time(started_at),
                None,
                None if in_progress else db_time(submitted_at),
                snapshot,
                json.dumps(answers, separators=(",", ":")),
                "{}",
                None if in_progress else Decimal(score),
                max_score,
                None if in_progress else percent,
                None if in_progress else score * 100 >= PASS_MARK * int(max_score),
                False,
            )
        )
    return rows


ORDER_FIELDS = [
    "user",
    "course",
    "status",
    "amount",
    "currency",
    "amount_paid",
    "amount_refunded",
    "checkout_session_id",
    "checkout_url",
    "payment_intent_id",
    "paid_key",
    "created_at",
    "paid_at",
    "failed_at",
    "expired_at",
    "refunded_at",
    "refund_requested_at",
    "refund_requested_by",
]


def orders_of(rng, plan: Plan, user_id, course, number: int) -> list[tuple]:
    """The orders behind an enrollment in a paid course: the paid (or refunded, or pending) one, and for a
    few a failed or expired checkout first."""
    price, currency = course.price, course.currency
    rows = []
    if plan.status != "pending_payment" and rng.random() < FAILED_FIRST_SHARE:
        created = plan.enrolled_at - timedelta(hours=rng.uniform(1, 72))
        failed = rng.random() < 0.5
        ended = db_time(created + timedelta(minutes=rng.randint(1, 60)))
        rows.append(
            (
                user_id,
                course.pk,
                "failed" if failed else "expired",
                price,
                currency,
                None,
                Decimal(0),
                f"cs_bench_{number}_first",
                "",
                None,
                None,
                db_time(created),
                None,
                ended if failed else None,
                None if failed else ended,
                None,
                None,
                None,
            )
        )
    created = db_time(plan.enrolled_at - timedelta(minutes=rng.randint(1, 15)))
    if plan.status == "pending_payment":
        rows.append(
            (
                user_id,
                course.pk,
                "pending",
                price,
                currency,
                None,
                Decimal(0),
                f"cs_bench_{number}",
                "",
                None,
                None,
                created,
                None,
                None,
                None,
                None,
                None,
                None,
            )
        )
    elif plan.status == "refunded":
        refunded = db_time(plan.ended_at)
        requested = db_time(plan.ended_at - timedelta(minutes=rng.randint(1, 600)))
        rows.append(
            (
                user_id,
                course.pk,
                "refunded",
                price,
                currency,
                price,
                price,
                f"cs_bench_{number}",
                "",
                f"pi_bench_{number}",
                None,
                created,
                db_time(plan.enrolled_at),
                None,
                None,
                refunded,
                requested,
                user_id,
            )
        )
    else:
        rows.append(
            (
                user_id,
                course.pk,
                "paid",
                price,
                currency,
                price,
                Decimal(0),
                f"cs_bench_{number}",
                "",
                f"pi_bench_{number}",
                f"{user_id}:{course.pk}",
                created,
                db_time(plan.enrolled_at),
                None,
                None,
                None,
                None,
                None,
            )
        )
    return rows


def seed_sessions(rng, plans: list[Plan], courses, user_ids, now: datetime) -> dict:
    """Live sessions, about one a fortnight per course over two years (some still to come, a few cancelled),
    booked by learners enrolled by then, with attendance marked for the sessions held."""
    from django.db import transaction

    from scheduling.models import Attendance, Booking, LiveSession

    by_course: dict[int, list[Plan]] = defaultdict(list)
    for plan in plans:
        if plan.status in ("active", "completed", "cancelled"):
            by_course[plan.course].append(plan)  # plans are sorted by enrolled_at
    session_rows, planned = [], []
    for index, course in enumerate(courses):
        for _ in range(rng.randint(4, 16)):
            starts = now - timedelta(days=rng.uniform(-30, HISTORY_DAYS - 7))
            starts = starts.replace(minute=0, second=0)
            ends = starts + timedelta(minutes=rng.choice([45, 60, 90]))
            cancelled = starts - timedelta(days=rng.uniform(1, 5)) if rng.random() < 0.04 else None
            capacity = rng.choice([15, 20, 30, 50])
            session_rows.append(
                (
                    course.pk,
                    f"Live Q&A: {course.title}",
                    "",
                    db_time(starts),
                    db_time(ends),
                    "UTC",
                    "",
                    "Online",
                    capacity,
                    None,
                    None,
                    "".join(rng.choices("ABCDEFGHJKMNPQRSTUVWXYZ23456789", k=6)),
                    db_time(cancelled) if cancelled else None,
                    "Trainer ill" if cancelled else "",
                    course.trainer_id,
                )
            )
            planned.append((index, starts, ends, cancelled, capacity))
    with transaction.atomic():
        insert_rows(
            LiveSession,
            [
                "course",
                "title",
                "description",
                "starts_at",
                "ends_at",
                "time_zone",
                "online_url",
                "location",
                "capacity",
                "booking_deadline",
                "series",
                "check_in_code",
                "cancelled_at",
                "cancel_reason",
                "created_by",
            ],
            session_rows,
        )
    session_ids = list(LiveSession.objects.order_by("pk").values_list("pk", flat=True))[-len(planned) :]
    booking_rows, attendance_rows = [], []
    statuses, status_weights = zip(*ATTENDANCE_MIX, strict=True)
    for session_id, (index, starts, ends, cancelled, capacity) in zip(session_ids, planned, strict=True):
        enrolled = [plan for plan in by_course[index] if plan.enrolled_at < starts - timedelta(days=1)][-400:]
        wanted = min(len(enrolled), int(capacity * rng.uniform(0.3, 1.2)))
        trainer_id = courses[index].trainer_id
        for position, plan in enumerate(rng.sample(enrolled, wanted)):
            requested = max(plan.enrolled_at, starts - timedelta(days=rng.uniform(0.1, 14)))
            waitlisted = position >= capacity
            withdrawn = cancelled is not None or (not waitlisted and rng.random() < 0.08)
            status = "cancelled" if withdrawn else "waitlisted" if waitlisted else "booked"
            booking_rows.append(
                (
                    session_id,
                    user_ids[plan.user],
                    status,
                    db_time(requested),
                    None if waitlisted else db_time(requested),
                    db_time(cancelled or requested + (starts - requested) * rng.random()) if withdrawn else None,
                )
            )
            if status == "booked" and ends < now:
                mark = rng.choices(statuses, status_weights)[0]
                checked_in = (
                    db_time(starts + timedelta(minutes=rng.randint(-10, 5 if mark == "present" else 30)))
                    if mark in ("present", "late") and rng.random() < 0.6
                    else None
                )
                attendance_rows.append(
                    (
                        session_id,
                        user_ids[plan.user],
                        mark,
                        checked_in,
                        db_time(ends + timedelta(minutes=10)),
                        trainer_id,
                    )
                )
    with transaction.atomic():
        insert_rows(Booking, ["session", "user", "status", "requested_at", "booked_at", "cancelled_at"], booking_rows)
        insert_rows(
            Attendance, ["session", "user", "status", "checked_in_at", "updated_at", "updated_by"], attendance_rows
        )
    progress(
        f"{len(session_rows):,} live sessions, {len(booking_rows):,} bookings, {len(attendance_rows):,} attendances"
    )
    return {"live sessions": len(session_rows), "bookings": len(booking_rows), "attendances": len(attendance_rows)}


def describe_data() -> list[str]:
    """What the database holds, counted by the database (checks the seeding too)."""
    from django.db.models import Count, Sum

    from assessments.models import Attempt
    from billing.models import Order
    from courses.models import CoursePage
    from learning.models import Enrollment, LessonProgress
    from scheduling.models import Attendance, Booking, LiveSession

    statuses = dict(Enrollment.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    orders = dict(Order.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    paid = Order.objects.filter(paid_at__isnull=False).aggregate(
        gross=Sum("amount_paid"), refunds=Sum("amount_refunded")
    )
    return [
        f"{CoursePage.objects.count()} courses ({CoursePage.objects.filter(price__gt=0).count()} paid), "
        f"{Enrollment.objects.values('user').distinct().count():,} learners with enrollments",
        f"{sum(statuses.values()):,} enrollments: "
        + ", ".join(f"{name} {count:,}" for name, count in sorted(statuses.items(), key=lambda item: -item[1])),
        f"{LessonProgress.objects.count():,} lesson-progress rows, {Attempt.objects.count():,} attempts "
        f"({Attempt.objects.filter(passed=True).count():,} passed)",
        f"{sum(orders.values()):,} orders: "
        + ", ".join(f"{name} {count:,}" for name, count in sorted(orders.items(), key=lambda item: -item[1]))
        + f"; gross €{paid['gross'] or 0:,.2f}, refunded €{paid['refunds'] or 0:,.2f}",
        f"{LiveSession.objects.count():,} live sessions, {Booking.objects.count():,} bookings, "
        f"{Attendance.objects.count():,} attendance rows",
    ]


# Measuring (each step in a child process) ------------------------------------------------------------------


class QueryRecorder:
    """Each SQL statement's time, rows and the RSS it added, and the analytics line that ran it.

    mysqlclient's default cursor reads the whole result into Python tuples inside execute(), so on MariaDB
    the RSS growth of execute() is what the query's result costs; SQLite fetches lazily (rows "?")."""

    def __init__(self):
        self.queries: list[dict] = []
        self.peak = 0.0  # VmHWM seen before each reset, so the run's peak survives the per-query resets

    def __call__(self, execute, sql, params, many, context):
        self.peak = max(self.peak, rss_mb("VmHWM"))
        reset_rss_peak()
        before = rss_mb()
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - began
            peak = rss_mb("VmHWM")
            self.peak = max(self.peak, peak)
            cursor = context["cursor"]
            rowcount = getattr(cursor, "rowcount", -1)
            executed = None
            if elapsed >= EXPLAIN_FROM:
                with contextlib.suppress(Exception):
                    executed = context["connection"].ops.last_executed_query(cursor, sql, params)
            self.queries.append(
                {
                    "sql": " ".join(sql.split()),
                    "ms": elapsed * 1000,
                    "rows": rowcount if rowcount is not None and rowcount >= 0 else None,
                    "rss_peak_mb": peak - before,
                    "origin": origin_of_query(),
                    "executed": executed,
                }
            )


def origin_of_query() -> str:
    """The innermost analytics (or dashboard) lines on the stack, e.g. 'selectors.py:120 read_frame <- kpis.py:230
    _course_frame'."""
    here = str(ROOT / "analytics") + os.sep
    frames = [frame for frame in traceback.extract_stack() if frame.filename.startswith(here)]
    frames = [frame for frame in frames if "/tests/" not in frame.filename]
    shown = [f"{Path(frame.filename).name}:{frame.lineno} {frame.name}" for frame in reversed(frames[-3:])]
    return " <- ".join(shown) or "(outside analytics/)"


def run_measured(
    function, *, runs: int, budget: float, trace: bool, trace_limit: float, keep_result: bool = False
) -> dict:
    """A cold run with its queries and RSS, timed runs (at least one, then until --runs or the budget is
    spent), and a run under tracemalloc (skipped when the cold run took longer than trace_limit). With
    keep_result, the cold run's return value is under "result"."""
    import tracemalloc

    from django.db import connection

    gc.collect()
    recorder = QueryRecorder()
    rss_start = rss_mb()
    reset_rss_peak()
    began = time.perf_counter()
    with connection.execute_wrapper(recorder):
        result = function()
    cold = time.perf_counter() - began
    peak = max(recorder.peak, rss_mb("VmHWM"))
    rss_after = rss_mb()
    kept = result if keep_result else None
    del result
    slow = sorted((q for q in recorder.queries if q["executed"]), key=lambda q: -q["ms"])[:3]
    for query in slow:
        query["plan"] = explain(query.pop("executed"))
    for query in recorder.queries:
        query.pop("executed", None)
    gc.collect()

    times: list[float] = []
    spent = 0.0
    for _ in range(runs):
        began = time.perf_counter()
        function()
        times.append(time.perf_counter() - began)
        spent += times[-1]
        if spent > budget:
            break
    traced = None
    if trace and cold <= trace_limit:
        gc.collect()
        tracemalloc.start()
        tracemalloc.reset_peak()
        function()
        traced = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return {
        "cold_s": cold,
        "times": times,
        "queries": recorder.queries,
        "rss_start_mb": rss_start,
        "rss_growth_mb": peak - rss_start,
        "rss_kept_mb": rss_after - rss_start,
        "traced_peak_mb": traced,
        "result": kept,
    }


def explain(sql: str) -> str:
    """The database's plan of an executed query: EXPLAIN on MariaDB, EXPLAIN QUERY PLAN on SQLite."""
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    try:
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql)
            columns = [column[0] for column in cursor.description]
            rows = cursor.fetchall()
    except Exception as error:  # noqa: BLE001 (a plan is a help, not a result)
        return f"(no plan: {error})"
    if connection.vendor == "sqlite":
        return "\n".join(f"{row[-1]}" for row in rows)
    widths = [max(len(str(value)) for value in [name, *(row[i] for row in rows)]) for i, name in enumerate(columns)]
    lines = [" | ".join(str(value).ljust(width) for value, width in zip(row, widths, strict=True)) for row in rows]
    header = " | ".join(name.ljust(width) for name, width in zip(columns, widths, strict=True))
    return "\n".join([header, *lines])


def scenario_filters(kind: str):
    from django.utils import timezone

    from analytics.forms import default_period
    from analytics.report import Filters

    start, end = default_period(timezone.localdate())
    if kind == "24m":
        start = date(start.year - 1, start.month, 1)
    return Filters(start=start, end=end)


def busiest(field: str) -> int:
    from django.db.models import Count

    from learning.models import Enrollment

    return (
        Enrollment.objects.order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list(field, flat=True)[0]
    )


def child_report(name: str, args) -> dict:
    """build_report for one viewer and selection."""
    from dataclasses import replace

    from accounts.models import User
    from analytics import kpis

    admin = User.objects.get(username=ADMIN_USERNAME)
    filters = scenario_filters("24m" if name == "admin-24m" else "12m")
    viewer = admin
    if name == "trainer":
        viewer = User.objects.get(pk=busiest("course__trainer_id"))
    elif name == "course":
        filters = replace(filters, course_ids=(busiest("course_id"),))

    def build():
        return kpis.build_report(filters=filters, viewer=viewer)

    # No warm-up: on MariaDB a one-day report costs nearly as much as a year (the slowest queries do not
    # depend on the period), so the cold run includes build_report's first-use costs.
    measured = run_measured(
        build,
        runs=args.runs,
        budget=args.budget,
        trace=not args.no_tracemalloc,
        trace_limit=args.trace_limit,
        keep_result=True,
    )
    report = measured.pop("result")
    if name == "admin-12m" and args.report_file:
        Path(args.report_file).write_bytes(pickle.dumps(report))
    measured["what"] = f"{filters.start:%Y-%m-%d}..{filters.end:%Y-%m-%d}, viewer {viewer.username}" + (
        f", course {filters.course_ids[0]}" if filters.course_ids else ""
    )
    measured["shape"] = f"{len(report.kpis)} KPIs, {len(report.charts)} charts, " + ", ".join(
        f"{table.key} {len(table.rows)} rows" for table in report.tables
    )
    return measured


def dashboard_url() -> str:
    """The analytics dashboard's URL (in the Wagtail admin), else the first analytics view found."""
    from django.urls import NoReverseMatch, get_resolver, reverse

    with contextlib.suppress(NoReverseMatch):
        return reverse("analytics_admin:dashboard")

    found = []

    def walk(patterns, prefix: str, namespace: str):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                inner = f"{namespace}:{pattern.namespace}" if pattern.namespace else namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            else:
                module = getattr(pattern.callback, "__module__", "") or ""
                if module.startswith("analytics") and pattern.name and not pattern.pattern.regex.groups:
                    found.append((f"{namespace}:{pattern.name}".lstrip(":"), prefix + str(pattern.pattern)))

    walk(get_resolver().url_patterns, "/", "")
    if not found:
        raise LookupError("no analytics view in the URL configuration yet")
    dashboards = [name for name, _ in found if "dashboard" in name] or [
        name for name, _ in found if "export" not in name
    ]
    return reverse(sorted(dashboards, key=len)[0])


def child_dashboard(name: str, args) -> dict:
    from django.test import Client

    from accounts.models import User

    admin = User.objects.get(username=ADMIN_USERNAME)
    url = dashboard_url()
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    filters = scenario_filters("12m")
    query = {"start": f"{filters.start:%Y-%m-%d}", "end": f"{filters.end:%Y-%m-%d}"}
    headers = {}
    if name == "dashboard-htmx-course":
        query["course"] = str(busiest("course_id"))
        headers["HTTP_HX_REQUEST"] = "true"
    first = client.get(url, query, **headers)  # warm-up: templates, the session, imports
    if first.status_code != 200:
        raise LookupError(f"GET {url} answered {first.status_code}")

    def get():
        response = client.get(url, query, **headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        return response

    measured = run_measured(
        get, runs=args.runs, budget=args.budget, trace=not args.no_tracemalloc, trace_limit=args.trace_limit
    )
    measured.pop("result")
    measured["what"] = f"GET {url}?{'&'.join(f'{k}={v}' for k, v in query.items())}" + (
        " (HX-Request)" if headers else ""
    )
    measured["size"] = len(first.content)
    return measured


def child_export(name: str, args) -> dict:
    from dataclasses import replace

    from analytics import exports

    writer = getattr(exports, f"to_{name}")
    report = pickle.loads(Path(args.report_file).read_bytes())  # noqa: S301 (our own file, just written)
    # First use loads fonts, templates and modules: done on a two-row report, out of the measurement.
    small = replace(report, tables=[replace(table, rows=table.rows[:2]) for table in report.tables])
    writer(small)
    measured = run_measured(
        lambda: writer(report),
        runs=args.runs,
        budget=args.budget,
        trace=not args.no_tracemalloc,
        trace_limit=args.trace_limit,
        keep_result=True,
    )
    measured["size"] = len(measured.pop("result"))
    measured["what"] = f"exports.to_{name} of the admin's 12-month report"
    return measured


def child_main(args) -> None:
    import django

    django.setup()
    kind, name = args.child.split(":", 1)
    try:
        result = {"report": child_report, "dashboard": child_dashboard, "export": child_export}[kind](name, args)
    except (ImportError, AttributeError, LookupError) as error:
        result = {"missing": f"{type(error).__name__}: {error}"}
    except Exception as error:  # noqa: BLE001 (reported in the table, the next step still runs)
        result = {"error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()}
    result["step"] = args.child
    result["max_rss_mb"] = _max_rss()
    Path(args.result_file).write_text(json.dumps(result, default=str))


def _max_rss() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


STEPS = [
    "report:admin-12m",
    "report:admin-24m",
    "report:trainer",
    "report:course",
    "dashboard:dashboard",
    "dashboard:dashboard-htmx-course",
    "export:csv",
    "export:xlsx",
    "export:docx",
    "export:pdf",
]


def measure_all(args, database_url: str, workdir: Path) -> list[dict]:
    results = []
    report_file = workdir / "report.pickle"
    for step in args.steps or STEPS:
        result_file = workdir / f"{step.replace(':', '-')}.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            step,
            "--result-file",
            str(result_file),
            "--report-file",
            str(report_file),
            "--runs",
            str(args.runs),
            "--budget",
            str(args.budget),
            "--trace-limit",
            str(args.trace_limit),
        ] + (["--no-tracemalloc"] if args.no_tracemalloc else [])
        began = time.perf_counter()
        progress(f"measuring {step}...")
        completed = subprocess.run(  # noqa: S603 (this script, with our own arguments)
            command, env={**os.environ, "DATABASE_URL": database_url}, check=False
        )
        if result_file.exists():
            result = json.loads(result_file.read_text())
        else:
            result = {"step": step, "error": f"the child process exited with {completed.returncode}"}
        result["wall_s"] = time.perf_counter() - began
        if "error" in result:
            progress(f"{step}: {result['error']}\n{result.get('traceback', '')}")
        elif "missing" in result:
            progress(f"{step}: not measured, {result['missing']}")
        else:
            progress(f"{step}: cold {result['cold_s']:.2f} s, {len(result['queries'])} queries")
        results.append(result)
    return results


# Report -----------------------------------------------------------------------------------------------------


def database_label() -> str:
    from django.db import connection

    if connection.vendor == "mysql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT VERSION(), @@innodb_buffer_pool_size")
            version, pool = cursor.fetchone()
        return f"MariaDB/MySQL {version} (innodb_buffer_pool_size {int(pool) // 2**20} MB)"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def fmt(value, pattern: str, empty: str = "-") -> str:
    return empty if value is None else format(value, pattern)


def print_results(label: str, seeded: Seeded | None, described: list[str], results: list[dict], args) -> None:
    print(f"\n=== Analytics on {label} ===")
    for line in described:
        print(line)
    if seeded:
        steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in seeded.timings.items())
        print(f"Seeding took {sum(seeded.timings.values()):.0f} s: {steps}")

    print(
        f"\n{'step':<31} {'cold s':>7} {'median s':>8} {'p95 s':>6} {'runs':>4} {'queries':>7} "
        f"{'RSS MB start':>12} {'RSS +MB':>7} {'py peak MB':>10} {'size KB':>8}"
    )
    print("-" * 112)
    for result in results:
        step = result["step"]
        if "cold_s" not in result:
            print(f"{step:<31} {result.get('missing') or result.get('error')}")
            continue
        times = result["times"]
        size = result.get("size")
        print(
            f"{step:<31} {result['cold_s']:>7.2f} {statistics.median(times):>8.2f} {nearest_rank(times, 95):>6.2f} "
            f"{len(times):>4} {len(result['queries']):>7} {result['rss_start_mb']:>12.0f} "
            f"{result['rss_growth_mb']:>7.0f} {fmt(result['traced_peak_mb'], '.1f'):>10} "
            f"{fmt(size and size / 1024, ',.0f'):>8}"
        )
    print(
        "cold: first run (cold database caches) with its queries recorded; median/p95 over the timed runs after it; "
        "RSS +MB: the process's peak RSS during the cold run minus its RSS before; py peak: tracemalloc's peak "
        "in a separate run; size: the response body or the export file."
    )
    for result in results:
        if "what" in result:
            print(f"  {result['step']}: {result['what']}" + (f"; {result['shape']}" if result.get("shape") else ""))

    for result in results:
        queries = result.get("queries")
        if not queries:
            continue
        print(f"\nQueries of {result['step']} (cold run), the slowest and the biggest:")
        heavy = sorted(queries, key=lambda q: -q["ms"])[: args.show_queries]
        by_rows = sorted((q for q in queries if q["rows"]), key=lambda q: -q["rows"])[:3]
        for query in heavy + [q for q in by_rows if q not in heavy]:
            sql = query["sql"]
            shown = sql if len(sql) <= 160 else sql[:120] + " ... " + sql[-35:]
            print(
                f"  {query['ms']:8.1f} ms {fmt(query['rows'], ',', '?'):>9} rows {query['rss_peak_mb']:+6.1f} MB  "
                f"{query['origin']}\n      {shown}"
            )
            if query.get("plan"):
                print("\n".join(f"        {line}" for line in query["plan"].splitlines()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--courses", type=int, default=200)
    parser.add_argument("--lessons", type=int, default=30, help="per course, in modules of 10")
    parser.add_argument("--trainers", type=int, default=20)
    parser.add_argument("--learners", type=int, default=40_000)
    parser.add_argument("--enrollments", type=int, default=100_000)
    parser.add_argument("--progress-rows", type=int, default=2_000_000, help="LessonProgress rows")
    parser.add_argument("--attempts", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3, help="timed runs per step after the cold one")
    parser.add_argument("--budget", type=float, default=40.0, help="stop a step's timed runs after this many s")
    parser.add_argument("--trace-limit", type=float, default=50.0, help="no tracemalloc run when cold took longer")
    parser.add_argument("--no-tracemalloc", action="store_true")
    parser.add_argument("--steps", nargs="+", choices=STEPS, help="measure only these steps")
    parser.add_argument("--show-queries", type=int, default=4, help="slowest queries listed per step")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file or the MariaDB database")
    parser.add_argument("--reuse", nargs="?", const="", metavar="SQLITE_FILE", help="measure a kept database")
    parser.add_argument("--seed-only", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    parser.add_argument("--report-file", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        use_bench_database(settings_module="bench.settings", sqlite_dir=None, writes="nothing")
        child_main(args)
        return

    if args.reuse:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(args.reuse).resolve()}"
    # A scratch directory for the throwaway SQLite file and the children's results.
    scratch = Path(tempfile.mkdtemp(prefix="bench-analytics-", dir=ensure_var()))
    external = bool(os.environ.get("DATABASE_URL"))
    uses_url = use_bench_database(
        settings_module="bench.settings", sqlite_dir=scratch, writes="courses, learners and their history"
    )
    mysql = uses_url and os.environ["DATABASE_URL"].startswith("mysql")
    database_url = os.environ["DATABASE_URL"]
    if mysql and args.reuse is None:
        recreate_mysql_database(database_url)
    keep_sqlite = False
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, connections

        seeded = None
        if args.reuse is not None:  # new migrations since the database was seeded
            call_command("migrate", interactive=False, verbosity=0)
        else:
            progress(f"Database: {connection.vendor}. Migrating...")
            began = time.perf_counter()
            call_command("migrate", interactive=False, verbosity=0)
            migrated = time.perf_counter() - began
            seeded = seed(args)
            seeded.timings = {"migrate": migrated, **seeded.timings}
        if mysql:
            refresh_statistics(connection)
        described = describe_data()
        label = database_label()
        connections.close_all()
        if args.seed_only:
            print(f"\n=== Seeded {label} ===")
            print("\n".join(described))
            if seeded:
                print(", ".join(f"{name} {seconds:.1f} s" for name, seconds in seeded.timings.items()))
            keep_sqlite = not external
            return
        results = measure_all(args, database_url, scratch)
        print_results(label, seeded, described, results, args)
        keep_sqlite = args.keep and not external
    finally:
        from django.apps import apps

        if apps.ready:
            from django.db import connections

            connections.close_all()
        if mysql and args.reuse is None and not (args.keep or args.seed_only):
            recreate_mysql_database(database_url, drop_only=True)
        if keep_sqlite:
            print(f"\nKept {scratch / 'bench.sqlite3'} (measure again with --reuse)", file=sys.stderr)
            for leftover in scratch.glob("*.json"):
                leftover.unlink()
        else:
            if args.keep and mysql:
                print("\nKept the database (measure again with --reuse)", file=sys.stderr)
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
