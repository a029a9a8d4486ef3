"""The same Stripe event delivered twice at the same moment (Stripe retries while the first is in flight)."""

import json
import threading
import uuid
from decimal import Decimal

import pytest
import stripe
from django.conf import settings
from django.db import connection, connections
from django.test import Client

from accounts.tests.factories import UserFactory
from billing import services
from billing.models import Order, OrderStatus, StripeEvent
from courses.tests.factories import make_course
from learning.models import Enrollment, EnrollmentStatus

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="SQLite serialises all writers; the race needs MariaDB (CI runs it)"
    ),
]


def test_concurrent_and_repeated_deliveries_pay_once(catalogue):
    course = make_course(catalogue, title="Race", modules=1, lessons_per_module=1, price=Decimal("49.00"))
    learner = UserFactory()
    order = services.start_checkout(user=learner, course=course, base_url="http://testserver")
    payload = json.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex}",
            "object": "event",
            "type": "checkout.session.completed",
            "created": 1_800_000_000,
            "data": {
                "object": {
                    "id": order.checkout_session_id,
                    "object": "checkout.session",
                    "payment_status": "paid",
                    "amount_total": 4900,
                    "currency": "eur",
                    "payment_intent": "pi_race",
                    "metadata": {"order_id": str(order.pk)},
                }
            },
        }
    )
    barrier = threading.Barrier(2)
    statuses, errors = [], []

    def deliver(wait: bool):
        try:
            if wait:
                barrier.wait()
            header = stripe.WebhookSignature.generate_signature_header(payload, settings.STRIPE_WEBHOOK_SECRET)
            response = Client().post(
                "/billing/stripe/webhook/",
                payload,
                content_type="application/json",
                headers={"Stripe-Signature": header},
            )
            statuses.append(response.status_code)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver, args=(True,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for _ in range(3):
        deliver(False)

    assert errors == [] and statuses == [200] * 5
    assert StripeEvent.objects.count() == 1
    assert Order.objects.get().status == OrderStatus.PAID
    assert Enrollment.objects.filter(user=learner, course=course, status=EnrollmentStatus.ACTIVE).count() == 1
