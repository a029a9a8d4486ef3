"""Demo data: a year of history in the demo courses, so the analytics dashboard has figures after `make run`.

The history is written as the rows a year of use leaves behind (enrollments, completed lessons, graded
attempts, paid and refunded orders) instead of being replayed through the services: a replay would award
points, issue certificates and queue e-mails for people who do not exist, all dated today. Each enrollment's
percentage and status are derived with learning's own requirement registry, so they agree with its rows.
"""

import random
from datetime import datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from accounts.models import Role, User
from assessments import grading
from assessments.models import AssessmentPage, Attempt, AttemptStatus
from billing.models import Order, OrderStatus
from courses.models import CoursePage, LessonPage
from learning import requirements
from learning.models import Enrollment, EnrollmentStatus, LessonProgress

USERNAME = "history{:02d}"
NAMES = [
    ("Amara", "Okafor"), ("Bruno", "Keller"), ("Chen", "Wei"), ("Dalia", "Haddad"), ("Emil", "Novak"),
    ("Fatima", "Rahman"), ("Goran", "Petrovic"), ("Hana", "Sato"), ("Ivo", "Marquez"), ("Jana", "Dvorak"),
    ("Kofi", "Mensah"), ("Lena", "Vogel"), ("Mateo", "Rossi"), ("Nadia", "Ibrahim"), ("Oskar", "Lind"),
    ("Priya", "Nair"), ("Quentin", "Moreau"), ("Rosa", "Almeida"), ("Sami", "Virtanen"), ("Tara", "Byrne"),
    ("Umar", "Siddiqui"), ("Vera", "Kowalska"), ("Wim", "de Vries"), ("Yara", "Costa"), ("Zoltan", "Farkas"),
    ("Aiko", "Tanaka"), ("Björn", "Holm"), ("Chloé", "Lambert"), ("Diego", "Herrera"), ("Eva", "Horvath"),
]  # fmt: skip
HISTORY_DAYS = 365
REFUNDED_SHARE = 0.1  # of paid enrollments
LEFT_SHARE = 0.08  # of free enrollments


