"""organisations' reactions to other apps' events, and to its own rows changing outside its services."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import Organisation
from .selectors import forget_all_assigned_courses


@receiver(post_save, sender=Organisation, dispatch_uid="organisations-renamed")
def organisation_saved(sender, instance, created, **kwargs):
    # Managers' dashboards link to their teams by slug and name, kept per user: a rename reaches them at once.
    if not created:
        forget_all_assigned_courses()
