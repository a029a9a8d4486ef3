"""The local payment simulator: Stripe-shaped events, signed with the webhook secret, sent through
billing.services.receive_webhook exactly as a delivery from Stripe would be. Development only:
production settings turn it off (BILLING_SIMULATOR_ENABLED)."""

import json
import secrets
import time

import stripe
from django.conf import settings

from . import gateway
from .models import Order
from .services import receive_webhook


def _deliver(event_type: str, data: dict) -> str:
    if not settings.BILLING_SIMULATOR_ENABLED:  # production: only Stripe may move money
        raise RuntimeError("The payment simulator is off.")

    event = {
        "id": f"evt_sim_{secrets.token_hex(12)}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "livemode": False,
        "api_version": "2024-06-20",
        "data": {"object": data},
    }
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, settings.STRIPE_WEBHOOK_SECRET)
    return receive_webhook(payload=payload.encode(), signature=header)


def _session(order: Order, payment_status: str) -> dict:
    return {
        "id": order.checkout_session_id or f"cs_sim_{order.pk}",
        "object": "checkout.session",
        "mode": "payment",
        "payment_status": payment_status,
        "amount_total": gateway.to_minor(order.total, order.currency),
        "currency": order.currency.lower(),
        "payment_intent": f"pi_sim_{order.pk}",
        "client_reference_id": str(order.pk),
        "metadata": {"order_id": str(order.pk)},
        "customer_details": {"email": order.user.email},
    }


def pay(*, order: Order) -> str:
    return _deliver("checkout.session.completed", _session(order, "paid"))


def start_bank_transfer(*, order: Order) -> str:
    """A delayed method: the session completes unpaid, and the money's fate arrives later."""
    return _deliver("checkout.session.completed", _session(order, "unpaid"))


def settle_bank_transfer(*, order: Order, succeeds: bool) -> str:
    if succeeds:
        return _deliver("checkout.session.async_payment_succeeded", _session(order, "paid"))
    return _deliver("checkout.session.async_payment_failed", _session(order, "unpaid"))


def expire(*, order: Order) -> str:
    return _deliver("checkout.session.expired", _session(order, "unpaid"))


def refund(*, order: Order) -> str:
    amount = gateway.to_minor(order.total if order.amount_paid is None else order.amount_paid, order.currency)
    charge = {
        "id": f"ch_sim_{order.pk}",
        "object": "charge",
        "amount": amount,
        "amount_refunded": amount,
        "refunded": True,
        "currency": order.currency.lower(),
        "payment_intent": order.payment_intent_id,
        "metadata": {"order_id": str(order.pk)},
    }
    return _deliver("charge.refunded", charge)
