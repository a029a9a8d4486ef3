"""billing.gateway against a fake Stripe server: what stripe-python really sends, and what the app does
with Stripe's answers (sessions, refunds, errors), through the views and services that use the gateway."""

from decimal import Decimal

import pytest
from django.urls import reverse

from billing import services
from billing.models import Order, OrderStatus
from courses.tests.factories import make_course
from learning import services as learning_services
from learning.models import Enrollment, EnrollmentStatus

from .conftest import FAKE_STRIPE_SECRET_KEY
from .factories import make_coupon
from .fake_stripe import CHECKOUT_HOST

SESSIONS = "/v1/checkout/sessions"
REFUNDS = "/v1/refunds"


@pytest.fixture
def course_for_sale(catalogue, trainer):
    return make_course(catalogue, title="Stripe Gateway Course", trainer=trainer, price=Decimal("49.00"))


def buy(client, course):
    return client.post(reverse("billing:buy", args=[course.pk]))


def paid_session(order: Order, payment_intent: str) -> dict:
    return {
        "id": order.checkout_session_id,
        "object": "checkout.session",
        "mode": "payment",
        "status": "complete",
        "payment_status": "paid",
        "amount_total": 4900,
        "currency": "eur",
        "payment_intent": payment_intent,
        "client_reference_id": str(order.pk),
        "metadata": {"order_id": str(order.pk)},
    }


def refunded_charge(payment_intent: str) -> dict:
    # No order metadata on the charge: the order is found by its payment intent, as for a real charge.
    return {
        "id": "ch_test_refunded",
        "object": "charge",
        "amount": 4900,
        "amount_refunded": 4900,
        "refunded": True,
        "currency": "eur",
        "payment_intent": payment_intent,
        "metadata": {},
    }


@pytest.fixture
def paid_order(client, learner, course_for_sale, fake_stripe, fake_stripe_webhook) -> Order:
    """The learner bought the course through Checkout and Stripe's checkout.session.completed arrived."""
    client.force_login(learner)
    buy(client, course_for_sale)
    order = Order.objects.get(user=learner, course=course_for_sale)
    response = fake_stripe_webhook("checkout.session.completed", paid_session(order, f"pi_test_{order.pk}"))
    assert response.status_code == 200 and response.content == b"applied"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    fake_stripe.clear()
    return order


