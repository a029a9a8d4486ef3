import json
from decimal import Decimal

import stripe
from django.conf import settings
from django.urls import reverse

from billing.models import Coupon, CouponKind, Order


def make_coupon(code: str = "WELCOME10", **fields) -> Coupon:
    """A coupon taking 10 % off any paid course unless told otherwise; pass amount_off for a fixed amount."""
    if "amount_off" in fields:
        fields.setdefault("kind", CouponKind.AMOUNT)
        fields.setdefault("currency", "EUR")
    else:
        fields.setdefault("kind", CouponKind.PERCENT)
        fields.setdefault("percent_off", Decimal("10.00"))
    return Coupon.objects.create(code=code, **fields)


def checkout_completed(
    order: Order, *, event_id: str | None = None, amount_total: int | None = None, customer_details=None
) -> dict:
    """Stripe's `checkout.session.completed` for `order`, paid in full unless `amount_total` says otherwise."""
    session = {
        "id": order.checkout_session_id,
        "object": "checkout.session",
        "payment_status": "paid",
        "amount_total": amount_total if amount_total is not None else int(order.total * 100),
        "currency": order.currency.lower(),
        "payment_intent": f"pi_{order.pk}",
        "metadata": {"order_id": str(order.pk)},
    }
    if customer_details is not None:
        session["customer_details"] = customer_details
    return {
        "id": event_id or f"evt_{order.pk}",
        "object": "event",
        "type": "checkout.session.completed",
        "created": 1_800_000_000,
        "data": {"object": session},
    }


def deliver(client, event: dict):
    """Posts `event` to the webhook with a valid signature, as Stripe would."""
    body = json.dumps(event)
    signature = stripe.WebhookSignature.generate_signature_header(body, settings.STRIPE_WEBHOOK_SECRET)
    return client.post(
        reverse("billing:stripe_webhook"),
        body,
        content_type="application/json",
        headers={"Stripe-Signature": signature},
    )
