from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from lms_site import page_cache

from .models import Role, User
from .services import sync_role_groups


@receiver(post_save, sender=User, dispatch_uid="accounts_sync_role_groups")
def keep_role_groups_in_step(sender, instance: User, raw: bool = False, update_fields=None, **kwargs):
    if raw:  # fixtures load groups themselves
        return
    if update_fields is not None and "role" not in update_fields:
        return
    sync_role_groups(user=instance)


# What a visitor's course page shows of its trainer (User.display_name); a sign-in only writes last_login.
SHOWN_ON_PAGES = {"first_name", "last_name", "username", "role"}


@receiver(post_save, sender=User, dispatch_uid="accounts_trainer_saved_page_cache")
def trainer_changed(sender, instance: User, raw: bool = False, update_fields=None, **kwargs):
    if raw or instance.role != Role.TRAINER:
        return
    if update_fields is not None and not SHOWN_ON_PAGES & set(update_fields):
        return
    page_cache.invalidate()


@receiver(post_delete, sender=User, dispatch_uid="accounts_trainer_deleted_page_cache")
def trainer_deleted(sender, instance: User, **kwargs):
    # Their courses lose the trainer through a bulk SET NULL, which sends no page signal.
    if instance.role == Role.TRAINER:
        page_cache.invalidate()
