"""A task the broker refuses is kept in the outbox and sent once the broker is back; the write that wanted it
is saved and the request answers at once. Against a real redis-server that the tests stop and start."""

import base64
import json
import socket
import threading
import time
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.tasks import send_account_email
from learning.models import Enrollment
from lms_site import outbox, request_id
from lms_site.beat import publish_scheduled_pages, send_unqueued_tasks
from lms_site.celery import app as celery_app
from lms_site.models import UnqueuedTask
from lms_site.tests.servers import RedisServer, celery_publishing_to

EMAIL_TASK = "accounts.tasks.send_account_email"


@pytest.fixture
def broker(tmp_path):
    """Celery publishing to a redis-server of the test's own, as in production (tests otherwise run tasks
    in-process)."""
    server = RedisServer(tmp_path)
    server.start()
    with celery_publishing_to(server.url):
        yield server
    server.stop()


def queued(server: RedisServer, queue: str) -> list[dict]:
    """The messages waiting in a queue, oldest first (kombu pushes on the left and workers pop on the right)."""
    import redis

    raw = redis.Redis(port=server.port).lrange(queue, 0, -1)
    messages = []
    for item in reversed(raw):
        message = json.loads(item)
        args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
        messages.append({"task": message["headers"]["task"], "headers": message["headers"], "args": args, **kwargs})
    return messages


