"""The xAPI admin: the statements sent to the LRS, read-only, with "Send again" for a failed one."""

import django_filters
from django import forms
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.admin.viewsets.model import ModelViewSet

from accounts.permissions import RolePermissionPolicy
from lms_site.viewsets import RolePolicyPermissions, id_routes

from .admin_views import RetryView, StatementIndexView, StatementInspectView
from .models import Statement, StatementStatus


class StatementPermissionPolicy(RolePermissionPolicy):
    """Admins read the statements and send a failed one again; nobody writes one by hand."""

    actions = frozenset({"view", "retry"})


class StatementFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=StatementStatus.choices, widget=forms.RadioSelect, empty_label=_("All")
    )
    created_at = django_filters.DateFromToRangeFilter(label=_("Created"), widget=DateRangePickerWidget)

    class Meta:
        model = Statement
        fields = ["status", "created_at"]


class StatementViewSet(RolePolicyPermissions, ModelViewSet):
    model = Statement
    url_prefix = "xapi/statements"
    url_namespace = "xapi_statements"
    icon = "list-ul"
    menu_label = _("xAPI statements")
    menu_order = 902
    add_to_admin_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = StatementIndexView
    inspect_view_class = StatementInspectView
    list_display = [
        "id",
        Column("verb", label=_("Verb"), sort_key="verb"),
        Column("key", label=_("Event")),
        Column("user", label=_("Learner"), accessor="user.display_name"),
        StatusTagColumn(
            "status",
            label=_("Status"),
            accessor="get_status_display",
            primary=lambda statement: statement.status == StatementStatus.SENT,
            sort_key="status",
        ),
        Column("attempts", label=_("Attempts")),
        Column("last_status_code", label=_("Last code")),
        DateColumn("created_at", label=_("Created"), sort_key="created_at"),
    ]
    filterset_class = StatementFilterSet
    search_fields = ["key"]
    search_backend_name = None
    ordering = "-created_at"
    inspect_view_fields = [
        "statement_id",
        "key",
        "verb",
        "user",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "give_up_at",
        "created_at",
        "sent_at",
        "body",
    ]

    def get_common_view_kwargs(self, **kwargs):
        missing = dict.fromkeys(
            ["add_url_name", "edit_url_name", "delete_url_name", "history_url_name", "usage_url_name"]
        )
        return super().get_common_view_kwargs(**missing, retry_url_name=self.get_url_name("retry"), **kwargs)

    @property
    def retry_view(self):
        return self.construct_view(RetryView)

    def get_urlpatterns(self):
        return [
            *id_routes(self, "index", "index_results", "inspect"),
            path("retry/<id:pk>/", self.retry_view, name="retry"),
        ]

    def register_admin_url_finder(self):
        pass
