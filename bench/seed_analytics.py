"""Seed data for bench/analytics.py: a catalogue with two years of history at the sizes of the analytics issue.

`seed_analytics(Sizes(...))` adds, to the catalogue `bench/seed.py` builds (`--courses` live courses of `--lessons`
lessons, 8 categories, `--trainers` trainers), one required 5-question assessment per course, an admin
(ADMIN_USERNAME), `--learners` learners and, over the last two years (more in recent months, popular and quiet
courses): `--enrollments` enrollments (active, completed, cancelled; refunded and awaiting payment in paid
courses), exactly `--progress-rows` LessonProgress rows consistent with them, exactly `--attempts` assessment
attempts, an order for every enrollment in a paid course (paid, refunded, some refunded in a later month, some
failed or expired first), and live sessions with bookings and attendance. It is deterministic (SEED).

Rows are written as tuples with executemany (bench.common.insert_rows), one transaction per chunk of
enrollments, as bench/gamification.py does. Import this module after django.setup().
"""

import json
import math
import random
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Sum
from wagtail.signal_handlers import disable_reference_index_auto_update

from accounts.models import User
from assessments.models import AssessmentPage, Attempt
from bench.common import insert_rows, progress
from bench.seed import _search_index_auto_update_off, learner_row, seed_catalogue
from billing.models import Order
from courses.models import CoursePage, LessonPage
from learning.models import Enrollment, LessonProgress
from scheduling.models import Attendance, Booking, LiveSession

SEED = 20261126
HISTORY_DAYS = 730
LESSONS_PER_MODULE = 10
LEARNER_BATCH = 5000  # learners per bulk_create
ENROLLMENTS_PER_CHUNK = 10_000
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


@dataclass(frozen=True)
class Sizes:
    """How much to seed (bench/analytics.py's arguments of the same names, with their defaults)."""

    courses: int
    lessons: int  # per course, in modules of LESSONS_PER_MODULE
    trainers: int
    learners: int
    enrollments: int
    progress_rows: int  # LessonProgress rows
    attempts: int


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


def seed_analytics(sizes: Sizes) -> Seeded:
    """Seeds the analytics data at `sizes` into the migrated database; returns how long each part took and the
    rows written."""
    seeded = Seeded()
    rng = random.Random(SEED)
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)  # naive UTC, as stored
    history = timedelta(days=HISTORY_DAYS)

    began = time.perf_counter()
    if sizes.lessons % LESSONS_PER_MODULE:
        sys.exit(f"--lessons must be a multiple of {LESSONS_PER_MODULE} (lessons per module).")
    seed_catalogue(
        courses=sizes.courses,
        modules_per_course=sizes.lessons // LESSONS_PER_MODULE,
        lessons_per_module=LESSONS_PER_MODULE,
        trainers=sizes.trainers,
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
    progress(f"{len(courses)} courses of {sizes.lessons} lessons, one assessment each")

    began = time.perf_counter()
    plans = plan_enrollments(rng, sizes, courses, now, history)
    plan_progress(rng, sizes, plans, courses, now)
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
                for n in range(sizes.learners)
            ),
            batch_size=LEARNER_BATCH,
        )
    by_username = dict(
        User.objects.filter(username__startswith=LEARNER_USERNAME.format("")).values_list("username", "pk")
    )
    user_ids = [by_username[LEARNER_USERNAME.format(n)] for n in range(sizes.learners)]
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
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def course_lessons(courses) -> dict[int, list[int]]:
    lessons: dict[int, list[int]] = defaultdict(list)
    paths = {course.path: course.pk for course in courses}
    depth = len(courses[0].path)
    for pk, path in (
        LessonPage.objects.filter(path__startswith=courses[0].path[:-4]).order_by("path").values_list("pk", "path")
    ):
        lessons[paths[path[:depth]]].append(pk)
    return lessons


def plan_enrollments(rng, sizes: Sizes, courses, now: datetime, history: timedelta) -> list[Plan]:
    """Which learner is in which course since when: popular courses and busy learners, more recent more often."""
    if sizes.enrollments > sizes.learners * len(courses):
        sys.exit("--enrollments cannot exceed --learners times --courses.")
    course_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(courses))]
    rng.shuffle(course_weights)
    learner_weights = [min(rng.paretovariate(1.6), 15.0) for _ in range(sizes.learners)]
    seen: set[tuple[int, int]] = set()
    plans: list[Plan] = []
    seconds = history.total_seconds()
    course_cumulative = list(_accumulate(course_weights))
    learner_cumulative = list(_accumulate(learner_weights))
    while len(plans) < sizes.enrollments:
        wanted = sizes.enrollments - len(plans)
        users = rng.choices(range(sizes.learners), cum_weights=learner_cumulative, k=wanted)
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


def plan_progress(rng, sizes: Sizes, plans: list[Plan], courses, now: datetime) -> None:
    """Statuses, lessons done (exactly --progress-rows in all), attempts (exactly --attempts) and dates."""
    lessons = sizes.lessons
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
    done = scale_to_total(rng, weights, caps, floors, sizes.progress_rows)
    for plan, count in zip(plans, done, strict=True):
        plan.lessons = count

    # Attempts: everyone past half the lessons may try the quiz; completed enrollments have passed it.
    eligible = [i for i, plan in enumerate(plans) if plan.status == "completed" or plan.lessons * 2 >= lessons]
    attempt_weights = [rng.expovariate(1.0) for _ in eligible]
    per = scale_to_total(rng, attempt_weights, [12] * len(eligible), [1] * len(eligible), sizes.attempts)
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
