"""organisations' reactions to other apps' events: billing's verified payments and refunds of seat orders."""

from django.dispatch import receiver

from billing.models import Order
from billing.signals import order_paid, order_refunded

from . import services


# Not tasks: billing sends these inside the transaction that settles the order, so the seats change in the same
# commit as the payment (or refund), and an error here rolls the settlement back for Stripe to deliver again.
@receiver(order_paid, sender=Order, dispatch_uid="organisations.seats_on_payment")
def seat_order_paid(sender, order: Order, **kwargs) -> None:
    if order.is_seat_order:
        services.seat_order_changed(order=order, paid=True)


@receiver(order_refunded, sender=Order, dispatch_uid="organisations.seats_on_refund")
def seat_order_refunded(sender, order: Order, **kwargs) -> None:
    if order.is_seat_order:
        services.seat_order_changed(order=order, paid=False)