def test_a_write_whose_task_cannot_be_queued_is_saved_and_its_task_sent_once_the_broker_is_back(
    client, learner, course, lessons, broker, run_on_commit
):
    client.force_login(learner)
    broker.stop()

    started = time.monotonic()
    response = run_on_commit(
        client.post, reverse("learning:enrol", args=(course.pk,)), headers={"X-Request-ID": "enrol-req-1"}
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 302 and response["Location"] == lessons[0].url
    assert Enrollment.objects.filter(user=learner, course=course).exists()
    # The enrolment confirmation e-mail was the only task this write queued.
    kept = UnqueuedTask.objects.get()
    assert kept.task_name == EMAIL_TASK
    assert kept.kwargs["to"] == [learner.email] and course.title in kept.kwargs["subject"]
    assert kept.request_id == "enrol-req-1"
    assert kept.attempts == 1 and "connecting" in kept.first_error
    # A refused connection costs milliseconds: the learner does not wait for the broker.
    assert elapsed < 1.5, f"the request took {elapsed:.2f} s"

    # Beat's sweep while the broker is still down: the message stays, counted.
    assert send_unqueued_tasks() == 0
    kept.refresh_from_db()
    assert kept.attempts == 2 and kept.last_error

    broker.start()
    assert send_unqueued_tasks() == 1
    assert not UnqueuedTask.objects.exists()
    [message] = queued(broker, "email")
    assert message["task"] == EMAIL_TASK
    assert message["to"] == [learner.email] and message["subject"] == kept.kwargs["subject"]
    assert message["headers"][request_id.MESSAGE_HEADER] == "enrol-req-1"

    # Run again (a second beat tick, or two at once): nothing is sent twice.
    assert send_unqueued_tasks() == 0
    assert len(queued(broker, "email")) == 1


def test_a_request_that_queues_a_task_hands_its_request_id_to_the_message(
    client, learner, course, lessons, broker, run_on_commit
):
    client.force_login(learner)
    response = run_on_commit(
        client.post, reverse("learning:enrol", args=(course.pk,)), headers={"X-Request-ID": "enrol-req-2"}
    )
    assert response["X-Request-ID"] == "enrol-req-2"
    [message] = queued(broker, "email")
    assert message["headers"][request_id.MESSAGE_HEADER] == "enrol-req-2"
    assert not UnqueuedTask.objects.exists()


def keep(task_name: str, **options) -> None:
    outbox.keep(task_name=task_name, args=[], kwargs={"n": task_name}, options=options, error=OSError("down"))


def test_the_sweep_sends_each_message_to_its_queue_at_the_time_first_asked(db, broker):
    now = timezone.now()
    keep("lms_site.publish_scheduled_pages")
    keep(EMAIL_TASK, countdown=600)
    keep(EMAIL_TASK, queue="documents")

    assert send_unqueued_tasks() == 3
    assert not UnqueuedTask.objects.exists()
    assert [m["task"] for m in queued(broker, "default")] == ["lms_site.publish_scheduled_pages"]
    assert [m["task"] for m in queued(broker, "documents")] == [EMAIL_TASK]
    [delayed] = queued(broker, "email")
    # The countdown counts from when the task was asked for, not from when the sweep sent it.
    eta = datetime.fromisoformat(delayed["headers"]["eta"])
    assert now + timedelta(seconds=599) <= eta <= now + timedelta(seconds=601)


def test_the_sweep_sends_the_oldest_first(db, broker):
    for n in range(3):
        outbox.keep(task_name=EMAIL_TASK, args=[], kwargs={"n": n}, options={}, error=OSError("down"))
    # Stored first, but asked for last (rows are ordered by when the task was wanted, then by id).
    UnqueuedTask.objects.filter(kwargs__n=0).update(created_at=timezone.now() + timedelta(seconds=5))
    assert send_unqueued_tasks() == 3
    assert [m["n"] for m in queued(broker, "email")] == [1, 2, 0]


@pytest.fixture
def silent_broker():
    """A port that accepts connections and never answers: a Redis that hangs rather than one that is gone."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    with celery_publishing_to(f"redis://127.0.0.1:{listener.getsockname()[1]}/0"):
        yield
    listener.close()


def test_a_broker_that_does_not_answer_is_given_up_on_in_about_half_a_second(silent_broker):
    outcome: dict = {}

    def publish() -> None:
        started = time.monotonic()
        try:
            send_account_email.apply_async(kwargs={"subject": "s", "body": "b", "to": ["someone@example.com"]})
        except outbox.BROKER_ERRORS as error:
            outcome["error"] = error  # what publish_or_keep catches to keep the message
        outcome["elapsed"] = time.monotonic() - started

    # In a thread, so that a publish without a socket timeout fails this test instead of hanging the run.
    thread = threading.Thread(target=publish, daemon=True)
    thread.start()
    thread.join(timeout=10)
    assert "elapsed" in outcome, "publishing to a silent broker hung"
    assert "error" in outcome
    assert outcome["elapsed"] < 1.5, f"publishing waited {outcome['elapsed']:.2f} s"


def test_delay_or_keep_keeps_what_the_broker_refuses_outside_a_transaction(db, broker):
    broker.stop()
    send_account_email.delay_or_keep(subject="Reminder", body="b", to=["someone@example.com"])
    assert UnqueuedTask.objects.get().kwargs["subject"] == "Reminder"


def test_options_the_outbox_could_not_keep_are_refused_when_the_task_is_queued(db):
    with pytest.raises(TypeError, match="link"):
        send_account_email.apply_async_on_commit(kwargs={"subject": "s"}, link=publish_scheduled_pages.s())


def test_in_process_tasks_still_raise_their_own_errors_and_keep_nothing(db, run_on_commit):
    # Without a broker (make run, the tests) tasks run eagerly: an OperationalError is the task's, not lost mail.
    assert celery_app.conf.task_always_eager
    failing = mock.patch("lms_site.beat.call_command", side_effect=OperationalError("the task's own"))
    with failing, pytest.raises(OperationalError):
        run_on_commit(publish_scheduled_pages.delay_on_commit)
    assert not UnqueuedTask.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite serialises all writers; the race needs MariaDB (CI runs it)"
)
def test_two_sweeps_at_once_send_each_message_once(broker):
    for n in range(30):
        outbox.keep(task_name=EMAIL_TASK, args=[], kwargs={"n": n}, options={}, error=OSError("down"))
    barrier = threading.Barrier(2)
    sent, errors = [], []

    def sweep() -> None:
        try:
            barrier.wait()
            sent.append(send_unqueued_tasks())
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == [] and sum(sent) == 30
    assert sorted(m["n"] for m in queued(broker, "email")) == list(range(30))
    assert not UnqueuedTask.objects.exists()
