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
    """Admins and trainers upload and place packages; learners never reach the library."""

    actions = frozenset({"add", "change", "delete", "view", "choose"})
    roles = (Role.ADMIN, Role.TRAINER)


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
