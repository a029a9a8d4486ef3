"""Reactions of the SCORM app: a deleted package's files leave private storage once the delete commits."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from . import services
from .models import ScormPackage


@receiver(post_delete, sender=ScormPackage)
def remove_package_files(sender, instance, **kwargs):
    prefix = instance.storage_prefix
    transaction.on_commit(lambda: services.delete_package_files(prefix=prefix))
