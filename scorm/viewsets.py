"""The SCORM library in Wagtail's admin. ScormPackage is a snippet, so lessons place packages with a chooser
block and Wagtail's reference index knows which lessons use which package."""

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.snippets.views.snippets import SnippetViewSet

from accounts.models import Role
from accounts.permissions import RolePermissionPolicy

from .forms import ScormPackageForm
from .models import ScormPackage


class ScormPackagePermissionPolicy(RolePermissionPolicy):
    """Admins upload, rename and delete packages; trainers see the library and place its packages in their lessons;
    learners never reach it. A package's scripts run on the site's own origin with the learner's session
    (ADR 0035), so adding one is trusted as an admin's work is."""

    actions = frozenset({"add", "change", "delete", "view", "choose"})
    roles = (Role.ADMIN, Role.TRAINER)
    trainer_actions = frozenset({"view", "choose"})

    def user_has_permission(self, user, action):
        if getattr(user, "role", None) == Role.TRAINER and action not in self.trainer_actions:
            return False
        return super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        users = super().users_with_any_permission(actions)
        return users if not self.trainer_actions.isdisjoint(actions) else users.filter(role=Role.ADMIN)


def size_text(package: ScormPackage) -> str:
    return filesizeformat(package.size_bytes)


class ScormPackageViewSet(SnippetViewSet):
    model = ScormPackage
    icon = "folder-open-inverse"
    menu_label = _("SCORM packages")
    menu_order = 310
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = False
    list_display = [
        "title",
        Column("version", label=_("Version")),
        Column("size", label=_("Size"), accessor=size_text),
        DateColumn("created_at", label=_("Uploaded")),
    ]
    search_fields = ["title"]
    edit_handler = ObjectList([FieldPanel("title"), FieldPanel("package")], base_form_class=ScormPackageForm)