class TestCheckout:
    def test_buy_sends_one_checkout_session_request_and_redirects_to_it(
        self, client, learner, course_for_sale, fake_stripe
    ):
        client.force_login(learner)

        response = buy(client, course_for_sale)

        [request] = fake_stripe.requests
        assert (request.method, request.path) == ("POST", SESSIONS)
        order = Order.objects.get(user=learner, course=course_for_sale)
        assert request.authorization == f"Bearer {FAKE_STRIPE_SECRET_KEY}"
        assert request.idempotency_key == f"order-{order.pk}-checkout"
        assert request.header("Content-Type").startswith("application/x-www-form-urlencoded")
        form = request.form
        assert form["mode"] == "payment"
        assert form["line_items[0][quantity]"] == "1"
        assert form["line_items[0][price_data][unit_amount]"] == "4900"
        assert form["line_items[0][price_data][currency]"] == "eur"
        assert form["line_items[0][price_data][product_data][name]"] == "Stripe Gateway Course"
        assert request.prefixed("metadata") == {"order_id": str(order.pk)}
        assert form["payment_intent_data[metadata][order_id]"] == str(order.pk)
        assert form["client_reference_id"] == str(order.pk)
        assert form["customer_email"] == learner.email
        # Coupons are ours (applied to unit_amount); Stripe's own codes would change the amount the webhook expects.
        assert "allow_promotion_codes" not in form
        # No billing details were given at the checkout step, so Stripe may collect a business's tax id.
        assert form["tax_id_collection[enabled]"] == "true"
        assert form["success_url"] == "http://testserver" + reverse("billing:order_return", args=[order.pk])
        assert form["cancel_url"] == "http://testserver" + reverse("billing:order_cancelled", args=[order.pk])

        [(session_id, session)] = fake_stripe.checkout_sessions.items()
        assert session_id.startswith("cs_test_") and session["url"].startswith(CHECKOUT_HOST)
        assert response.status_code == 302 and response["Location"] == session["url"]
        assert (order.status, order.checkout_session_id, order.checkout_url) == (
            OrderStatus.PENDING,
            session_id,
            session["url"],
        )
        assert order.amount == Decimal("49.00") and order.currency == "EUR"

    def test_a_coupon_is_charged_by_stripe_as_the_discounted_total_and_paid_in_full_opens_the_course(
        self, client, learner, course_for_sale, fake_stripe, fake_stripe_webhook
    ):
        make_coupon("WELCOME10")
        client.force_login(learner)
        details = {
            "name": "Ada Lovelace",
            "address_line1": "Unter den Linden 1",
            "city": "Berlin",
            "country": "DE",
            "vat_id": "DE123456789",
        }
        client.post(
            reverse("billing:buy", args=[course_for_sale.pk]),
            {"checkout_step": "1", "coupon_code": "WELCOME10", **details},
        )

        [request] = fake_stripe.requests
        assert request.form["line_items[0][price_data][unit_amount]"] == "4410"
        assert request.form["line_items[0][price_data][product_data][description]"] == "Coupon WELCOME10: −4.90 EUR"
        # The buyer gave their details at our checkout step: Stripe need not ask for a tax id again.
        assert request.form["tax_id_collection[enabled]"] == "false"
        order = Order.objects.get()
        response = fake_stripe_webhook(
            "checkout.session.completed", {**paid_session(order, f"pi_test_{order.pk}"), "amount_total": 4410}
        )
        assert response.content == b"applied"
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID and order.amount_paid == Decimal("44.10")
        assert Enrollment.objects.get(user=learner, course=course_for_sale).gives_access
        assert order.coupon.times_redeemed == 1

    def test_htmx_buy_redirects_the_browser_to_stripe(self, client, learner, course_for_sale, fake_stripe):
        client.force_login(learner)

        response = client.post(reverse("billing:buy", args=[course_for_sale.pk]), headers={"HX-Request": "true"})

        [session] = fake_stripe.checkout_sessions.values()
        assert response.status_code == 200 and response["HX-Redirect"] == session["url"]

    def test_a_second_buy_while_pending_reuses_the_open_session(self, client, learner, course_for_sale, fake_stripe):
        client.force_login(learner)

        first = buy(client, course_for_sale)
        second = buy(client, course_for_sale)

        assert len(fake_stripe.requests) == 1
        assert Order.objects.filter(user=learner, course=course_for_sale).count() == 1
        assert first["Location"] == second["Location"] == Order.objects.get().checkout_url

    def test_a_learner_with_access_is_refused_without_asking_stripe(
        self, client, learner, course_for_sale, fake_stripe
    ):
        learning_services.grant_paid_access(user=learner, course=course_for_sale)
        client.force_login(learner)

        response = buy(client, course_for_sale)

        assert response.status_code == 409
        assert "You already have this course" in response.content.decode()
        assert fake_stripe.requests == []
        assert not Order.objects.exists()

    @pytest.mark.parametrize(
        "failure",
        [
            {"status": 402, "error_type": "card_error", "code": "card_declined"},
            {"status": 500, "error_type": "api_error", "code": None, "message": "Something went wrong on Stripe."},
            {"status": 400, "error_type": "invalid_request_error", "code": "parameter_invalid_integer"},
        ],
        ids=["card_error", "api_error", "invalid_request"],
    )
    def test_a_stripe_error_gives_a_503_page_and_leaves_no_order(
        self, client, learner, course_for_sale, fake_stripe, failure
    ):
        fake_stripe.fail_next(**failure)
        client.force_login(learner)

        response = buy(client, course_for_sale)

        assert response.status_code == 503
        content = response.content.decode()
        assert "The payment service did not answer. Please try again in a minute." in content
        assert course_for_sale.url in content  # the page leads back to the course
        assert len(fake_stripe.requests) == 1, "stripe-python retried"
        assert not Order.objects.exists()

    def test_stripe_out_of_reach_gives_a_503_page_and_leaves_no_order(
        self, client, learner, course_for_sale, fake_stripe
    ):
        fake_stripe.stop()
        client.force_login(learner)

        response = buy(client, course_for_sale)

        assert response.status_code == 503
        assert not Order.objects.exists()

    def test_after_a_failure_the_learner_can_buy(self, client, learner, course_for_sale, fake_stripe):
        fake_stripe.fail_next(status=500, error_type="api_error", code=None)
        client.force_login(learner)
        assert buy(client, course_for_sale).status_code == 503

        response = buy(client, course_for_sale)

        order = Order.objects.get()
        assert response.status_code == 302 and response["Location"] == order.checkout_url
        failed, succeeded = fake_stripe.requests
        # A new order, so a new idempotency key: Stripe would replay the saved error for the old one.
        assert failed.idempotency_key != succeeded.idempotency_key == f"order-{order.pk}-checkout"