def seed_history(*, courses: list[CoursePage], now: datetime | None = None, seed: int = 2026) -> int:
    """Adds the history learners and their year in the courses; returns how many enrollments it wrote.
    Idempotent: once the first history learner exists, it adds nothing."""
    if not courses or User.objects.filter(username=USERNAME.format(1)).exists():
        return 0
    now = now or timezone.now()
    rng = random.Random(seed)
    lessons = {
        course.pk: list(LessonPage.objects.live().descendant_of(course).order_by("path").values_list("pk", flat=True))
        for course in courses
    }
    assessments = {course.pk: list(AssessmentPage.objects.live().descendant_of(course)) for course in courses}
    written = []
    for number, (first_name, last_name) in enumerate(NAMES, start=1):
        # Recent months busier than old ones, as a growing catalogue has them.
        days_ago = [int(HISTORY_DAYS * rng.random() ** 1.6) + 1 for _ in courses]
        user = User(
            username=USERNAME.format(number),
            email=f"{USERNAME.format(number)}@learnwell.test",
            first_name=first_name,
            last_name=last_name,
            role=Role.LEARNER,
            date_joined=now - timedelta(days=max(days_ago) + 1),
        )
        user.set_unusable_password()
        user.save()
        for course, days in zip(rng.sample(courses, k=rng.randint(1, min(3, len(courses)))), days_ago, strict=False):
            enrolled_at = now - timedelta(days=days, hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
            written.append(
                _enrollment_history(rng, user, course, enrolled_at, now, lessons[course.pk], assessments[course.pk])
            )
    for course in courses:
        _derive_progress(course, [e for e in written if e.course_id == course.pk], lessons[course.pk])
    return len(written)


def _enrollment_history(rng, user, course, enrolled_at, now, lesson_ids, assessments) -> Enrollment:
    enrollment = Enrollment.objects.create(
        user=user, course=course, enrolled_at=enrolled_at, last_activity_at=enrolled_at
    )
    refunded_at = None
    if not course.is_free:
        refunded_at = _order(rng, user, course, enrolled_at, now)
    elif rng.random() < LEFT_SHARE:
        enrollment.status, enrollment.cancelled_at = EnrollmentStatus.CANCELLED, enrolled_at + timedelta(days=2)
    if refunded_at is not None:
        enrollment.status, enrollment.cancelled_at = EnrollmentStatus.REFUNDED, refunded_at

    age = (now - enrolled_at).days
    finishes = enrollment.status == EnrollmentStatus.ACTIVE and rng.random() < min(0.75, age / 120)
    done = len(lesson_ids) if finishes else rng.randint(0, max(0, len(lesson_ids) - 1))
    if enrollment.status != EnrollmentStatus.ACTIVE:
        done = min(done, 2)
    # A lesson or two a day or so apart, never after today.
    moment = enrolled_at
    progress = []
    for lesson_id in lesson_ids[:done]:
        moment = min(now - timedelta(minutes=5), moment + timedelta(hours=rng.randint(2, 60)))
        progress.append(LessonProgress(enrollment=enrollment, lesson_id=lesson_id, completed_at=moment))
    LessonProgress.objects.bulk_create(progress)
    if progress:
        enrollment.last_lesson_id = progress[-1].lesson_id
    if lesson_ids and done * 2 >= len(lesson_ids):
        for assessment in assessments:
            moment = _attempts(rng, user, assessment, moment, now, must_pass=finishes)
    enrollment.last_activity_at = moment
    enrollment.save(update_fields=["status", "cancelled_at", "last_lesson", "last_activity_at"])
    return enrollment


def _order(rng, user, course, enrolled_at, now) -> datetime | None:
    """A paid order at enrolment; some refunded, a few of them in a later month than the sale."""
    refunded_at = None
    if rng.random() < REFUNDED_SHARE:
        refunded_at = min(now - timedelta(hours=1), enrolled_at + timedelta(days=rng.choice([1, 3, 9, 25, 40])))
    order = Order.objects.create(
        user=user,
        course=course,
        status=OrderStatus.REFUNDED if refunded_at else OrderStatus.PAID,
        amount=course.price,
        currency=course.currency,
        amount_paid=course.price,
        amount_refunded=course.price if refunded_at else 0,
        paid_at=enrolled_at,
        refunded_at=refunded_at,
    )
    Order.objects.filter(pk=order.pk).update(created_at=enrolled_at - timedelta(minutes=3))  # auto_now_add
    return refunded_at


def _attempts(rng, user, assessment, after: datetime, now: datetime, *, must_pass: bool) -> datetime:
    """One to three graded attempts; the last passes when the learner went on to finish the course."""
    snapshot = assessment.questions_snapshot()
    full = grading.full_marks_answers(snapshot)
    tries = rng.randint(1, 3) if must_pass else rng.randint(0, 2)
    moment = after
    for number in range(1, tries + 1):
        last = number == tries
        kept = [question_id for question_id in full if (must_pass and last) or rng.random() < 0.6]
        answers = {question_id: full[question_id] for question_id in kept}
        result = grading.grade_attempt(snapshot, answers)
        # Essays have no automatic score: a trainer gave them the mark the rest of the attempt earned.
        manual = {
            grade.question_id: str(grade.max_score if last and must_pass else 0)
            for grade in result.questions
            if grade.score is None
        }
        if manual:
            result = grading.grade_attempt(snapshot, answers, manual)
        started = min(now - timedelta(minutes=30), moment + timedelta(hours=rng.randint(1, 30)))
        moment = started + timedelta(minutes=rng.randint(5, 25))
        Attempt.objects.create(
            assessment=assessment,
            user=user,
            number=number,
            status=AttemptStatus.SUBMITTED,
            started_at=started,
            submitted_at=moment,
            snapshot=snapshot,
            answers=answers,
            manual_scores=manual,
            score=result.score,
            max_score=result.max_score,
            percent=result.percent,
            passed=result.percent >= assessment.pass_mark,
        )
    return moment


def _derive_progress(course: CoursePage, enrollments: list[Enrollment], lesson_ids: list[int]) -> None:
    """Percentage and completion as learning.services derives them: live lessons plus registered steps."""
    if not enrollments:
        return
    extra = requirements.count_steps(course=course, enrollments=enrollments)
    total = len(lesson_ids) + extra.total
    done_lessons = _lesson_counts([enrollment.pk for enrollment in enrollments], lesson_ids)
    for enrollment in enrollments:
        done = done_lessons.get(enrollment.pk, 0) + extra.done.get(enrollment.pk, 0)
        enrollment.progress_percent = done * 100 // total if total else 0
        if enrollment.status == EnrollmentStatus.ACTIVE and total and done == total:
            enrollment.status = EnrollmentStatus.COMPLETED
            enrollment.completed_at = enrollment.last_activity_at
        enrollment.save(update_fields=["progress_percent", "status", "completed_at"])


def _lesson_counts(enrollment_ids: list[int], lesson_ids: list[int]) -> dict[int, int]:
    rows = (
        LessonProgress.objects.filter(enrollment_id__in=enrollment_ids, lesson_id__in=lesson_ids)
        .values("enrollment_id")
        .annotate(n=Count("pk"))
        .values_list("enrollment_id", "n")
    )
    return dict(rows)
