"""Thin, idempotent tasks: they take ids, load rows and call a service. Duplicates award nothing twice."""

from celery import shared_task
from django.db import OperationalError

from assessments.models import Attempt
from billing.models import Order
from learning.models import Enrollment, LessonProgress
from scheduling.models import Attendance

from . import services
from .models import Badge

# A deadlock between two workers awarding the same learner at once is retried: the tasks are idempotent.
RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def reward_lesson_completion(enrollment_id: int, lesson_id: int) -> int | None:
    progress = (
        LessonProgress.objects.select_related("enrollment__user")
        .filter(enrollment_id=enrollment_id, lesson_id=lesson_id)
        .first()
    )
    if progress is None:
        return None
    entry = services.reward_lesson_completion(progress=progress)
    return entry.pk if entry else None


@shared_task(**RETRY)
def reward_course_completion(enrollment_id: int) -> int | None:
    enrollment = Enrollment.objects.select_related("user").filter(pk=enrollment_id).first()
    if enrollment is None:
        return None
    entry = services.reward_course_completion(enrollment=enrollment)
    return entry.pk if entry else None


@shared_task(**RETRY)
def reward_attempt(attempt_id: int) -> list[int]:
    attempt = Attempt.objects.select_related("user", "assessment").filter(pk=attempt_id).first()
    if attempt is None:
        return []
    return [entry.pk for entry in services.reward_attempt(attempt=attempt)]


@shared_task(**RETRY)
def reverse_refunded_course(order_id: int) -> int:
    order = Order.objects.select_related("user", "course").filter(pk=order_id).first()
    if order is None or order.course is None or order.course_id is None:  # a seat order opened no course
        return 0
    reason = f"Refund of order #{order.pk} for “{order.course.title}”"
    return len(services.reverse_course_awards(user=order.user, course_id=order.course_id, reason=reason))


@shared_task(**RETRY)
def award_badge_to_qualifying(badge_id: int) -> int:
    badge = Badge.objects.filter(pk=badge_id).first()
    return services.award_badge_to_qualifying(badge=badge) if badge else 0


@shared_task(**RETRY)
def reward_session_attendance(attendance_id: int) -> int | None:
    attendance = Attendance.objects.select_related("user", "session").filter(pk=attendance_id).first()
    if attendance is None:
        return None
    entry = services.reward_session_attendance(attendance=attendance)
    return entry.pk if entry else None
