from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import CourseIndexPage
from .services import grant_trainers_catalogue_access


@receiver(post_save, sender=CourseIndexPage, dispatch_uid="courses_grant_trainers_new_catalogue")
def open_new_catalogue_to_trainers(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        grant_trainers_catalogue_access(catalogue=instance)
