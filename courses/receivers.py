from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from lms_site import page_cache

from .models import Category, CourseIndexPage
from .services import grant_trainers_catalogue_access


@receiver(post_save, sender=CourseIndexPage, dispatch_uid="courses_grant_trainers_new_catalogue")
def open_new_catalogue_to_trainers(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        grant_trainers_catalogue_access(catalogue=instance)


@receiver(post_save, sender=Category, dispatch_uid="courses_category_saved_page_cache")
@receiver(post_delete, sender=Category, dispatch_uid="courses_category_deleted_page_cache")
def category_changed(sender, raw=False, **kwargs):
    # The catalogue's filters, its cards and the course page's breadcrumb show the category's name.
    if not raw:
        page_cache.invalidate()
