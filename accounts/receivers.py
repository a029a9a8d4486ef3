from django.contrib.auth.models import Group, Permission
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from lms_site import page_cache

from .models import Role, User
from .selectors import forget_admin_access, forget_all_admin_access
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


# What may_access_admin keeps (the site header's "Admin" link) follows every way Django's has_perm can change.
# A user's own flags (is_superuser, is_active) are read from the user each request loads, so need nothing here.
@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="accounts_groups_admin_access")
@receiver(m2m_changed, sender=User.user_permissions.through, dispatch_uid="accounts_permissions_admin_access")
def users_groups_or_permissions_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:  # user.groups.add(...), user.user_permissions.clear()
        forget_admin_access(user_pks=[instance.pk])
    elif pk_set is not None:  # group.user_set.add(user, ...), permission.user_set.remove(...)
        forget_admin_access(user_pks=pk_set)
    else:  # group.user_set.clear(): who was in it is no longer known
        forget_all_admin_access()


@receiver(m2m_changed, sender=Group.permissions.through, dispatch_uid="accounts_group_permissions_admin_access")
def group_permissions_changed(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        forget_all_admin_access()


@receiver(post_save, sender=Group, dispatch_uid="accounts_group_saved_admin_access")
@receiver(post_delete, sender=Group, dispatch_uid="accounts_group_deleted_admin_access")
@receiver(post_delete, sender=Permission, dispatch_uid="accounts_permission_deleted_admin_access")
def group_or_permission_changed(sender, **kwargs):
    # A deleted group or permission takes its memberships and grants with it, without m2m signals.
    forget_all_admin_access()


@receiver(post_delete, sender=User, dispatch_uid="accounts_user_deleted_admin_access")
def user_deleted(sender, instance: User, **kwargs):
    # SQLite may give a deleted user's id to the next account.
    forget_admin_access(user_pks=[instance.pk])
