from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import User
from .services import sync_role_groups


@receiver(post_save, sender=User, dispatch_uid="accounts_sync_role_groups")
def keep_role_groups_in_step(sender, instance: User, raw: bool = False, update_fields=None, **kwargs):
    if raw:  # fixtures load groups themselves
        return
    if update_fields is not None and "role" not in update_fields:
        return
    sync_role_groups(user=instance)
