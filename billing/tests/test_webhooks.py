"""Stripe's webhook: verified, stored once, applied so that duplicates and reordering change nothing twice."""

import itertools
import json
import os
import subprocess
import sys
import time
import uuid
from decimal import Decimal

import pytest
import stripe
from django.conf import settings
from django.urls import reverse

from accounts.tests.factories import UserFactory
from assessments.models import Attempt
from assessments.tests.factories import make_assessment
from billing import services, simulator
from billing.models import Order, OrderStatus, StripeEvent
from courses.models import LessonPage
from courses.tests.factories import make_course
from learning import services as learning_services
from learning.models import Enrollment, EnrollmentStatus
from learning.services import PaymentRequired

WEBHOOK = "/billing/stripe/webhook/"


@pytest.fixture
def paid_course(catalogue, trainer):
    return make_course(catalogue, title="Django in Depth", trainer=trainer, price=Decimal("49.00"))


@pytest.fixture
def order(learner, paid_course):
    return services.start_checkout(user=learner, course=paid_course, base_url="http://testserver")


def event(event_type: str, data: dict, *, event_id: str | None = None, created: int = 1_800_000_000) -> dict:
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "type": event_type,
        "created": created,
        "livemode": False,
        "data": {"object": data},
    }


def session(order: Order, *, payment_status="paid", amount_total=4900) -> dict:
    return {
        "id": order.checkout_session_id,
        "object": "checkout.session",
        "payment_status": payment_status,
        "amount_total": amount_total,
        "currency": "eur",
        "payment_intent": f"pi_{order.pk}",
        "client_reference_id": str(order.pk),
        "metadata": {"order_id": str(order.pk)},
    }


def charge(order: Order, *, refunded_cents=4900, with_metadata=True) -> dict:
    return {
        "id": f"ch_{order.pk}",
        "object": "charge",
        "amount": 4900,
        "amount_refunded": refunded_cents,
        "refunded": refunded_cents == 4900,
        "currency": "eur",
        "payment_intent": f"pi_{order.pk}",
        "metadata": {"order_id": str(order.pk)} if with_metadata else {},
    }


def dispute(order: Order, status="lost") -> dict:
    return {"id": f"dp_{order.pk}", "object": "dispute", "status": status, "payment_intent": f"pi_{order.pk}"}


def deliver(client, body: dict | str, *, secret=None, timestamp=None, header=True):
    payload = body if isinstance(body, str) else json.dumps(body)
    headers = {}
    if header:
        signature = stripe.WebhookSignature.generate_signature_header(
            payload, secret or settings.STRIPE_WEBHOOK_SECRET, timestamp=timestamp
        )
        headers["Stripe-Signature"] = signature
    return client.post(WEBHOOK, payload, content_type="application/json", headers=headers)


def access(user, course) -> bool:
    enrollment = Enrollment.objects.filter(user=user, course=course).first()
    return enrollment is not None and enrollment.gives_access


class TestVerification:
    @pytest.mark.parametrize(
        "kwargs",
        [
            {"secret": "whsec_someone_else"},
            {"header": False},
            {"timestamp": int(time.time()) - 301},  # older than Stripe's 300 s tolerance
        ],
        ids=["bad-signature", "missing-header", "stale-timestamp"],
    )
    def test_unverified_deliveries_get_400_and_write_nothing(self, client, order, kwargs):
        response = deliver(client, event("checkout.session.completed", session(order)), **kwargs)
        assert response.status_code == 400
        assert not StripeEvent.objects.exists()
        order.refresh_from_db()
        assert order.status == OrderStatus.PENDING and not Enrollment.objects.exists()

    def test_malformed_json_gets_400(self, client, db):
        assert deliver(client, '{"id": "evt_1", "type": ').status_code == 400
        assert deliver(client, '["not", "an", "event"]').status_code == 400
        assert not StripeEvent.objects.exists()

    def test_unknown_event_types_are_stored_and_acknowledged(self, client, db):
        response = deliver(client, event("customer.created", {"id": "cus_1", "object": "customer"}, event_id="evt_u"))
        assert response.status_code == 200
        assert StripeEvent.objects.get(event_id="evt_u").outcome == "ignored"


