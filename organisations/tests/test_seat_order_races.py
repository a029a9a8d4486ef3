"""Seat orders under real row locks (MariaDB): webhook deliveries racing each other, and a refund racing an
assignment of the seat it would take back."""

import contextlib
import json
import threading
import uuid

import pytest
import stripe
from django.conf import settings
from django.db import connection, connections
from django.test import Client

from billing import simulator
from billing.models import Order, OrderStatus
from courses.tests.factories import make_course
from organisations import services
from organisations.models import Assignment, SeatChange, SeatPool

from .factories import make_manager, make_member, make_organisation

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="SQLite serialises all writers; the race needs MariaDB (CI runs it)"
    ),
]


def _signed(event: dict) -> tuple[str, str]:
    payload = json.dumps(event)
    return payload, stripe.WebhookSignature.generate_signature_header(payload, settings.STRIPE_WEBHOOK_SECRET)


def _at_once(*actions):
    barrier = threading.Barrier(len(actions))
    errors = []

    def run(action):
        try:
            barrier.wait()
            action()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_two_payment_events_at_the_same_moment_add_the_seats_once(catalogue):
    course = make_course(catalogue, title="Race", modules=1, lessons_per_module=1, price="49.00")
    org = make_organisation()
    manager = make_manager(org)
    order = services.buy_seats(organisation=org, by=manager.user, lines=[(course, 5)], base_url="http://testserver")
    session = {
        "id": order.checkout_session_id,
        "object": "checkout.session",
        "payment_status": "paid",
        "amount_total": 24500,
        "currency": "eur",
        "payment_intent": "pi_seat_race",
        "metadata": {"order_id": str(order.pk)},
    }
    deliveries = [
        _signed(
            {
                "id": f"evt_{uuid.uuid4().hex}",
                "object": "event",
                "type": kind,
                "created": 1_800_000_000,
                "data": {"object": session},
            }
        )
        for kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded")
    ]
    statuses = []

    def deliver(payload, header):
        response = Client().post(
            "/billing/stripe/webhook/", payload, content_type="application/json", headers={"Stripe-Signature": header}
        )
        statuses.append(response.status_code)

    errors = _at_once(*(lambda p=payload, h=header: deliver(p, h) for payload, header in deliveries))
    assert errors == [] and statuses == [200, 200]
    assert Order.objects.get().status == OrderStatus.PAID
    assert SeatPool.objects.get(organisation=org, course=course).seats == 5
    assert SeatChange.objects.filter(order=order).count() == 1


def test_a_refund_racing_an_assignment_never_takes_a_seat_in_use(catalogue):
    course = make_course(catalogue, title="Race", modules=1, lessons_per_module=1, price="49.00")
    org = make_organisation()
    manager = make_manager(org)
    order = services.buy_seats(organisation=org, by=manager.user, lines=[(course, 2)], base_url="http://testserver")
    simulator.pay(order=order)
    order.refresh_from_db()
    first, second = make_member(org), make_member(org)
    services.assign_course(membership=first, course=course, by=manager.user)

    def assign():
        with contextlib.suppress(services.NoFreeSeat):  # the refund took the free seat first
            services.assign_course(membership=second, course=course, by=manager.user)

    errors = _at_once(lambda: simulator.refund(order=order), assign)
    assert errors == []
    pool = SeatPool.objects.get(organisation=org, course=course)
    in_use = Assignment.objects.filter(organisation=org, course=course, released_at__isnull=True).count()
    assert in_use <= pool.seats and in_use >= 1
    taken = SeatChange.objects.get(order=order, reason="order_refunded")
    assert pool.seats == 2 + taken.delta and -taken.delta == 2 - in_use
