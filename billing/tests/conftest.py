"""Fixtures for billing's tests. Each is self-contained; the fake Stripe ones are prefixed ``fake_stripe``."""

import pytest
import stripe
from django.test import Client
from django.urls import reverse

from lms_site.tests.stores import local_store

from .fake_stripe import FakeStripe, signed_payload, stripe_event

FAKE_STRIPE_SECRET_KEY = "sk_test_fake"
FAKE_STRIPE_WEBHOOK_SECRET = "whsec_test"


@pytest.fixture
def fake_stripe(settings):
    """A running FakeStripe with the settings that make billing.gateway talk to it through stripe-python.

    Stripe mode (a secret key, the simulator off), the API base pointed at the fake over plain http,
    no network retries (a failure is answered once, not replayed), and a webhook secret tests sign with.
    stripe's module-level globals are restored afterwards: gateway._stripe_options sets stripe.api_base.
    """
    previous = {name: getattr(stripe, name) for name in ("api_base", "max_network_retries")}
    server = FakeStripe().start()
    settings.STRIPE_SECRET_KEY = FAKE_STRIPE_SECRET_KEY
    settings.STRIPE_API_BASE = server.url
    settings.STRIPE_WEBHOOK_SECRET = FAKE_STRIPE_WEBHOOK_SECRET
    settings.BILLING_SIMULATOR_ENABLED = False
    stripe.max_network_retries = 0
    try:
        yield server
    finally:
        for name, value in previous.items():
            setattr(stripe, name, value)
        server.stop()


@pytest.fixture
def fake_stripe_webhook(fake_stripe):
    """Delivers a signed Stripe event to /billing/stripe/webhook/ as Stripe would: ``deliver(type, data)``."""
    stripe_client = Client()

    def deliver(event_type: str, data: dict, *, event_id: str | None = None):
        payload, signature = signed_payload(
            stripe_event(event_type, data, event_id=event_id), FAKE_STRIPE_WEBHOOK_SECRET
        )
        return stripe_client.post(
            reverse("billing:stripe_webhook"),
            data=payload,
            content_type="application/json",
            headers={"Stripe-Signature": signature},
        )

    return deliver


@pytest.fixture(autouse=True)
def _receipts_in_tmp(settings, tmp_path):
    # Each test keeps the receipts it draws in its own directory: order numbers repeat across tests.
    local_store(settings, "receipts", tmp_path / "receipts")
