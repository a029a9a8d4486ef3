from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from wagtail.models import Site

from accounts.models import User
from courses.models import CoursePage

from .details import BillingDetails, SellerDetails
from .models import BillingProfile, Coupon, Order, OrderKind, OrderStatus, SellerSettings


def owned_order(*, user: User | AnonymousUser, order_id: int) -> Order | None:
    if not user.is_authenticated:
        return None
    return (
        Order.objects.select_related("course").prefetch_related("lines__course").filter(pk=order_id, user=user).first()
    )


def purchase_history(*, user: User) -> QuerySet[Order]:
    """The learner's orders that got as far as a payment, newest first (seat orders are on their organisation's
    page, with their invoices)."""
    shown = [OrderStatus.PROCESSING, OrderStatus.PAID, OrderStatus.REFUNDED, OrderStatus.DISPUTE_LOST]
    return (
        Order.objects.filter(user=user, status__in=shown, kind=OrderKind.COURSE)
        .select_related("course")
        .order_by("-created_at", "-pk")
    )


def receipt_order(*, user: User | AnonymousUser, order_id: int) -> Order | None:
    """An order that was paid, with what its receipt prints; only its owner or an admin may have it."""
    if not user.is_authenticated:
        return None
    orders = Order.objects.select_related("user", "course").filter(
        pk=order_id, paid_at__isnull=False, kind=OrderKind.COURSE
    )
    if not user.is_lms_admin:
        orders = orders.filter(user=user)
    return orders.first()


def payment_in_progress(*, user: User | AnonymousUser, course: CoursePage) -> Order | None:
    """An order of this course whose payment the learner started and Stripe has not settled yet."""
    if not user.is_authenticated:
        return None
    return Order.objects.filter(user=user, course=course, status=OrderStatus.PROCESSING).first()


def coupon_by_code(code: str) -> Coupon | None:
    """The coupon of a code as typed (codes are stored in capitals)."""
    return Coupon.objects.filter(code=code.strip().upper()).first()


def saved_billing_details(*, user: User) -> BillingDetails:
    profile = BillingProfile.objects.filter(user=user).first()
    return BillingDetails.from_dict(profile.details) if profile else BillingDetails()


def seller_details() -> SellerDetails:
    """The seller as the admin set it up under Settings (the default site's), or the site's name alone."""
    site = Site.objects.filter(is_default_site=True).first()
    current = SellerSettings.for_site(site) if site else None
    data = {"name": current.name, "address": current.address, "vat_id": current.vat_id} if current else {}
    return SellerDetails.from_dict(data, default_name=settings.WAGTAIL_SITE_NAME)


def has_paid_for(*, user: User, course: CoursePage) -> bool:
    """Whether the learner's own payment for the course stands (paid, not refunded)."""
    return Order.objects.filter(user=user, course=course, status=OrderStatus.PAID).exists()


def seat_order(*, order_id: int) -> Order | None:
    """A seat order with its lines; who may see it is the caller's to decide."""
    return (
        Order.objects.filter(pk=order_id, kind=OrderKind.SEATS)
        .select_related("user")
        .prefetch_related("lines__course")
        .first()
    )
