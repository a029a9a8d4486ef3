"""organisations' reactions to other apps' events (billing's verified payments and refunds of seat orders), and to
its own rows changing outside its services."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from billing.models import Order
from billing.signals import order_paid, order_refunded

from . import services
from .models import Organisation
from .selectors import forget_all_assigned_courses


@receiver(post_save, sender=Organisation, dispatch_uid="organisations-renamed")
def organisation_saved(sender, instance, created, **kwargs):
    # Managers' dashboards link to their teams by slug and name, kept per user: a rename reaches them at once.
    if not created:
        forget_all_assigned_courses()


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
