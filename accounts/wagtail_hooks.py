from django.utils.translation import gettext as _
from wagtail import hooks

from lms_site.deletion import refuse_if_protected

from .models import User


def _refuse_protected_delete(request, users):
    """An account with orders (money records) cannot be deleted: it is banned instead, its records kept."""
    return refuse_if_protected(
        request,
        users,
        message=_(
            "These accounts cannot be deleted: records refer to them (%(records)s). "
            "Ban the account instead; it can no longer sign in and its records are kept."
        ),
        redirect_to="wagtailusers_users:index",
    )


@hooks.register("before_delete_user")
def refuse_deleting_users_with_records(request, user):
    return _refuse_protected_delete(request, [user])


@hooks.register("before_bulk_action")
def refuse_bulk_deleting_users_with_records(request, action_type, objects, action_class_instance):
    if action_type == "delete" and objects and isinstance(objects[0], User):
        return _refuse_protected_delete(request, objects)
    return None
