"""Publishing, unpublishing, moving or deleting a required assessment changes what completing its course takes."""

from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished, post_page_move

from courses.models import CoursePage
from learning.tasks import recompute_course_progress

from .models import AssessmentPage


def _recompute_course_of(page) -> None:
    course_id = CoursePage.objects.ancestor_of(page, inclusive=True).values_list("pk", flat=True).first()
    if course_id is not None:
        recompute_course_progress.delay_on_commit(course_id)


@receiver(page_published, sender=AssessmentPage, dispatch_uid="assessments_published")
@receiver(page_unpublished, sender=AssessmentPage, dispatch_uid="assessments_unpublished")
@receiver(post_delete, sender=AssessmentPage, dispatch_uid="assessments_deleted")
def assessment_changed(sender, instance, **kwargs):
    _recompute_course_of(instance)


@receiver(post_page_move, sender=AssessmentPage, dispatch_uid="assessments_moved")
def assessment_moved(sender, instance, parent_page_before, parent_page_after, **kwargs):
    for parent in (parent_page_before, parent_page_after):
        _recompute_course_of(parent)
