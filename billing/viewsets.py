"""The orders and coupons admins: who may use them, how their listings filter, and which views they have."""

import django_filters
from django import forms
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn, StatusTagColumn
from wagtail.admin.viewsets.model import ModelViewSet

from accounts.permissions import RolePermissionPolicy
from courses.models import CoursePage
from lms_site.formatting import money_with_code
from lms_site.viewsets import RolePolicyPermissions, id_routes

from .admin_forms import CouponForm
from .admin_views import CouponIndexView, OrderIndexView, OrderInspectView, RefundView, coupon_discount, redemptions
from .models import Coupon, CouponKind, Order, OrderStatus


class OrderPermissionPolicy(RolePermissionPolicy):
    """Admins view orders and refund them; nobody adds, edits or deletes one by hand."""

    actions = frozenset({"view", "refund"})


class OrderFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=OrderStatus.choices, widget=forms.RadioSelect, empty_label=_("All")
    )
    course = django_filters.ModelChoiceFilter(
        label=_("Course"), queryset=CoursePage.objects.originals().order_by("title")
    )
    created_at = django_filters.DateFromToRangeFilter(label=_("Created"), widget=DateRangePickerWidget)

    class Meta:
        model = Order
        fields = ["status", "course", "created_at"]


def what_was_bought(order: Order) -> str:
    """The course, or a seat order's lines (prefetched by the listing)."""
    if order.is_seat_order:
        lines = ", ".join(f"{line.quantity} × {line.course.title}" for line in order.lines.all())
        return gettext("Seats: %(lines)s") % {"lines": lines}
    return order.course.title if order.course else ""


def amount_with_currency(order: Order) -> str:
    return money_with_code(order.amount, order.currency)


class OrderViewSet(RolePolicyPermissions, ModelViewSet):
    model = Order
    url_prefix = "orders"
    url_namespace = "billing_admin"  # "billing" belongs to the learners' checkout pages
    icon = "tag"
    menu_label = _("Orders")
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
        Column("learner", label=_("Learner"), accessor="user.email", sort_key="user__email"),
        Column("course", label=_("Course"), accessor=what_was_bought, sort_key="course__title"),
        Column("amount", label=_("Amount"), accessor=amount_with_currency, sort_key="amount"),
        StatusTagColumn(
            "status",
            label=_("Status"),
            accessor="get_status_display",
            primary=lambda order: order.status == OrderStatus.PAID,
            sort_key="status",
        ),
        DateColumn("created_at", label=_("Created"), sort_key="created_at"),
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
        "coupon",
        "currency",
        "amount_paid",
        "amount_refunded",
        "checkout_session_id",
        "payment_intent_id",
        "buyer_details",
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
            *id_routes(self, "index", "index_results", "inspect"),
            path("refund/<id:pk>/", self.refund_view, name="refund"),
        ]

    def register_admin_url_finder(self):
        # The finder links to an edit view, and orders have none.
        pass


class CouponPermissionPolicy(RolePermissionPolicy):
    """Admins add, change and delete coupons; a deleted coupon's orders keep its code and discount."""

    actions = frozenset({"view", "add", "change", "delete"})


class CouponFilterSet(WagtailFilterSet):
    is_active = django_filters.BooleanFilter(label=_("Active"), widget=forms.NullBooleanSelect)
    kind = django_filters.ChoiceFilter(label=_("Discount type"), choices=CouponKind.choices, empty_label=_("All"))

    class Meta:
        model = Coupon
        fields = ["is_active", "kind"]


class CouponViewSet(RolePolicyPermissions, ModelViewSet):
    model = Coupon
    url_prefix = "coupons"
    url_namespace = "billing_coupons"
    icon = "decimal"
    menu_label = _("Coupons")
    menu_order = 311  # beside Orders
    add_to_admin_menu = True
    # Orders are not in the reference index (see OrderViewSet), so a usage page would always say "unused".
    add_to_reference_index = False
    copy_view_enabled = False

    index_view_class = CouponIndexView
    list_display = [
        "code",
        Column("discount", label=_("Discount"), accessor=coupon_discount),
        Column("course", label=_("Course"), accessor="course.title"),
        DateColumn("valid_from", label=_("Valid from"), sort_key="valid_from"),
        DateColumn("valid_until", label=_("Valid until"), sort_key="valid_until"),
        Column("redemptions", label=_("Redeemed"), accessor=redemptions, sort_key="times_redeemed"),
        BooleanColumn("is_active", label=_("Active"), sort_key="is_active"),
    ]
    filterset_class = CouponFilterSet
    search_fields = ["code"]
    search_backend_name = None  # plain ORM matching: coupons are not in the search index
    ordering = "code"
    edit_handler = ObjectList(
        [
            FieldPanel("code"),
            MultiFieldPanel(
                [
                    FieldPanel("kind"),
                    FieldPanel("percent_off"),
                    FieldRowPanel([FieldPanel("amount_off"), FieldPanel("currency")]),
                ],
                heading=_("Discount"),
            ),
            FieldRowPanel([FieldPanel("valid_from"), FieldPanel("valid_until")], heading=_("Valid")),
            FieldPanel("max_redemptions"),
            FieldPanel("course"),
            FieldPanel("is_active"),
        ],
        base_form_class=CouponForm,
    )

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(usage_url_name=None, **kwargs)

    def get_urlpatterns(self):
        return id_routes(self, "index", "index_results", "add", "edit", "delete", "history", "history_results")
