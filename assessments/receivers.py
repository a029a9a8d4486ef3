"""Publishing, unpublishing, moving or deleting a required assessment changes what completing its course takes."""

from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished, post_page_move

from learning.services import schedule_course_recompute

from .models import AssessmentPage


@receiver(page_published, sender=AssessmentPage, dispatch_uid="assessments_published")
@receiver(page_unpublished, sender=AssessmentPage, dispatch_uid="assessments_unpublished")
@receiver(post_delete, sender=AssessmentPage, dispatch_uid="assessments_deleted")
def assessment_changed(sender, instance, **kwargs):
    schedule_course_recompute(page=instance)


@receiver(post_page_move, sender=AssessmentPage, dispatch_uid="assessments_moved")
def assessment_moved(sender, instance, parent_page_before, parent_page_after, **kwargs):
    for parent in (parent_page_before, parent_page_after):
        schedule_course_recompute(page=parent)
