"""Reads of the SCORM app: which package a lesson places for whom, a learner's stored session, and the
gradebook's SCORM columns."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext, pgettext_lazy

from accounts.models import User
from courses.models import CoursePage, LessonPage
from learning import selectors as learning_selectors
from learning.gradebook_columns import ColumnCell, GradebookColumn
from learning.models import Enrollment
from lms_site.inputs import read_id

from .models import ScormAttempt, ScormPackage, ScormVersion


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

    Every learner who ever ran a package, whatever their enrollment; the gradebook reads gradebook_columns."""
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


# The gradebook's SCORM columns --------------------------------------------------------------------------------


class ScormStatus:
    """One status per cell, from what either version reports: success (passed/failed) before completion."""

    COMPLETED = "completed"
    PASSED = "passed"
    FAILED = "failed"
    INCOMPLETE = "incomplete"
    NOT_ATTEMPTED = "not attempted"


STATUS_LABELS = {
    ScormStatus.COMPLETED: pgettext_lazy("SCORM status", "completed"),
    ScormStatus.PASSED: pgettext_lazy("SCORM status", "passed"),
    ScormStatus.FAILED: pgettext_lazy("SCORM status", "failed"),
    ScormStatus.INCOMPLETE: pgettext_lazy("SCORM status", "incomplete"),
    ScormStatus.NOT_ATTEMPTED: pgettext_lazy("SCORM status", "not attempted"),
}


def attempt_status(attempt: ScormAttempt, *, version: str) -> str:
    """A ScormStatus. 1.2's "browsed" counts as incomplete; a status the package never set as not attempted."""
    if version == ScormVersion.V12:
        reported = attempt.lesson_status
        if reported in (ScormStatus.PASSED, ScormStatus.FAILED, ScormStatus.COMPLETED, ScormStatus.INCOMPLETE):
            return reported
        return ScormStatus.INCOMPLETE if reported == "browsed" else ScormStatus.NOT_ATTEMPTED
    if attempt.success_status in (ScormStatus.PASSED, ScormStatus.FAILED):
        return attempt.success_status
    if attempt.completion_status in (ScormStatus.COMPLETED, ScormStatus.INCOMPLETE):
        return attempt.completion_status
    return ScormStatus.NOT_ATTEMPTED


def _cell(status: str, percent: Decimal | None = None) -> ColumnCell:
    return ColumnCell(percent=percent, status=status, label=str(STATUS_LABELS[status]))


def gradebook_columns(*, course: CoursePage, user_ids: Iterable[int]) -> list[GradebookColumn]:
    """One column per live lesson of the course that holds a SCORM package, in lesson order, titled like the
    lesson: each learner's score and status in the package placed there now (a session in a package the lesson
    no longer holds is left out). Registered with learning.gradebook_columns in ScormConfig.ready().

    Two queries whatever the number of learners and lessons (the live lessons, the attempts); one for a course
    without SCORM. Not part of the assessment average: see assessments.selectors.GradebookRow."""
    placed: dict[int, int] = {}  # lesson id -> package id
    lessons = list(LessonPage.objects.live().descendant_of(course).order_by("path"))
    for lesson in lessons:
        for item in lesson.body.raw_data:
            package_id = read_id(item["value"].get("package")) if isinstance(item.get("value"), dict) else None
            if item.get("type") == "scorm" and package_id is not None:
                placed[lesson.pk] = package_id
                break
    if not placed:
        return []
    kind, blank = gettext("SCORM"), _cell(ScormStatus.NOT_ATTEMPTED)
    columns = {
        lesson.pk: GradebookColumn(key=f"scorm-{lesson.pk}", title=lesson.title, kind=kind, blank=blank)
        for lesson in lessons
        if lesson.pk in placed
    }
    ids = set(user_ids)
    if not ids:
        return list(columns.values())
    # By lesson only: a list of every learner's id would make a long IN clause for the same rows.
    attempts = ScormAttempt.objects.filter(lesson_id__in=placed).select_related("package")
    for attempt in attempts:
        if attempt.user_id not in ids or placed[attempt.lesson_id] != attempt.package_id:
            continue
        status = attempt_status(attempt, version=attempt.package.version)
        columns[attempt.lesson_id].cells[attempt.user_id] = _cell(status, _percent(attempt))
    return list(columns.values())
