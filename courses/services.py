from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import GroupPagePermission

from .models import CourseIndexPage

TRAINER_GROUP = "Trainers"
TRAINER_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")


@transaction.atomic
def grant_trainers_catalogue_access(*, catalogue: CourseIndexPage) -> None:
    """Let the Trainers group work below a catalogue; courses.permissions narrows it to their own courses."""
    group, _ = Group.objects.get_or_create(name=TRAINER_GROUP)
    for codename in TRAINER_PAGE_PERMISSIONS:
        permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
        GroupPagePermission.objects.get_or_create(group=group, page=catalogue, permission=permission)
