"""The purchase receipt e-mail: sent once per paid order through the verified webhook path, with the receipt
PDF attached, built by a task; never for an order refunded before it went out."""

import io
from decimal import Decimal

import pytest
from celery.exceptions import Retry
from pypdf import PdfReader

from accounts import services as account_services
from accounts.models import Notification, SentNotification
from billing import receipts, services, simulator
from billing.tasks import send_receipt
from courses.tests.factories import make_course

from .factories import checkout_completed, deliver, make_coupon

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_course(catalogue, trainer):
    return make_course(catalogue, title="Django in Depth", trainer=trainer, price=Decimal("49.00"))


@pytest.fixture
def order(learner, paid_course):
    make_coupon("WELCOME10")
    return services.start_checkout(
        user=learner, course=paid_course, base_url="http://testserver", coupon_code="WELCOME10"
    )


def receipts_sent(mailoutbox) -> list:
    return [message for message in mailoutbox if message.attachments]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_replayed_webhook_sends_one_receipt_with_the_pdf(
    client, learner, order, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for event_id in ("evt_1", "evt_1", "evt_1", "evt_2"):  # Stripe's retries, then the same fact anew
            assert deliver(client, checkout_completed(order, event_id=event_id)).status_code == 200
    [receipt] = receipts_sent(mailoutbox)
    order.refresh_from_db()
    assert receipt.to == [learner.email]
    assert receipt.subject == f"Your receipt R-{order.pk:06d} for Django in Depth"
    assert "Coupon WELCOME10: −4.90 EUR" in receipt.body and "Total charged: 44.10 EUR" in receipt.body
    [(filename, content, mimetype)] = receipt.attachments
    assert filename == receipts.receipt_filename(order) and mimetype == "application/pdf"
    text = pdf_text(content)
    assert "44.10 EUR" in text and "Coupon WELCOME10" in text and "Django in Depth" in text
    assert content == receipts.receipt_pdf(order=order)  # the very receipt the purchases page serves
    assert SentNotification.objects.filter(kind=Notification.RECEIPT).count() == 1


def test_the_simulator_sends_it_too_and_muting_everything_does_not_stop_it(
    learner, order, mailoutbox, django_capture_on_commit_callbacks
):
    account_services.update_notification_preferences(user=learner, wanted=[])
    with django_capture_on_commit_callbacks(execute=True):
        simulator.pay(order=order)
    assert len(receipts_sent(mailoutbox)) == 1
    assert len(mailoutbox) == 1  # the enrolment confirmation was muted; the receipt cannot be


def test_an_order_refunded_before_the_task_ran_gets_no_receipt_nor_afterwards(
    client, learner, order, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    simulator.pay(order=order)  # on-commit work (the receipt task) is not run here: a busy worker
    services.request_refund(order=order, by=admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_receipt.delay(order.pk).get() is False
        # Another delivery of the payment after the refund changes nothing and sends nothing.
        deliver(client, checkout_completed(order, event_id="evt_late"))
    assert receipts_sent(mailoutbox) == [] and not SentNotification.objects.filter(kind=Notification.RECEIPT).exists()


def test_a_failed_build_loses_nothing_and_a_retry_sends_exactly_once(
    learner, order, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    simulator.pay(order=order)
    build = receipts.receipt_pdf
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("font file unreadable")
        return build(**kwargs)

    monkeypatch.setattr(receipts, "receipt_pdf", flaky)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(OSError):
        services.send_receipt(order_id=order.pk)
    # The claim went with the failure.
    assert receipts_sent(mailoutbox) == [] and not SentNotification.objects.filter(kind=Notification.RECEIPT).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_receipt(order_id=order.pk) is True
        assert services.send_receipt(order_id=order.pk) is False
    assert len(receipts_sent(mailoutbox)) == 1


def test_the_task_asks_celery_to_retry_a_failed_build(learner, order, mailoutbox, monkeypatch, run_on_commit):
    simulator.pay(order=order)
    build = receipts.receipt_pdf
    failures = iter([OSError("disk hiccup")])

    def flaky(**kwargs):
        error = next(failures, None)
        if error:
            raise error
        return build(**kwargs)

    monkeypatch.setattr(receipts, "receipt_pdf", flaky)
    with pytest.raises(Retry):  # eager mode shows the retry Celery would schedule, with backoff
        run_on_commit(send_receipt.delay, order.pk)
    assert receipts_sent(mailoutbox) == []
    run_on_commit(send_receipt.delay, order.pk)  # the retry
    assert len(receipts_sent(mailoutbox)) == 1
