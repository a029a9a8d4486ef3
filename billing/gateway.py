"""The two ways money moves: Stripe's API, or the local simulator when no Stripe key is configured.

Both answer the same questions (a checkout session for an order, a refund of an order); their results
reach the application only as webhook events, through billing.services.receive_webhook.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from lms_site.formatting import money_with_code

# Currencies the catalogue offers, all with two decimals in Stripe's minor units.
MINOR_UNITS = {"EUR": 100, "USD": 100, "GBP": 100}
# The smallest charge Stripe accepts in each currency: a coupon may not take the price below it.
MINIMUM_CHARGE = {"EUR": Decimal("0.50"), "USD": Decimal("0.50"), "GBP": Decimal("0.30")}


def to_minor(amount: Decimal, currency: str) -> int:
    return int((amount * MINOR_UNITS[currency.upper()]).to_integral_value())


def from_minor(amount: int, currency: str) -> Decimal:
    return (Decimal(amount) / MINOR_UNITS[currency.upper()]).quantize(Decimal("0.01"))


def uses_simulator() -> bool:
    return not settings.STRIPE_SECRET_KEY


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


def _stripe_options(idempotency_key: str) -> dict:
    stripe.api_base = settings.STRIPE_API_BASE or stripe.DEFAULT_API_BASE
    return {"api_key": settings.STRIPE_SECRET_KEY, "idempotency_key": idempotency_key}


# Stripe Checkout's bank transfer (the customer balance), by currency: the buyer gets the account and a
# reference from Stripe; the session completes unpaid and the transfer's arrival is a later event.
BANK_TRANSFERS = {
    "EUR": {"type": "eu_bank_transfer", "eu_bank_transfer": {"country": "NL"}},
    "GBP": {"type": "gb_bank_transfer"},
    "USD": {"type": "us_bank_transfer"},
}


def _line_items(order) -> Any:
    """One item per course: a course order's at its discounted total, a seat order's with its quantity."""
    if order.is_seat_order:
        return [
            {
                "quantity": line.quantity,
                "price_data": {
                    "currency": order.currency.lower(),
                    "unit_amount": to_minor(line.unit_price, order.currency),
                    "product_data": {"name": _("Seats: %(course)s") % {"course": line.course.title}},
                },
            }
            for line in order.lines.select_related("course")
        ]
    return [
        {
            "quantity": 1,
            "price_data": {
                "currency": order.currency.lower(),
                "unit_amount": to_minor(order.total, order.currency),
                "product_data": {"name": order.course.title, **_coupon_description(order)},
            },
        }
    ]


def _payment_methods(order) -> dict:
    if order.payment_method != "bank_transfer":
        return {}
    return {
        "payment_method_types": ["customer_balance"],
        "payment_method_options": {
            "customer_balance": {"funding_type": "bank_transfer", "bank_transfer": BANK_TRANSFERS[order.currency]}
        },
        "customer_creation": "always",  # a bank transfer is credited to a customer's balance
    }


def create_checkout_session(*, order, success_url: str, cancel_url: str) -> CheckoutSession:
    if uses_simulator():
        return CheckoutSession(id=f"cs_sim_{order.pk}", url=reverse("billing:simulator", args=[order.pk]))
    metadata = {"order_id": str(order.pk)}
    # Buyers who gave no billing details at our checkout step may give them to Stripe (a business's tax id and
    # address); the verified webhook records them. Stripe's own promotion codes stay off: our coupons are
    # applied to the amount below, and the webhook refuses a payment that differs from it.
    session = stripe.checkout.Session.create(
        mode="payment",
        line_items=_line_items(order),
        **_payment_methods(order),
        metadata=metadata,
        # Copied onto the PaymentIntent, so refund and dispute events name the order too.
        payment_intent_data={"metadata": metadata},
        client_reference_id=str(order.pk),
        customer_email=order.user.email,
        success_url=success_url,
        cancel_url=cancel_url,
        tax_id_collection={"enabled": not order.buyer_details},
        **_stripe_options(f"order-{order.pk}-checkout"),
    )
    assert session.url is not None  # a hosted Checkout Session always has its page
    return CheckoutSession(id=session.id, url=session.url)


def _coupon_description(order) -> dict:
    """The coupon, named on Stripe's page under the course, since the price there is already discounted."""
    if not order.coupon_code:
        return {}
    discount = money_with_code(order.discount, order.currency)
    return {"description": _("Coupon %(code)s: −%(discount)s") % {"code": order.coupon_code, "discount": discount}}


def create_refund(*, order) -> None:
    if uses_simulator():
        # Imported here because the simulator imports this module.
        from . import simulator

        simulator.refund(order=order)
        return
    stripe.Refund.create(
        payment_intent=order.payment_intent_id,
        metadata={"order_id": str(order.pk)},
        # One key per attempt: Stripe replays a key's first answer, errors included, for 24 hours, so a
        # retry after a failure needs a new one; request_refund allows no second attempt while one is open.
        **_stripe_options(f"order-{order.pk}-refund-{order.refund_requested_at.timestamp():.6f}"),
    )
