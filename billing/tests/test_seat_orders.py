"""Seat orders in billing: several courses with quantities in one Checkout, settled by the verified webhook like any
order, but opening nothing for the buyer: order_paid and order_refunded carry them to whoever placed them."""

import io
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from pypdf import PdfReader

from billing import invoices, services, simulator
from billing.models import Order, OrderKind, OrderStatus
from billing.signals import order_paid, order_refunded
from courses.tests.factories import make_course
from learning.models import Enrollment

from .factories import checkout_completed, deliver


@pytest.fixture
def courses(catalogue, trainer):
    return [
        make_course(catalogue, title="Django in Depth", trainer=trainer, price=Decimal("49.00"), modules=1),
        make_course(catalogue, title="Wagtail for Editors", trainer=trainer, price=Decimal("19.50"), modules=1),
    ]


def seat_order(user, lines, **kwargs) -> Order:
    order = services.create_seat_order(
        user=user, lines=lines, buyer_details={"company": "Acme Ltd", "vat_id": "NL123456789B01"}, **kwargs
    )
    return services.open_checkout(order=order, base_url="http://testserver")


@pytest.fixture
def signals_sent():
    sent = []

    def paid(sender, order, **kwargs):
        sent.append(("paid", order.pk))

    def refunded(sender, order, **kwargs):
        sent.append(("refunded", order.pk))

    order_paid.connect(paid, dispatch_uid="test-seat-paid")
    order_refunded.connect(refunded, dispatch_uid="test-seat-refunded")
    yield sent
    order_paid.disconnect(dispatch_uid="test-seat-paid")
    order_refunded.disconnect(dispatch_uid="test-seat-refunded")


def test_a_seat_order_is_priced_line_by_line(learner, courses):
    order = seat_order(learner, [(courses[0], 10), (courses[1], 3)])
    assert order.kind == OrderKind.SEATS and order.course is None
    assert order.total == Decimal("548.50") and order.currency == "EUR"
    assert [(line.quantity, line.amount) for line in order.lines.all()] == [
        (10, Decimal("490.00")),
        (3, Decimal("58.50")),
    ]


def test_a_course_order_must_name_its_course(learner):
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.create(user=learner, kind=OrderKind.COURSE, amount=1, currency="EUR")


def test_paying_opens_nothing_for_the_buyer_and_signals_once(learner, courses, signals_sent):
    order = seat_order(learner, [(courses[0], 2)])
    simulator.pay(order=order)
    simulator.pay(order=order)  # another delivery of the same fact
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.paid_key == f"order:{order.pk}"
    assert not Enrollment.objects.exists()
    assert signals_sent == [("paid", order.pk)]
    # The same manager may buy the same course's seats again: paid_key is per order.
    again = seat_order(learner, [(courses[0], 2)])
    simulator.pay(order=again)
    again.refresh_from_db()
    assert again.status == OrderStatus.PAID and not again.auto_refund_reason

    services.request_refund(order=order, by=None)
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and order.paid_key is None
    assert signals_sent == [("paid", order.pk), ("paid", again.pk), ("refunded", order.pk)]


def test_a_payment_of_another_amount_is_refused(
    client, learner, courses, signals_sent, django_capture_on_commit_callbacks
):
    order = seat_order(learner, [(courses[0], 2)])
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, checkout_completed(order, amount_total=4900))  # one seat's price for two
    order.refresh_from_db()
    assert order.auto_refund_reason == "amount_mismatch" and order.status == OrderStatus.REFUNDED
    assert signals_sent == []


def test_no_receipt_mail_no_purchase_history_no_receipt(client, learner, courses, django_capture_on_commit_callbacks):
    order = seat_order(learner, [(courses[0], 1)])
    with django_capture_on_commit_callbacks(execute=True):
        simulator.pay(order=order)
    assert mail.outbox == []
    client.force_login(learner)
    assert "Django in Depth" not in client.get(reverse("billing:purchases")).content.decode()
    assert client.get(reverse("billing:receipt", args=[order.pk])).status_code == 404


@pytest.mark.parametrize(
    "quantity",
    [0, 1001, -1, True, "3"],
)
def test_quantities_are_whole_numbers_from_1_to_1000(learner, courses, quantity):
    with pytest.raises(services.BillingError):
        services.create_seat_order(user=learner, lines=[(courses[0], quantity)], buyer_details={})
    assert not Order.objects.exists()


def test_checkout_sends_a_line_item_per_course_and_bank_transfer(fake_stripe, learner, courses):
    order = seat_order(learner, [(courses[0], 10), (courses[1], 3)], payment_method="bank_transfer")
    (request,) = fake_stripe.requests_to("/v1/checkout/sessions")
    form = request.form
    assert form["line_items[0][quantity]"] == "10"
    assert form["line_items[0][price_data][unit_amount]"] == "4900"
    assert form["line_items[1][quantity]"] == "3"
    assert form["line_items[1][price_data][unit_amount]"] == "1950"
    assert "Wagtail for Editors" in form["line_items[1][price_data][product_data][name]"]
    assert form["payment_method_types[0]"] == "customer_balance"
    assert form["payment_method_options[customer_balance][funding_type]"] == "bank_transfer"
    assert form["payment_method_options[customer_balance][bank_transfer][type]"] == "eu_bank_transfer"
    assert request.prefixed("metadata") == {"order_id": str(order.pk)}
    assert order.checkout_url.startswith("https://checkout.stripe.test/")


def test_a_long_invoice_goes_on_to_more_pages(learner, catalogue):
    many = [
        make_course(catalogue, title=f"Course {n:02d} " + "long title " * 6, price="10.00", modules=1)
        for n in range(30)
    ]
    order = seat_order(learner, [(course, 2) for course in many])
    simulator.pay(order=order)
    order.refresh_from_db()
    reader = PdfReader(io.BytesIO(invoices.invoice_pdf(order=order)))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert len(reader.pages) > 1
    assert all(f"Course {n:02d}" in text for n in range(30)) and "600.00 EUR" in text
    assert invoices.invoice_pdf(order=order) == invoices.invoice_pdf(order=order)  # same facts, same bytes


def test_admins_list_inspect_and_refund_seat_orders(client, admin_user, learner, courses):
    order = seat_order(learner, [(courses[0], 4), (courses[1], 1)])
    simulator.pay(order=order)
    client.force_login(admin_user)
    listing = client.get(reverse("billing_admin:index")).content.decode()
    assert "Seats: 4 × Django in Depth, 1 × Wagtail for Editors" in listing
    inspect = client.get(reverse("billing_admin:inspect", args=[order.pk]))
    assert inspect.status_code == 200 and "4 × Django in Depth" in inspect.content.decode()
    refund_url = reverse("billing_admin:refund", args=[order.pk])
    assert "seats assigned to members stay with them" in " ".join(client.get(refund_url).content.decode().split())
    client.post(refund_url)
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
