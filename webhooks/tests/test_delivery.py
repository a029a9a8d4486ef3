"""Events reach a real HTTP receiver signed, in order per object, retried after failures; an endpoint failing for
a day is switched off and its owner told once."""

import hashlib
import hmac
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from learning import services as learning_services
from webhooks import services
from webhooks.models import DeliveryStatus, EventType, WebhookDelivery, WebhookEndpoint
from webhooks.tasks import send_due_webhooks

pytestmark = pytest.mark.django_db


# The README's verification snippet, as a receiving system would run it.
def verify(secret: str, body: bytes, header: str, tolerance: int = 300) -> bool:
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp, signature = parts["t"], parts["v1"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def enrol(run_on_commit, learner, course):
    return run_on_commit(learning_services.enroll, user=learner, course=course)


def complete(run_on_commit, enrollment, lessons):
    for lesson in lessons:
        run_on_commit(learning_services.complete_lesson, enrollment=enrollment, lesson=lesson)


def sweep_at(run_on_commit, moment):
    with time_machine.travel(moment, tick=False):
        return run_on_commit(send_due_webhooks)


def test_an_event_arrives_signed_with_the_documented_headers(receiver, endpoint, learner, course, run_on_commit):
    enrollment = enrol(run_on_commit, learner, course)

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert verify(endpoint.secret, request.body, request.headers["Learnwell-Signature"])
    assert not verify("whsec_other", request.body, request.headers["Learnwell-Signature"])
    assert not verify(endpoint.secret, request.body + b" ", request.headers["Learnwell-Signature"])
    payload = request.json
    assert payload["type"] == "enrollment.created"
    assert request.headers["Learnwell-Webhook-Id"] == payload["id"]
    assert request.headers["Learnwell-Signature"].startswith(f"t={request.headers['Learnwell-Webhook-Timestamp']},")
    assert payload["data"]["enrollment"]["id"] == enrollment.pk
    assert payload["data"]["user"]["email"] == learner.email
    assert payload["data"]["course"]["id"] == course.pk
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.SUCCEEDED, 1, 200)
    assert str(delivery.event_id) == payload["id"]


def test_a_500_is_retried_later_with_backoff_and_then_succeeds(receiver, endpoint, learner, course, run_on_commit):
    receiver.fail_first = 2
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        enrol(run_on_commit, learner, course)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_status_code == 500
    assert delivery.next_attempt_at == start + timedelta(minutes=1)

    # Not due yet: nothing is sent.
    sweep_at(run_on_commit, start + timedelta(seconds=30))
    assert len(receiver.requests) == 1
    sweep_at(run_on_commit, start + timedelta(minutes=1))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 2)
    assert delivery.next_attempt_at == start + timedelta(minutes=3)  # then 2 minutes
    sweep_at(run_on_commit, start + timedelta(minutes=3))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 3)
    assert len(receiver.requests) == 3
    assert len({r.json["id"] for r in receiver.requests}) == 1  # the same event each time
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_events_of_one_object_arrive_in_order_when_the_first_failed(
    receiver, endpoint, learner, course, lessons, run_on_commit
):
    receiver.fail_first = 1
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        enrollment = enrol(run_on_commit, learner, course)
        complete(run_on_commit, enrollment, lessons)
    created, completed = WebhookDelivery.objects.order_by("pk")
    assert completed.event_type == EventType.ENROLLMENT_COMPLETED
    # The completion waits behind the failed creation: it was not sent.
    assert len(receiver.requests) == 1
    completed.refresh_from_db()
    assert (completed.status, completed.attempts) == (DeliveryStatus.PENDING, 0)

    # Even due, the sweep does not send it before the creation.
    sweep_at(run_on_commit, start + timedelta(seconds=59))
    assert len(receiver.requests) == 1
    sweep_at(run_on_commit, start + timedelta(minutes=1))
    assert receiver.types == ["enrollment.created", "enrollment.completed"]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}


