"""Sending: batches, retries with backoff for a day, the LRS's refusals, an LRS that is down while the learner
works on, and what xAPI costs the learner's request."""

import math
import socket
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from learning import services as learning_services
from xapi import services
from xapi.models import Statement, StatementStatus
from xapi.tasks import send_statements

from .lrs import statement_errors

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def enrol(run_on_commit, learner, course):
    return run_on_commit(learning_services.enroll, user=learner, course=course)


def sweep_at(run_on_commit, moment):
    with time_machine.travel(moment, tick=False):
        return run_on_commit(send_statements)


def closed_port_url() -> str:
    """The address of a port nothing listens on: a connection is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/xapi/"


def test_a_batch_is_one_post_with_the_xapi_headers(lrs, learner, course, lessons, settings):
    settings.XAPI_BATCH_SIZE = 3
    enrollment = learning_services.enroll(user=learner, course=course)  # on-commit callbacks are not run
    for lesson in lessons:
        learning_services.complete_lesson(enrollment=enrollment, lesson=lesson)
    count = Statement.objects.count()
    assert count == 10 and lrs.posts == []

    assert send_statements() == count
    assert len(lrs.posts) == math.ceil(count / 3)
    assert [len(post.statements) for post in lrs.posts] == [3, 3, 3, 1]
    assert len(lrs.stored) == count
    post = lrs.posts[0]
    assert post.headers["X-Experience-API-Version"] == "1.0.3"
    assert post.headers["Content-Type"] == "application/json"
    assert post.headers["Authorization"].startswith("Basic ")
    # Oldest first.
    assert [s["id"] for p in lrs.posts for s in p.statements] == [
        str(i) for i in Statement.objects.order_by("pk").values_list("statement_id", flat=True)
    ]


@pytest.mark.parametrize("answer", [500, 503, 429])
def test_a_failure_that_may_pass_is_retried_with_backoff_and_sent_once(lrs, learner, course, run_on_commit, answer):
    lrs.answers = [answer, answer]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        enrol(run_on_commit, learner, course)
    row = Statement.objects.get()
    assert (row.status, row.attempts, row.last_status_code) == (StatementStatus.PENDING, 1, answer)
    assert row.next_attempt_at == start + timedelta(minutes=1)
    assert str(answer) in row.last_error

    sweep_at(run_on_commit, start + timedelta(seconds=30))  # not due yet
    assert len(lrs.posts) == 1
    sweep_at(run_on_commit, start + timedelta(minutes=1))
    row.refresh_from_db()
    assert (row.attempts, row.next_attempt_at) == (2, start + timedelta(minutes=3))
    sweep_at(run_on_commit, start + timedelta(minutes=3))
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (StatementStatus.SENT, 3, "")
    assert len(lrs.stored) == 1
    assert {post.statements[0]["id"] for post in lrs.posts} == {str(row.statement_id)}  # the same statement


def test_given_up_after_a_day(lrs, learner, course, run_on_commit):
    lrs.answers = [500] * 100
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        enrol(run_on_commit, learner, course)
    sweep_at(run_on_commit, start + timedelta(hours=23, minutes=59))
    assert Statement.objects.get().status == StatementStatus.PENDING
    sweep_at(run_on_commit, start + timedelta(hours=25))
    row = Statement.objects.get()
    assert (row.status, row.next_attempt_at) == (StatementStatus.FAILED, None)

    # An admin sends it again once the LRS is back: a new day.
    lrs.answers = []
    with time_machine.travel(start + timedelta(hours=26), tick=False):
        run_on_commit(services.retry_now, statement=row)
    row.refresh_from_db()
    assert row.status == StatementStatus.SENT
    with pytest.raises(services.NotRetryable):
        services.retry_now(statement=row)


def test_a_409_means_the_lrs_has_it_already(lrs, learner, course, lessons, run_on_commit):
    # The LRS stored a statement but its answer was lost: the same id comes again, the LRS answers 409 (the
    # stand-in does when the stored copy differs; here it does for the first of two statements).
    enrollment = learning_services.enroll(user=learner, course=course)
    learning_services.complete_lesson(enrollment=enrollment, lesson=lessons[0])
    first, *others = Statement.objects.order_by("pk")
    lrs.stored[str(first.statement_id)] = {**first.body, "timestamp": "2020-01-01T00:00:00+00:00"}

    run_on_commit(send_statements)
    # The batch was refused whole, then sent statement by statement: the others are stored, the first is through.
    assert [post.answered for post in lrs.posts] == [409, 409, 200, 200]
    assert set(Statement.objects.values_list("status", flat=True)) == {StatementStatus.SENT}
    assert all(str(row.statement_id) in lrs.stored for row in others)


def test_an_invalid_statement_fails_alone_and_the_rest_of_its_batch_is_sent(lrs, learner, course, lessons):
    enrollment = learning_services.enroll(user=learner, course=course)
    learning_services.complete_lesson(enrollment=enrollment, lesson=lessons[0])
    bad = Statement.objects.get(verb="progressed")
    bad.body["result"]["score"] = {"scaled": 2, "raw": 5, "min": 0, "max": 4}
    bad.save()

    send_statements()
    bad.refresh_from_db()
    assert (bad.status, bad.last_status_code) == (StatementStatus.FAILED, 400)
    assert "scaled" in bad.last_error
    assert Statement.objects.filter(status=StatementStatus.SENT).count() == 2
    assert str(bad.statement_id) not in lrs.stored

    assert [post.answered for post in lrs.posts] == [400, 200, 200, 400]  # the batch, then one by one
    send_statements()  # a failed statement is not retried by itself
    assert len(lrs.posts) == 4


def test_wrong_credentials_fail_without_retry(lrs, learner, course, run_on_commit, settings):
    settings.XAPI_LRS_SECRET = "wrong"
    enrol(run_on_commit, learner, course)
    row = Statement.objects.get()
    assert (row.status, row.last_status_code) == (StatementStatus.FAILED, 401)
    sweep_at(run_on_commit, timezone.now() + timedelta(hours=1))
    assert len(lrs.posts) == 1


def test_the_learner_works_on_while_the_lrs_is_down(
    settings, client, learner, course, lessons, run_on_commit, django_capture_on_commit_callbacks
):
    settings.XAPI_LRS_ENDPOINT = closed_port_url()
    enrollment = enrol(run_on_commit, learner, course)
    client.force_login(learner)
    # The sending task runs after the commit, in the request's thread here (tasks are eager in tests).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("learning:complete_lesson", args=(lessons[0].pk,)), headers=HTMX)
    assert response.status_code == 200
    enrollment.refresh_from_db()
    assert enrollment.progress_percent > 0
    rows = Statement.objects.all()
    assert rows.count() == 3  # the registration before, the lesson completed, the course progressed
    assert all(row.status == StatementStatus.PENDING and row.next_attempt_at for row in rows)
    assert all("ConnectionError" in row.last_error for row in rows)


def test_a_broker_outage_leaves_the_rows_for_the_sweep(lrs, learner, course, lessons, run_on_commit, monkeypatch):
    # The task after the commit never ran (the broker took no message): beat's sweep sends what is due.
    monkeypatch.setattr(send_statements, "delay_on_commit", lambda *a, **k: None)
    enrollment = enrol(run_on_commit, learner, course)
    run_on_commit(learning_services.complete_lesson, enrollment=enrollment, lesson=lessons[0])
    assert lrs.posts == [] and Statement.objects.filter(status=StatementStatus.PENDING).count() == 3
    sweep_at(run_on_commit, timezone.now() + timedelta(seconds=1))
    assert len(lrs.stored) == 3 and len(lrs.posts) == 1


def test_two_senders_at_once_never_send_a_statement_twice(lrs, learner, course, lessons):
    enrollment = learning_services.enroll(user=learner, course=course)
    learning_services.complete_lesson(enrollment=enrollment, lesson=lessons[0])
    now = timezone.now()
    first = services._claim(now)
    second = services._claim(now)  # another worker, while the first is sending
    assert len(first) == 3 and second == []


def count_request_queries(client, lesson, django_assert_max_num_queries):
    with django_assert_max_num_queries(1000) as captured:
        response = client.post(reverse("learning:complete_lesson", args=(lesson.pk,)), headers=HTMX)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_learners_request_costs_a_constant_few_queries_more(
    settings, lrs, client, learner, course, lessons, django_assert_max_num_queries
):
    settings.XAPI_LRS_ENDPOINT = ""
    learning_services.enroll(user=learner, course=course)
    client.force_login(learner)
    count_request_queries(client, lessons[0], django_assert_max_num_queries)  # warms the caches
    off = count_request_queries(client, lessons[1], django_assert_max_num_queries)
    settings.XAPI_LRS_ENDPOINT = lrs.url
    on = count_request_queries(client, lessons[2], django_assert_max_num_queries)
    # The progress row's id and one insert of both statements; the pages' addresses come from Wagtail's cache.
    assert on - off <= 2, (off, on)
    assert Statement.objects.filter(user=learner).count() == 2


def test_the_validator_refuses_what_xapi_forbids():
    good = {
        "id": "7d1b2c3a-1111-5222-8333-444455556666",
        "actor": {"objectType": "Agent", "account": {"homePage": "https://lms.example/", "name": "7"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/scored", "display": {"en-US": "scored"}},
        "object": {"objectType": "Activity", "id": "https://lms.example/quiz/"},
        "result": {"score": {"scaled": 0.5, "raw": 2, "min": 0, "max": 4}, "success": True, "completion": True},
        "timestamp": "2026-12-06T09:00:00+00:00",
    }
    assert statement_errors(good) == []
    broken = [
        {**good, "id": "not-a-uuid"},
        {**good, "actor": {**good["actor"], "mbox": "mailto:a@example.com"}},  # two identifiers
        {**good, "actor": {"objectType": "Agent", "name": "No identifier"}},
        {**good, "verb": {"id": "scored", "display": {"en-US": "scored"}}},  # not absolute
        {**good, "verb": {"id": good["verb"]["id"], "display": "scored"}},  # not a language map
        {**good, "object": {"id": "/quiz/"}},
        {**good, "result": {"score": {"scaled": 1.5}}},
        {**good, "result": {"score": {"raw": 5, "min": 0, "max": 4}}},
        {**good, "result": {"success": "yes"}},
        {**good, "timestamp": "yesterday"},
        {**good, "timestamp": "2026-12-06T09:00:00"},  # no time zone
        {**good, "stored": "2026-12-06T09:00:00+00:00"},
        {**good, "colour": "blue"},
    ]
    for statement in broken:
        assert statement_errors(statement), statement
