"""Who may change and read course content.

Trainers hold add/change/publish permissions on each catalogue (see services.grant_trainers_catalogue_access)
so Wagtail's explorer shows them the course tree; the testers below narrow that to the courses whose
trainer they are. Admins are superusers and are never narrowed.
"""

from wagtail.models import PagePermissionTester


def _is_narrowed_trainer(user) -> bool:
    return user.is_authenticated and not user.is_superuser and getattr(user, "is_trainer", False)


class CourseContentPermissionTester(PagePermissionTester):
    """For a course and the modules and lessons inside it."""

    def __init__(self, user, page, *, course):
        super().__init__(user, page)
        if _is_narrowed_trainer(user) and (course is None or course.trainer_id != user.pk):
            self.permissions = set()


class CataloguePermissionTester(PagePermissionTester):
    """Trainers may add courses to a catalogue but not edit, move or delete the catalogue itself."""

    def __init__(self, user, page):
        super().__init__(user, page)
        if _is_narrowed_trainer(user):
            self.permissions = self.permissions & {"add", "publish"}
            self.restricted_to_children = True
        else:
            self.restricted_to_children = False

    def can_edit(self):
        return not self.restricted_to_children and super().can_edit()

    def can_delete(self, ignore_bulk=False):
        return not self.restricted_to_children and super().can_delete(ignore_bulk)

    def can_publish(self):
        return not self.restricted_to_children and super().can_publish()

    def can_unpublish(self):
        return not self.restricted_to_children and super().can_unpublish()

    def can_lock(self):
        return not self.restricted_to_children and super().can_lock()

    def can_reorder_children(self):
        # Reordering moves other trainers' courses too.
        return not self.restricted_to_children and super().can_reorder_children()