def test_unsubscribed_types_are_not_sent(receiver, learner, course, lessons, run_on_commit, admin_user):
    WebhookEndpoint.objects.create(url=receiver.url, owner=admin_user, event_types=[EventType.ENROLLMENT_COMPLETED])
    enrollment = enrol(run_on_commit, learner, course)
    assert receiver.requests == []
    complete(run_on_commit, enrollment, lessons)
    assert receiver.types == ["enrollment.completed"]
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.parametrize("state", [{"is_active": False}, {"disabled_at": timezone.now(), "disabled_reason": "x"}])
def test_switched_off_endpoints_receive_nothing(receiver, endpoint, learner, course, run_on_commit, state):
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(**state)
    enrol(run_on_commit, learner, course)
    sweep_at(run_on_commit, timezone.now() + timedelta(hours=1))
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_an_endpoint_switched_off_meanwhile_gets_no_retry(receiver, endpoint, learner, course, run_on_commit):
    receiver.fail_first = 1
    enrol(run_on_commit, learner, course)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    sweep_at(run_on_commit, timezone.now() + timedelta(hours=1))
    assert len(receiver.requests) == 1


def test_a_rolled_back_change_sends_nothing(receiver, endpoint, learner, course, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        learning_services.enroll(user=learner, course=course)
        assert WebhookDelivery.objects.count() == 1  # recorded in the change's transaction
        raise RuntimeError("the change fails after the event")
    assert callbacks == []
    assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []


def test_an_endpoint_failing_for_a_day_is_switched_off_and_its_owner_told_once(
    receiver, endpoint, learner, course, run_on_commit, mailoutbox, admin_user
):
    receiver.fail_first = 10_000
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        enrol(run_on_commit, learner, course)
    for minutes in range(60, 24 * 60, 60):
        sweep_at(run_on_commit, start + timedelta(minutes=minutes))
        endpoint.refresh_from_db()
        assert endpoint.disabled_at is None, minutes
    assert endpoint.failing_since == start

    def to_owner():  # the learner gets their enrolment confirmations in the same outbox
        return [message for message in mailoutbox if message.to == [admin_user.email]]

    assert to_owner() == []

    sweep_at(run_on_commit, start + timedelta(hours=24, minutes=1))
    endpoint.refresh_from_db()
    assert endpoint.disabled_at is not None
    assert endpoint.disabled_reason
    assert WebhookDelivery.objects.get().status == DeliveryStatus.GIVEN_UP
    assert len(to_owner()) == 1
    assert endpoint.url in to_owner()[0].subject
    assert "24 hours" in to_owner()[0].body

    sent = len(receiver.requests)
    with time_machine.travel(start + timedelta(hours=25), tick=False):
        run_on_commit(learning_services.leave_course, enrollment=learner.enrollments.get())
        enrol(run_on_commit, learner, course)  # reopened: a new event
        run_on_commit(send_due_webhooks)
    assert len(receiver.requests) == sent
    assert len(to_owner()) == 1


def test_a_success_in_between_restarts_the_day(receiver, endpoint, learner, course, run_on_commit):
    receiver.fail_first = 1
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        enrol(run_on_commit, learner, course)
    sweep_at(run_on_commit, start + timedelta(minutes=1))  # succeeds
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_a_delivery_is_given_up_after_a_day(receiver, endpoint, learner, course, run_on_commit):
    receiver.fail_first = 10_000
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        enrol(run_on_commit, learner, course)
    # Another endpoint's success keeps this one from being switched off: only the delivery's day runs out.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
    sweep_at(run_on_commit, start + timedelta(hours=23, minutes=59))
    assert WebhookDelivery.objects.get().status == DeliveryStatus.FAILED
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
    sweep_at(run_on_commit, start + timedelta(hours=25))
    assert WebhookDelivery.objects.get().status == DeliveryStatus.GIVEN_UP


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1/", "ftp://example.com/", "/relative"])
def test_a_url_that_is_not_http_is_never_requested(url, learner, course, run_on_commit, admin_user):
    endpoint = WebhookEndpoint.objects.create(url=url, owner=admin_user, event_types=[EventType.ENROLLMENT_CREATED])
    enrol(run_on_commit, learner, course)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_status_code is None
    assert "http" in delivery.last_error
    assert not services.is_sendable_url(url)
