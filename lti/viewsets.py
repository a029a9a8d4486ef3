"""The LTI admin: platforms registered with Learnwell (admins only), with the tool's addresses to give them."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, HelpPanel, ObjectList
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.viewsets.model import ModelViewSet

from accounts.permissions import RolePermissionPolicy
from lms_site.viewsets import RolePolicyPermissions, id_routes

from .models import LtiPlatform


class PlatformPermissionPolicy(RolePermissionPolicy):
    """Admins add, change and switch off platforms; deleting one would lose its people's links to their accounts."""

    actions = frozenset({"view", "add", "change"})


def tool_urls(request) -> list[tuple[str, str]]:
    """What a platform's administrator types in when adding Learnwell as an external tool."""
    absolute = request.build_absolute_uri
    return [
        (str(_("Login initiation URL")), absolute(reverse("lti:login"))),
        (str(_("Redirect URI / launch URL")), absolute(reverse("lti:launch"))),
        (str(_("Public keyset (JWKS) URL")), absolute(reverse("lti:jwks"))),
        (str(_("Deep linking URL")), absolute(reverse("lti:launch"))),
    ]


class ToolUrlsPanel(HelpPanel):
    class BoundPanel(HelpPanel.BoundPanel):
        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["tool_urls"] = tool_urls(self.request)
            return context


class LtiPlatformViewSet(RolePolicyPermissions, ModelViewSet):
    model = LtiPlatform
    url_prefix = "lti/platforms"
    url_namespace = "lti_platforms"
    icon = "link"
    menu_label = _("LTI platforms")
    menu_order = 902
    add_to_admin_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    list_display = [
        "name",
        "issuer",
        "client_id",
        Column("is_active", label=_("Active"), accessor=lambda platform: _("Yes") if platform.is_active else _("No")),
        DateColumn("created_at", label=_("Created"), sort_key="created_at"),
    ]
    search_fields = ["name", "issuer", "client_id"]
    search_backend_name = None
    ordering = "name"
    edit_handler = ObjectList(
        [
            ToolUrlsPanel(heading=_("Learnwell's addresses"), template="lti/admin/tool_urls_panel.html"),
            FieldPanel("name"),
            FieldPanel("issuer"),
            FieldPanel("client_id"),
            FieldPanel("deployment_ids"),
            FieldPanel("auth_login_url"),
            FieldPanel("auth_token_url"),
            FieldPanel("auth_audience"),
            FieldPanel("key_set_url"),
            FieldPanel("instructors_become_trainers"),
            FieldPanel("is_active"),
        ]
    )

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            delete_url_name=None, usage_url_name=None, history_url_name=None, **kwargs
        )

    def get_urlpatterns(self):
        return id_routes(self, "index", "index_results", "add", "edit")

    def register_admin_url_finder(self):
        pass
