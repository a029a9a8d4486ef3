from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Order
from courses.tests.factories import make_course


@pytest.fixture
def paid_course(catalogue, trainer):
    return make_course(catalogue, title="Paid Course", trainer=trainer, price=Decimal("49.00"))


def test_visitors_sign_in_before_buying(client, paid_course):
    response = client.post(reverse("billing:buy", args=[paid_course.pk]))
    assert response.status_code == 302 and "/accounts/" in response["Location"]
    assert "Sign in to buy" in client.get(paid_course.url).content.decode()
    assert not Order.objects.exists()


def test_without_stripe_or_simulator_buying_is_unavailable(client, learner, paid_course, settings):
    settings.BILLING_SIMULATOR_ENABLED = False  # production without Stripe keys
    client.force_login(learner)
    response = client.post(reverse("billing:buy", args=[paid_course.pk]))
    assert response.status_code == 503 and "not available" in response.content.decode()
    assert not Order.objects.exists()


def test_free_courses_are_not_sold(client, learner, course):
    client.force_login(learner)
    assert client.post(reverse("billing:buy", args=[course.pk])).status_code == 404


def test_buying_opens_the_simulator_and_paying_lands_in_the_course(client, learner, paid_course):
    client.force_login(learner)
    response = client.post(reverse("billing:buy", args=[paid_course.pk]), headers={"HX-Request": "true"})
    order = Order.objects.get()
    assert response["HX-Redirect"] == reverse("billing:simulator", args=[order.pk])
    assert "no real money" in client.get(response["HX-Redirect"]).content.decode()

    response = client.post(reverse("billing:simulator", args=[order.pk]), {"outcome": "pay"})
    assert response["Location"] == reverse("billing:order_return", args=[order.pk])
    response = client.get(response["Location"], follow=True)
    assert response.redirect_chain[-1][0] == paid_course.url
    assert "Payment received" in response.content.decode()
    assert "Continue learning" in response.content.decode()


def test_cancelling_checkout_charges_nothing(client, learner, paid_course):
    client.force_login(learner)
    client.post(reverse("billing:buy", args=[paid_course.pk]))
    order = Order.objects.get()
    response = client.post(reverse("billing:simulator", args=[order.pk]), {"outcome": "cancel"}, follow=True)
    assert "you were not charged" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "pending"


def test_a_bank_transfer_waits_is_not_bought_twice_and_opens_the_course_when_confirmed(client, learner, paid_course):
    client.force_login(learner)
    client.post(reverse("billing:buy", args=[paid_course.pk]))
    order = Order.objects.get()
    simulator_url = reverse("billing:simulator", args=[order.pk])
    client.post(simulator_url, {"outcome": "bank_transfer"})
    order.refresh_from_db()
    assert order.status == "processing"
    assert "Payment processing" in client.get(reverse("billing:order_return", args=[order.pk])).content.decode()
    assert "Your payment is being confirmed" in client.get(paid_course.url).content.decode()
    assert client.post(reverse("billing:buy", args=[paid_course.pk])).status_code == 409
    assert Order.objects.count() == 1

    client.post(simulator_url, {"outcome": "bank_confirms"})
    order.refresh_from_db()
    assert order.status == "paid"
    assert "Continue learning" in client.get(paid_course.url).content.decode()


def test_a_rejected_bank_transfer_charges_nothing_and_buying_starts_afresh(client, learner, paid_course):
    client.force_login(learner)
    client.post(reverse("billing:buy", args=[paid_course.pk]))
    order = Order.objects.get()
    client.post(reverse("billing:simulator", args=[order.pk]), {"outcome": "bank_transfer"})
    client.post(reverse("billing:simulator", args=[order.pk]), {"outcome": "bank_rejects"})
    order.refresh_from_db()
    assert order.status == "failed"
    assert "payment failed" in client.get(reverse("billing:order_return", args=[order.pk])).content.decode()
    client.post(reverse("billing:buy", args=[paid_course.pk]))
    assert Order.objects.count() == 2 and Order.objects.latest("pk").status == "pending"


def test_a_double_click_while_stripe_prepares_the_session_starts_no_second_checkout(learner, paid_course):
    from billing import services

    Order.objects.create(user=learner, course=paid_course, amount=paid_course.price, currency="EUR")  # in flight
    with pytest.raises(services.AlreadyOwned, match="being prepared"):
        services.start_checkout(user=learner, course=paid_course, base_url="http://testserver")
    assert Order.objects.count() == 1


def test_without_stripe_or_simulator_nothing_can_be_refunded_or_simulated(learner, admin_user, paid_course, settings):
    from billing import services, simulator

    order = services.start_checkout(user=learner, course=paid_course, base_url="http://testserver")
    simulator.pay(order=order)
    settings.BILLING_SIMULATOR_ENABLED = False
    with pytest.raises(services.PaymentServiceUnavailable):
        services.request_refund(order=order, by=admin_user)
    with pytest.raises(RuntimeError):
        simulator.refund(order=order)
    order.refresh_from_db()
    assert order.status == "paid" and order.refund_requested_at is None


class TestTheCheckoutStepIsOnlyForBuyers:
    def url(self, course):
        return reverse("billing:checkout", args=[course.pk])

    def test_visitors_sign_in_first_and_come_back(self, client, paid_course):
        response = client.get(self.url(paid_course))
        assert response.status_code == 302 and "/accounts/" in response["Location"]
        assert "next=" in response["Location"]

    def test_free_courses_owned_courses_and_closed_payments_are_refused_with_a_message(
        self, client, learner, course, paid_course, settings
    ):
        from learning import services as learning_services

        client.force_login(learner)
        assert client.get(self.url(course)).status_code == 404
        learning_services.grant_paid_access(user=learner, course=paid_course)
        response = client.get(self.url(paid_course))
        assert response.status_code == 409 and "You already have this course" in response.content.decode()
        settings.BILLING_SIMULATOR_ENABLED = False
        response = client.post(self.url(paid_course), {"coupon_code": "X"})
        assert response.status_code == 503 and "not available" in response.content.decode()

    def test_the_page_is_private_and_shows_the_price(self, client, learner, paid_course):
        client.force_login(learner)
        response = client.get(self.url(paid_course))
        assert response.status_code == 200 and "private" in response["Cache-Control"]
        html = response.content.decode()
        assert "Paid Course" in html and "49.00 EUR" in html
        assert f'action="{reverse("billing:buy", args=[paid_course.pk])}"' in html
