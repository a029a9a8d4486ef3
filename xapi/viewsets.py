"""The xAPI admin: the statements sent to the LRS, read-only, with "Send again" for a failed one."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn

from accounts.permissions import RolePermissionPolicy
from lms_site import retry_log
from lms_site.viewsets import RolePolicyPermissions

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


class StatementViewSet(RolePolicyPermissions, retry_log.RetryLogViewSet):
    model = Statement
    url_prefix = "xapi/statements"
    url_namespace = "xapi_statements"
    menu_label = _("xAPI statements")
    menu_order = 902
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
    retry_view_class = RetryView
