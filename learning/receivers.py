"""Keeps stored progress in step with the page tree: publishing, unpublishing, moving or deleting
lessons (or the modules holding them) changes which lessons count."""

from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished, post_page_move

from courses.models import LessonPage, ModulePage

from .services import schedule_course_recompute


@receiver(page_published, sender=LessonPage, dispatch_uid="learning_lesson_published")
@receiver(page_published, sender=ModulePage, dispatch_uid="learning_module_published")
@receiver(page_unpublished, sender=LessonPage, dispatch_uid="learning_lesson_unpublished")
@receiver(page_unpublished, sender=ModulePage, dispatch_uid="learning_module_unpublished")
@receiver(post_delete, sender=LessonPage, dispatch_uid="learning_lesson_deleted")
def lesson_visibility_changed(sender, instance, **kwargs):
    schedule_course_recompute(page=instance)


@receiver(post_page_move, sender=LessonPage, dispatch_uid="learning_lesson_moved")
@receiver(post_page_move, sender=ModulePage, dispatch_uid="learning_module_moved")
def lessons_moved(sender, instance, parent_page_before, parent_page_after, **kwargs):
    # Both the course it left and the course it joined may have changed.
    for parent in (parent_page_before, parent_page_after):
        schedule_course_recompute(page=parent)
