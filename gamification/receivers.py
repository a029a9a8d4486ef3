"""Points and badges follow the other apps' domain events; the work runs in tasks once their data committed."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from assessments.signals import attempt_graded
from billing.signals import order_refunded
from learning.signals import enrollment_completed, lesson_completed
from scheduling.signals import attendance_changed

from . import tasks
from .models import Badge


@receiver(lesson_completed, dispatch_uid="gamification_lesson_completed")
def lesson_completed_reward(sender, enrollment, lesson, **kwargs):
    tasks.reward_lesson_completion.delay_on_commit(enrollment.pk, lesson.pk)


@receiver(enrollment_completed, dispatch_uid="gamification_enrollment_completed")
def enrollment_completed_reward(sender, enrollment, **kwargs):
    tasks.reward_course_completion.delay_on_commit(enrollment.pk)


@receiver(attempt_graded, dispatch_uid="gamification_attempt_graded")
def attempt_graded_reward(sender, attempt, **kwargs):
    tasks.reward_attempt.delay_on_commit(attempt.pk)


@receiver(order_refunded, dispatch_uid="gamification_order_refunded")
def order_refunded_reverse(sender, order, **kwargs):
    tasks.reverse_refunded_course.delay_on_commit(order.pk)


@receiver(post_save, sender=Badge, dispatch_uid="gamification_badge_saved")
def badge_saved_award_qualifying(sender, instance, **kwargs):
    # A new badge, a lower bar or a reactivated badge goes to those who already earned it, not only to
    # learners whose next lesson happens to re-check their badges.
    if instance.is_active:
        tasks.award_badge_to_qualifying.delay_on_commit(instance.pk)


@receiver(attendance_changed, dispatch_uid="gamification_attendance_changed")
def attendance_changed_reward(sender, attendance, **kwargs):
    tasks.reward_session_attendance.delay_on_commit(attendance.pk)
