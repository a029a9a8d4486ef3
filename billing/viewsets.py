"""The orders admin: who may use it, how its listing filters, and which views it has."""

import django_filters
from django import forms
from django.urls import path
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.admin.viewsets.model import ModelViewSet

from accounts.permissions import RolePermissionPolicy
from courses.models import CoursePage
from lms_site.formatting import money_with_code
from lms_site.viewsets import RolePolicyPermissions

from .admin_views import OrderIndexView, OrderInspectView, RefundView
from .models import Order, OrderStatus


class OrderPermissionPolicy(RolePermissionPolicy):
    """Admins view orders and refund them; nobody adds, edits or deletes one by hand."""

    actions = frozenset({"view", "refund"})


class OrderFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label="Status", choices=OrderStatus.choices, widget=forms.RadioSelect, empty_label="All"
    )
    course = django_filters.ModelChoiceFilter(queryset=CoursePage.objects.order_by("title"))
    created_at = django_filters.DateFromToRangeFilter(label="Created", widget=DateRangePickerWidget)

    class Meta:
        model = Order
        fields = ["status", "course", "created_at"]


def amount_with_currency(order: Order) -> str:
    return money_with_code(order.amount, order.currency)


class OrderViewSet(RolePolicyPermissions, ModelViewSet):
    model = Order
    url_prefix = "orders"
    url_namespace = "billing_admin"  # "billing" belongs to the learners' checkout pages
    icon = "tag"
    menu_label = "Orders"
    menu_order = 310
    add_to_admin_menu = True
    # Orders are written by webhooks; indexing each one's references would only add writes to payments.
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True

    index_view_class = OrderIndexView
    inspect_view_class = OrderInspectView
    inspect_template_name = "billing/admin/inspect.html"
    list_display = [
        "id",  # shown as "Order #12" by OrderIndexView, which makes it the row's link and buttons
        Column("learner", label="Learner", accessor="user.email", sort_key="user__email"),
        Column("course", label="Course", accessor="course.title", sort_key="course__title"),
        Column("amount", label="Amount", accessor=amount_with_currency, sort_key="amount"),
        StatusTagColumn(
            "status",
            label="Status",
            accessor="get_status_display",
            primary=lambda order: order.status == OrderStatus.PAID,
            sort_key="status",
        ),
        DateColumn("created_at", label="Created", sort_key="created_at"),
    ]
    filterset_class = OrderFilterSet
    search_fields = ["user__email"]  # and the order number: OrderIndexView.search_queryset
    ordering = "-created_at"
    inspect_view_fields = [
        "id",
        "status",
        "user",
        "course",
        "amount",
        "currency",
        "amount_paid",
        "amount_refunded",
        "checkout_session_id",
        "payment_intent_id",
        "created_at",
        "processing_at",
        "paid_at",
        "failed_at",
        "expired_at",
        "refund_requested_at",
        "refund_requested_by",
        "refunded_at",
        "dispute_lost_at",
    ]  # not checkout_url (a stale payment link) nor paid_key (bookkeeping for a constraint)

    def get_common_view_kwargs(self, **kwargs):
        # Orders are never created, edited or deleted by hand: those views do not exist, and no view may link
        # to them.
        missing = dict.fromkeys(
            ["add_url_name", "edit_url_name", "delete_url_name", "history_url_name", "usage_url_name"]
        )
        return super().get_common_view_kwargs(**missing, refund_url_name=self.get_url_name("refund"), **kwargs)

    @property
    def refund_view(self):
        return self.construct_view(RefundView)

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<id:pk>/", self.inspect_view, name="inspect"),
            path("refund/<id:pk>/", self.refund_view, name="refund"),
        ]

    def register_admin_url_finder(self):
        # The finder links to an edit view, and orders have none.
        pass
