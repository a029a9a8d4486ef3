"""Reads of the SCORM app: which package a lesson places for whom, and a learner's stored session."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from courses.models import LessonPage
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
