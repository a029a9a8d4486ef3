"""Grade passback: progress and grades of people who came from an LTI platform go back to its gradebook."""

from django.dispatch import receiver

from assessments.signals import attempt_graded
from learning.signals import enrollment_completed, lesson_completed

from . import selectors
from .tasks import post_lti_score


@receiver(lesson_completed, dispatch_uid="lti_progress_on_lesson")
@receiver(enrollment_completed, dispatch_uid="lti_progress_on_completion")
def course_progress_changed(sender, enrollment, **kwargs):
    # Most learners never came through LTI: one indexed query instead of a task each time.
    if selectors.has_graded_launches(user_id=enrollment.user_id, page_id=enrollment.course_id):
        post_lti_score.delay_on_commit("enrollment", enrollment.pk)


@receiver(attempt_graded, dispatch_uid="lti_score_on_grade")
def attempt_graded_received(sender, attempt, **kwargs):
    if selectors.has_graded_launches(user_id=attempt.user_id, page_id=attempt.assessment_id):
        post_lti_score.delay_on_commit("attempt", attempt.pk)