class TestRefund:
    def test_a_refund_asks_stripe_and_access_ends_when_charge_refunded_arrives(
        self, paid_order, learner, admin_user, course_for_sale, fake_stripe, fake_stripe_webhook
    ):
        payment_intent = f"pi_test_{paid_order.pk}"
        assert paid_order.payment_intent_id == payment_intent
        assert Enrollment.objects.get(user=learner, course=course_for_sale).status == EnrollmentStatus.ACTIVE

        order = services.request_refund(order=paid_order, by=admin_user)

        [request] = fake_stripe.requests
        assert (request.method, request.path) == ("POST", REFUNDS)
        assert request.form["payment_intent"] == payment_intent
        assert request.prefixed("metadata") == {"order_id": str(order.pk)}
        assert "amount" not in request.form  # a full refund
        assert request.idempotency_key == f"order-{order.pk}-refund-{order.refund_requested_at.timestamp():.6f}"
        assert request.authorization == f"Bearer {FAKE_STRIPE_SECRET_KEY}"
        # Stripe has only accepted the request: the learner keeps the course until the money went back.
        assert order.status == OrderStatus.PAID
        assert order.refund_requested_at is not None and order.refund_requested_by == admin_user
        assert Enrollment.objects.get(user=learner, course=course_for_sale).status == EnrollmentStatus.ACTIVE

        response = fake_stripe_webhook("charge.refunded", refunded_charge(payment_intent))

        assert response.status_code == 200 and response.content == b"applied"
        order.refresh_from_db()
        assert order.status == OrderStatus.REFUNDED
        assert order.amount_refunded == Decimal("49.00") and order.refunded_at is not None
        assert Enrollment.objects.get(user=learner, course=course_for_sale).status == EnrollmentStatus.REFUNDED
        assert len(fake_stripe.requests) == 1  # the webhook asked Stripe nothing more

    @pytest.mark.parametrize(
        "failure",
        [
            {
                "status": 400,
                "error_type": "invalid_request_error",
                "code": "charge_already_refunded",
                "message": "Charge ch_123 has already been refunded.",
            },
            {"status": 500, "error_type": "api_error", "code": None, "message": "Something went wrong on Stripe."},
        ],
        ids=["invalid_request", "api_error"],
    )
    def test_a_stripe_error_on_refund_undoes_the_request(
        self, paid_order, learner, admin_user, course_for_sale, fake_stripe, failure
    ):
        fake_stripe.fail_next(**failure)

        with pytest.raises(services.PaymentServiceUnavailable) as raised:
            services.request_refund(order=paid_order, by=admin_user)

        assert raised.value.status_code == 503
        assert failure["message"] in str(raised.value)
        assert len(fake_stripe.requests_to(REFUNDS)) == 1, "stripe-python retried"
        paid_order.refresh_from_db()
        assert paid_order.status == OrderStatus.PAID
        assert paid_order.refund_requested_at is None and paid_order.refund_requested_by is None
        assert Enrollment.objects.get(user=learner, course=course_for_sale).status == EnrollmentStatus.ACTIVE

    def test_a_retry_after_a_failure_uses_a_new_key_and_a_pending_refund_is_not_asked_twice(
        self, paid_order, admin_user, fake_stripe
    ):
        fake_stripe.fail_next(status=500, error_type="api_error", code=None, message="Try again later.")
        with pytest.raises(services.PaymentServiceUnavailable):
            services.request_refund(order=paid_order, by=admin_user)
        services.request_refund(order=paid_order, by=admin_user)
        with pytest.raises(services.NotRefundable, match="already requested"):
            services.request_refund(order=paid_order, by=admin_user)

        failed, accepted = fake_stripe.requests_to(REFUNDS)
        assert failed.idempotency_key != accepted.idempotency_key
        assert accepted.idempotency_key.startswith(f"order-{paid_order.pk}-refund-")

    def test_an_unpaid_order_is_not_refunded_and_stripe_is_not_asked(
        self, client, learner, admin_user, course_for_sale, fake_stripe
    ):
        client.force_login(learner)
        buy(client, course_for_sale)
        fake_stripe.clear()

        with pytest.raises(services.NotRefundable):
            services.request_refund(order=Order.objects.get(), by=admin_user)

        assert fake_stripe.requests == []
