"""Reads of the SCORM app: which package a lesson places for whom, and a learner's stored session."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from courses.models import CoursePage, LessonPage
from learning import selectors as learning_selectors
from learning.models import Enrollment
from lms_site.inputs import read_id

from .models import ScormAttempt, ScormPackage


@dataclass(frozen=True)
class PlacedPackage:
    package: ScormPackage
    lesson: LessonPage
    enrollment: Enrollment | None
    recorded: bool  # an enrolled learner's session is stored; a staff member's or a free preview's is not


def places_package(*, lesson: LessonPage, package_id: int) -> bool:
    return any(
        item.get("type") == "scorm"
        and isinstance(item.get("value"), dict)
        and read_id(item["value"].get("package")) == package_id
        for item in lesson.body.raw_data
    )


def placed_package(*, user: User | AnonymousUser, package_id: int, lesson_id: int) -> PlacedPackage | None:
    """The package as placed in a live lesson that `user` may read now; None for anything else (a 404)."""
    if not user.is_authenticated:
        return None
    lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
    if lesson is None or not places_package(lesson=lesson, package_id=package_id):
        return None
    course = lesson.course
    if course is None or not course.live:
        return None
    package = ScormPackage.objects.filter(pk=package_id).first()
    if package is None:
        return None
    enrollment = learning_selectors.enrollment_for(user=user, course=course)
    access = learning_selectors.lesson_access(user=user, lesson=lesson, course=course, enrollment=enrollment)
    if not access.can_read:
        return None
    recorded = enrollment is not None and enrollment.gives_access and access.reason == "enrolled"
    return PlacedPackage(package=package, lesson=lesson, enrollment=enrollment, recorded=recorded)


def attempt_for(*, user: User, lesson: LessonPage, package: ScormPackage) -> ScormAttempt | None:
    return ScormAttempt.objects.filter(user=user, lesson=lesson, package=package).first()


@dataclass(frozen=True)
class PackageScore:
    lesson_id: int
    status: str  # lesson_status (1.2) or completion/success (2004), as the package reported it
    percent: Decimal | None  # scaled (2004), else raw within min..max (default 0..100); None without a score


def _percent(attempt: ScormAttempt) -> Decimal | None:
    if attempt.score_scaled is not None:
        return (attempt.score_scaled * 100).quantize(Decimal("0.01"))
    if attempt.score_raw is None:
        return None
    low = attempt.score_min if attempt.score_min is not None else Decimal(0)
    high = attempt.score_max if attempt.score_max is not None else Decimal(100)
    if high <= low:
        return None
    return (max(Decimal(0), min(Decimal(1), (attempt.score_raw - low) / (high - low))) * 100).quantize(Decimal("0.01"))


def course_scores(*, course: CoursePage) -> dict[int, list[PackageScore]]:
    """Each learner's SCORM results in the course's live lessons, by user id, in lesson order: one query.

    For a gradebook column; the gradebook (assessments) has no hook for other apps yet."""
    attempts = (
        ScormAttempt.objects.filter(lesson__in=LessonPage.objects.live().descendant_of(course))
        .select_related("package")
        .order_by("user_id", "lesson__path", "pk")
    )
    scores: dict[int, list[PackageScore]] = {}
    for attempt in attempts:
        status = (
            attempt.lesson_status
            if attempt.package.version == "1.2"
            else "/".join(filter(None, [attempt.completion_status, attempt.success_status]))
        )
        scores.setdefault(attempt.user_id, []).append(
            PackageScore(lesson_id=attempt.lesson_id, status=status, percent=_percent(attempt))
        )
    return scores
