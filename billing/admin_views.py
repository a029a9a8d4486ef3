"""The views of the orders admin: the listing, the inspect page with the order's webhook events, and refunding."""

from collections.abc import Callable
from decimal import Decimal

from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import HeaderButton

from lms_site.formatting import money_with_code

from . import services
from .models import AutoRefund, Coupon, CouponKind, Order, OrderStatus


def order_number(order: Order) -> str:
    return f"#{order.pk}"


def person(user) -> str:
    """An account as an admin recognises it: name and e-mail address."""
    if user is None:
        return "—"
    return f"{user.display_name} <{user.email}>" if user.email else user.display_name


class RefundActionMixin:
    """The Refund link, for the views that offer it."""

    refund_url_name = None
    # Provided by the Wagtail admin view this is mixed into.
    user_has_permission: Callable[[str], bool]

    def refund_url(self, order: Order) -> str | None:
        # Only paid orders refund; the service says so too, this only keeps a button that cannot work off the page.
        if order.status == OrderStatus.PAID and self.user_has_permission("refund"):
            return reverse(self.refund_url_name, args=[order.pk])
        return None


class OrderIndexView(RefundActionMixin, IndexView):
    def get_base_queryset(self):
        # The learner's e-mail and the course title are on every row.
        return super().get_base_queryset().select_related("user", "course").prefetch_related("lines__course")

    def order_queryset(self, queryset):
        # Two checkouts can start in the same instant; the pk keeps pages stable.
        queryset = super().order_queryset(queryset)
        return queryset.order_by(*queryset.query.order_by, "-pk")

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        text = self.search_query.strip()
        matches = Q(user__email__icontains=text)
        number = text.removeprefix("#")
        if number.isdigit():  # an order number, as the learner quotes it from a receipt
            matches |= Q(pk=int(number))
        return queryset.filter(matches)

    @cached_property
    def columns(self):
        # The first column links to the inspect page and carries the row's buttons; Wagtail builds it from a
        # field name with that field's label ("ID"), which says less than "Order #12".
        columns = super().columns
        columns[0].label = _("Order")
        columns[0].accessor = order_number
        return columns

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if url := self.refund_url(instance):
            buttons.append(MenuItem(_("Refund"), url=url, icon_name="arrow-left", priority=40))
        return buttons


class OrderInspectView(RefundActionMixin, InspectView):
    labels = {
        "id": gettext_lazy("Order number"),
        "user": gettext_lazy("Learner"),
        "amount": gettext_lazy("Price at checkout"),
        "checkout_session_id": gettext_lazy("Stripe Checkout Session"),
        "payment_intent_id": gettext_lazy("Stripe PaymentIntent"),
        "processing_at": gettext_lazy("Payment processing since"),
        "dispute_lost_at": gettext_lazy("Chargeback lost at"),
    }

    def get_object(self, queryset=None):
        return get_object_or_404(Order.objects.select_related("user", "course", "refund_requested_by"), pk=self.pk)

    def get_page_subtitle(self):
        return _("Order %(number)s") % {"number": order_number(self.object)}

    def get_field_label(self, field_name, field):
        return self.labels.get(field_name) or super().get_field_label(field_name, field)

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        return "—" if value is None or value == "" else value  # not "None" for an order never refunded

    def get_id_display_value(self):
        return order_number(self.object)

    def get_user_display_value(self):
        return person(self.object.user)

    def get_refund_requested_by_display_value(self):
        if self.object.refund_requested_at and self.object.refund_requested_by_id is None:
            reason = AutoRefund(self.object.auto_refund_reason or AutoRefund.DUPLICATE)
            return _("Automatic: %(reason)s") % {"reason": reason.label}
        return person(self.object.refund_requested_by)

    def get_buyer_details_display_value(self):
        return ", ".join(self.object.buyer.lines()) or "—"

    def get_coupon_display_value(self):
        if not self.object.coupon_code:
            return "—"
        return f"{self.object.coupon_code} −{money_with_code(self.object.discount, self.object.currency)}"

    def get_course_display_value(self):
        if self.object.is_seat_order:
            lines = self.object.lines.select_related("course")
            return _("Seats: %(lines)s") % {
                "lines": ", ".join(f"{line.quantity} × {line.course.title}" for line in lines)
            }
        return self.object.course.title

    @cached_property
    def header_buttons(self):
        url = self.refund_url(self.object)
        return [HeaderButton(_("Refund"), url=url, icon_name="arrow-left")] if url else []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Oldest first, as they happened; the payload can be large and is not shown.
        context["events"] = self.object.events.order_by("received_at", "pk").only(
            "event_id", "type", "received_at", "outcome", "order"
        )
        return context


class RefundView(RefundActionMixin, PermissionCheckedMixin, BaseObjectMixin, WagtailAdminTemplateMixin, TemplateView):
    """Shows what will be refunded to whom; a POST asks the payment service for the refund."""

    permission_required = "refund"
    template_name = "billing/admin/refund.html"
    page_title = gettext_lazy("Refund")
    index_url_name = None
    inspect_url_name = None

    def get_base_object_queryset(self):
        return Order.objects.select_related("user", "course", "refund_requested_by")

    def get_page_subtitle(self):
        return _("Order %(number)s") % {"number": order_number(self.object)}

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": _("Orders")},
            {"url": reverse(self.inspect_url_name, args=[self.object.pk]), "label": self.get_page_subtitle()},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.object
        context.update(
            order=order,
            refund_amount=order.amount_paid if order.amount_paid is not None else order.amount,
            learner=person(order.user),
            refundable=order.status == OrderStatus.PAID,
            inspect_url=reverse(self.inspect_url_name, args=[order.pk]),
        )
        return context

    def post(self, request, *args, **kwargs):
        try:
            order = services.request_refund(order=self.object, by=request.user)
        except services.BillingError as error:
            messages.error(
                request,
                _("Refund refused (%(status)s): %(reason)s") % {"status": error.status_code, "reason": error},
            )
            self.object = self.get_object()  # as the service left it: unchanged
            return self.render_to_response(self.get_context_data(), status=error.status_code)
        amount = order.amount_paid if order.amount_paid is not None else order.amount
        values = {"amount": amount, "currency": order.currency, "number": order_number(order)}
        if order.status == OrderStatus.REFUNDED:
            messages.success(
                request,
                _(
                    "Refund of %(amount)s %(currency)s requested for order %(number)s: refunded; the learner's "
                    "access has ended."
                )
                % values,
            )
        else:
            messages.success(
                request,
                _(
                    "Refund of %(amount)s %(currency)s requested for order %(number)s. The learner's access ends when "
                    "Stripe confirms the refund."
                )
                % values,
            )
        return redirect(self.inspect_url_name, order.pk)


# Coupons


def coupon_discount(coupon: Coupon) -> str:
    if coupon.kind == CouponKind.PERCENT:
        return f"{(coupon.percent_off or Decimal(0)).normalize():f} %"
    return money_with_code(coupon.amount_off or Decimal(0), coupon.currency)


def redemptions(coupon: Coupon) -> str:
    if coupon.max_redemptions is None:
        return str(coupon.times_redeemed)
    return f"{coupon.times_redeemed} / {coupon.max_redemptions}"


class CouponIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("course")
