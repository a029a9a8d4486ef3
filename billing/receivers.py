"""Billing's reactions to its own events, outside the webhook's request."""

from django.dispatch import receiver

from .models import Order
from .signals import order_paid
from .tasks import send_receipt


@receiver(order_paid, sender=Order, dispatch_uid="billing.receipt_email")
def email_the_receipt(sender, order: Order, **kwargs) -> None:
    # The PDF is built by a worker after the payment commits, not while Stripe waits for the webhook's answer.
    send_receipt.delay_on_commit(order.pk)