class TestPayment:
    def test_a_paid_checkout_opens_the_course_at_the_orders_total(self, client, learner, order, paid_course):
        response = deliver(client, event("checkout.session.completed", session(order, amount_total=4900)))
        assert response.status_code == 200
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID and order.auto_refund_reason == ""
        assert order.amount == Decimal("49.00") and order.amount_paid == Decimal("49.00")
        assert order.payment_intent_id == f"pi_{order.pk}"
        assert access(learner, paid_course)

    @pytest.mark.parametrize("amount_total", [3900, 5900, None], ids=["less", "more", "not-reported"])
    def test_a_payment_that_is_not_the_orders_total_opens_nothing_and_goes_back(
        self, client, learner, order, paid_course, amount_total, django_capture_on_commit_callbacks
    ):
        # A Stripe promotion code or a session edited elsewhere: the charge is not what this order asked for.
        paid = session(order, amount_total=amount_total)
        if amount_total is None:
            del paid["amount_total"]
        with django_capture_on_commit_callbacks(execute=True):
            deliver(client, event("checkout.session.completed", paid))
        order.refresh_from_db()
        assert order.auto_refund_reason == "amount_mismatch" and order.paid_key is None
        assert order.status == OrderStatus.REFUNDED  # the simulator confirmed the automatic refund at once
        assert order.refund_requested_at is not None and order.refund_requested_by is None
        assert not access(learner, paid_course)

    def test_a_payment_in_another_currency_opens_nothing(self, client, learner, order, paid_course):
        deliver(client, event("checkout.session.completed", {**session(order), "currency": "usd"}))
        order.refresh_from_db()
        assert order.currency == "EUR" and order.auto_refund_reason == "amount_mismatch"
        assert not access(learner, paid_course)

    def test_delayed_payment_waits_then_succeeds(self, client, learner, order, paid_course):
        deliver(client, event("checkout.session.completed", session(order, payment_status="unpaid")))
        order.refresh_from_db()
        assert order.status == OrderStatus.PROCESSING and not access(learner, paid_course)
        client.force_login(learner)
        page = client.get(reverse("billing:order_return", args=[order.pk]))
        assert "Payment processing" in page.content.decode()

        deliver(client, event("checkout.session.async_payment_succeeded", session(order)))
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID and access(learner, paid_course)
        response = client.get(reverse("billing:order_return", args=[order.pk]))
        assert response.status_code == 302 and response["Location"] == paid_course.url

    @pytest.mark.parametrize("closing", ["checkout.session.async_payment_failed", "checkout.session.expired"])
    def test_failed_or_expired_checkouts_close_the_order(self, client, learner, order, paid_course, closing):
        deliver(client, event(closing, session(order, payment_status="unpaid")))
        order.refresh_from_db()
        assert order.status in (OrderStatus.FAILED, OrderStatus.EXPIRED)
        assert not Enrollment.objects.exists()

    def test_the_same_event_five_times_and_the_return_page_pay_once(self, client, learner, order, paid_course):
        paid = event("checkout.session.completed", session(order), event_id="evt_once")
        client.force_login(learner)
        for _ in range(5):
            assert deliver(client, paid).status_code == 200
            client.get(reverse("billing:order_return", args=[order.pk]))
        assert StripeEvent.objects.filter(event_id="evt_once").count() == 1
        assert Order.objects.filter(status=OrderStatus.PAID).count() == 1
        assert Enrollment.objects.filter(user=learner, course=paid_course, status=EnrollmentStatus.ACTIVE).count() == 1

    def test_an_owner_is_not_sent_to_checkout_again(self, client, learner, order, paid_course):
        simulator.pay(order=order)
        client.force_login(learner)
        response = client.post(reverse("billing:buy", args=[paid_course.pk]))
        assert response.status_code == 409 and Order.objects.count() == 1

    def test_two_paid_checkouts_keep_one_and_refund_the_other(
        self, learner, paid_course, django_capture_on_commit_callbacks
    ):
        first = services.start_checkout(user=learner, course=paid_course, base_url="http://testserver")
        Order.objects.filter(pk=first.pk).update(created_at=first.created_at.replace(year=2000))  # not reusable
        second = services.start_checkout(user=learner, course=paid_course, base_url="http://testserver")
        assert first.pk != second.pk
        simulator.pay(order=first)
        with django_capture_on_commit_callbacks(execute=True):
            simulator.pay(order=second)
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.status == OrderStatus.PAID
        assert second.status == OrderStatus.REFUNDED and second.amount_refunded == Decimal("49.00")
        assert access(learner, paid_course)


