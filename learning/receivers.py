"""Keeps stored progress in step with the page tree: publishing, unpublishing, moving or deleting
lessons (or the modules holding them) changes which lessons count. Any change to a page also makes the
player's cached course outlines stale (selectors.course_structure)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from courses.models import LessonPage, ModulePage

from .selectors import forget_course_structures
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


# Every page type, assessments' included (learning does not import them): post_save covers a draft, a publish,
# an unpublish and pages created live (add_child, copies); the move signal covers the paths that change with a
# page's descendants, which are updated without saving them.
@receiver(post_save, dispatch_uid="learning_page_saved_structures")
@receiver(post_delete, dispatch_uid="learning_page_deleted_structures")
def page_changed(sender, instance, raw=False, **kwargs):
    if isinstance(instance, Page) and not raw:
        forget_course_structures()


@receiver(post_page_move, dispatch_uid="learning_page_moved_structures")
@receiver(page_published, dispatch_uid="learning_page_published_structures")
@receiver(page_unpublished, dispatch_uid="learning_page_unpublished_structures")
def page_tree_changed(sender, instance, **kwargs):
    forget_course_structures()
