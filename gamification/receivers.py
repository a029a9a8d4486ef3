"""Points and badges follow the other apps' domain events; the work runs in tasks once their data committed."""

from django.dispatch import receiver

from assessments.signals import attempt_graded
from billing.signals import order_refunded
from learning.signals import enrollment_completed, lesson_completed

from . import tasks


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