class TestRefundsAndDisputes:
    def test_a_full_refund_ends_access_and_revokes_the_certificate(self, client, learner, order, paid_course):
        deliver(client, event("checkout.session.completed", session(order)))
        deliver(client, event("charge.refunded", charge(order)))
        order.refresh_from_db()
        assert order.status == OrderStatus.REFUNDED and order.amount_refunded == Decimal("49.00")
        assert Enrollment.objects.get(user=learner).status == EnrollmentStatus.REFUNDED
        client.force_login(learner)
        lesson = LessonPage.objects.live().descendant_of(paid_course).order_by("path")[1]
        assert client.get(lesson.url).status_code == 403

    def test_a_partial_refund_keeps_access(self, client, learner, order, paid_course):
        deliver(client, event("checkout.session.completed", session(order)))
        deliver(client, event("charge.refunded", charge(order, refunded_cents=1000)))
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID and order.amount_refunded == Decimal("10.00")
        assert access(learner, paid_course)

    def test_a_won_dispute_changes_nothing_and_a_lost_one_ends_access(self, client, learner, order, paid_course):
        deliver(client, event("checkout.session.completed", session(order)))
        deliver(client, event("charge.dispute.closed", dispute(order, "won")))
        assert access(learner, paid_course)
        deliver(client, event("charge.dispute.closed", dispute(order, "lost")))
        order.refresh_from_db()
        assert order.status == OrderStatus.DISPUTE_LOST and not access(learner, paid_course)

    def test_a_refund_before_its_payment_waits_for_it(self, client, learner, order, paid_course):
        deliver(client, event("charge.refunded", charge(order, with_metadata=False)))
        assert StripeEvent.objects.get().outcome == "unmatched"
        deliver(client, event("checkout.session.completed", session(order)))
        order.refresh_from_db()
        assert order.status == OrderStatus.REFUNDED and not access(learner, paid_course)
        assert set(StripeEvent.objects.values_list("outcome", flat=True)) == {"applied"}

    @pytest.mark.parametrize(
        "kinds",
        [("paid", "refunded"), ("paid", "dispute_lost"), ("paid", "refunded", "dispute_lost"), ("paid", "partial")],
    )
    def test_every_delivery_order_ends_in_the_same_state(self, client, paid_course, kinds):
        final_states = set()
        for permutation in itertools.permutations(kinds):
            learner = UserFactory()
            order = services.start_checkout(user=learner, course=paid_course, base_url="http://testserver")
            bodies = {
                "paid": event("checkout.session.completed", session(order)),
                "refunded": event("charge.refunded", charge(order, with_metadata=False)),
                "partial": event("charge.refunded", charge(order, refunded_cents=500)),
                "dispute_lost": event("charge.dispute.closed", dispute(order)),
            }
            for kind in permutation:
                assert deliver(client, bodies[kind]).status_code == 200
            order.refresh_from_db()
            final_states.add(
                (
                    order.status,
                    order.amount_paid,
                    order.amount_refunded,
                    access(learner, paid_course),
                    bool(order.paid_key),
                )
            )
        assert len(final_states) == 1, final_states


class TestNoOtherWayIn:
    def test_no_route_but_a_verified_payment_enrols_in_a_paid_course(
        self, client, learner, order, paid_course, settings
    ):
        client.force_login(learner)
        lessons = list(LessonPage.objects.live().descendant_of(paid_course).order_by("path"))
        attempts = [
            client.post(reverse("learning:enrol", args=[paid_course.pk])),
            client.post(reverse("learning:enrol", args=[paid_course.pk]), headers={"HX-Request": "true"}),
            client.post(reverse("learning:complete_lesson", args=[lessons[1].pk])),
            client.get(reverse("billing:order_return", args=[order.pk])),
            client.get(reverse("billing:order_cancelled", args=[order.pk])),
            deliver(client, event("checkout.session.completed", session(order)), secret="whsec_forged"),
            client.post(
                WEBHOOK,
                json.dumps(event("checkout.session.completed", session(order))),
                content_type="application/json",
            ),
        ]
        quiz = make_assessment(paid_course)
        attempts.append(client.post(reverse("assessments:start", args=[quiz.pk])))  # refused with a message
        settings.BILLING_SIMULATOR_ENABLED = False
        attempts.append(client.post(reverse("billing:simulator", args=[order.pk]), {"outcome": "pay"}))
        assert [response.status_code for response in attempts] == [402, 402, 403, 200, 302, 400, 400, 303, 404]
        assert not Attempt.objects.exists()
        with pytest.raises(PaymentRequired):
            learning_services.enroll(user=learner, course=paid_course)
        # Someone else cannot pay for this learner's order in the simulator either.
        settings.BILLING_SIMULATOR_ENABLED = True
        client.force_login(UserFactory())
        assert client.post(reverse("billing:simulator", args=[order.pk]), {"outcome": "pay"}).status_code == 404
        assert not Enrollment.objects.filter(course=paid_course).exists()
        order.refresh_from_db()
        assert order.status == OrderStatus.PENDING

    def test_production_settings_turn_the_simulator_off(self):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "lms_site.settings.production",
            "SECRET_KEY": "x" * 60,
            "ALLOWED_HOSTS": "learn.example.com",
        }
        env.pop("STRIPE_WEBHOOK_SECRET", None)
        code = (
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.BILLING_SIMULATOR_ENABLED, repr(s.STRIPE_WEBHOOK_SECRET))"
        )
        output = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert output.stdout.split() == ["False", "''"]
