from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from accounts.models import User
from courses.models import CoursePage

from .models import Order, OrderStatus


def owned_order(*, user: User | AnonymousUser, order_id: int) -> Order | None:
    if not user.is_authenticated:
        return None
    return Order.objects.select_related("course").filter(pk=order_id, user=user).first()


def purchase_history(*, user: User) -> QuerySet[Order]:
    """The learner's orders that got as far as a payment, newest first."""
    shown = [OrderStatus.PROCESSING, OrderStatus.PAID, OrderStatus.REFUNDED, OrderStatus.DISPUTE_LOST]
    return Order.objects.filter(user=user, status__in=shown).select_related("course").order_by("-created_at", "-pk")


def receipt_order(*, user: User | AnonymousUser, order_id: int) -> Order | None:
    """An order that was paid, with what its receipt prints; only its owner or an admin may have it."""
    if not user.is_authenticated:
        return None
    orders = Order.objects.select_related("user", "course").filter(pk=order_id, paid_at__isnull=False)
    if not user.is_lms_admin:
        orders = orders.filter(user=user)
    return orders.first()


def payment_in_progress(*, user: User | AnonymousUser, course: CoursePage) -> Order | None:
    """An order of this course whose payment the learner started and Stripe has not settled yet."""
    if not user.is_authenticated:
        return None
    return Order.objects.filter(user=user, course=course, status=OrderStatus.PROCESSING).first()
