"""The webhooks admin: endpoints (admins add, edit, switch off) and the delivery log (view, retry)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.admin.viewsets.model import ModelViewSet

from accounts.permissions import RolePermissionPolicy
from lms_site import retry_log
from lms_site.viewsets import RolePolicyPermissions, id_routes

from .admin_forms import WebhookEndpointForm
from .admin_views import DeliveryIndexView, DeliveryInspectView, EndpointCreateView, RetryView
from .models import DeliveryStatus, EventType, WebhookDelivery, WebhookEndpoint


class EndpointPermissionPolicy(RolePermissionPolicy):
    """Admins add endpoints and change or switch them off; deleting one would lose its delivery log."""

    actions = frozenset({"view", "add", "change"})


class DeliveryPermissionPolicy(RolePermissionPolicy):
    """Admins read the delivery log and send a failed delivery again; nobody writes one by hand."""

    actions = frozenset({"view", "retry"})


def endpoint_state(endpoint: WebhookEndpoint) -> str:
    if endpoint.disabled_at:
        return str(_("Switched off after failures"))
    return str(_("Active")) if endpoint.is_active else str(_("Off"))


class WebhookEndpointViewSet(RolePolicyPermissions, ModelViewSet):
    model = WebhookEndpoint
    url_prefix = "webhooks/endpoints"
    url_namespace = "webhook_endpoints"
    icon = "link-external"
    menu_label = _("Webhooks")
    menu_order = 900
    add_to_admin_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    add_view_class = EndpointCreateView
    list_display = [
        "url",
        "description",
        Column("events", label=_("Events"), accessor=lambda endpoint: ", ".join(endpoint.event_types)),
        Column("state", label=_("State"), accessor=endpoint_state),
        DateColumn("created_at", label=_("Created"), sort_key="created_at"),
    ]
    search_fields = ["url", "description"]
    search_backend_name = None
    ordering = "-created_at"
    edit_handler = ObjectList(
        [
            FieldPanel("url"),
            FieldPanel("description"),
            FieldPanel("event_types"),
            FieldPanel("is_active", help_text=_("Untick to stop sending; tick to switch a disabled endpoint back on.")),
            FieldPanel("secret", read_only=True),
            FieldPanel("owner", read_only=True),
            FieldPanel("failing_since", read_only=True),
            FieldPanel("disabled_at", read_only=True),
            FieldPanel("disabled_reason", read_only=True),
        ],
        base_form_class=WebhookEndpointForm,
    )

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            delete_url_name=None, usage_url_name=None, history_url_name=None, **kwargs
        )

    def get_urlpatterns(self):
        return id_routes(self, "index", "index_results", "add", "edit")

    def register_admin_url_finder(self):
        pass


class DeliveryFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=DeliveryStatus.choices, widget=forms.RadioSelect, empty_label=_("All")
    )
    event_type = django_filters.ChoiceFilter(label=_("Event"), choices=EventType.choices, empty_label=_("All"))
    endpoint = django_filters.ModelChoiceFilter(label=_("Endpoint"), queryset=WebhookEndpoint.objects.order_by("url"))
    created_at = django_filters.DateFromToRangeFilter(label=_("Created"), widget=DateRangePickerWidget)

    class Meta:
        model = WebhookDelivery
        fields = ["status", "event_type", "endpoint", "created_at"]


class WebhookDeliveryViewSet(RolePolicyPermissions, retry_log.RetryLogViewSet):
    model = WebhookDelivery
    url_prefix = "webhooks/deliveries"
    url_namespace = "webhook_deliveries"
    menu_label = _("Webhook deliveries")
    menu_order = 901
    index_view_class = DeliveryIndexView
    inspect_view_class = DeliveryInspectView
    list_display = [
        "id",
        Column("event_type", label=_("Event"), sort_key="event_type"),
        Column("object_key", label=_("Object")),
        Column("endpoint", label=_("Endpoint"), accessor="endpoint.url"),
        StatusTagColumn(
            "status",
            label=_("Status"),
            accessor="get_status_display",
            primary=lambda delivery: delivery.status == DeliveryStatus.SUCCEEDED,
            sort_key="status",
        ),
        Column("attempts", label=_("Attempts")),
        Column("last_status_code", label=_("Last code")),
        DateColumn("created_at", label=_("Created"), sort_key="created_at"),
    ]
    filterset_class = DeliveryFilterSet
    search_fields = ["object_key"]
    inspect_view_fields = [
        "event_type",
        "event_id",
        "object_key",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "created_at",
        "delivered_at",
        "payload",
    ]
    retry_view_class = RetryView
