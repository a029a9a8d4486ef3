"""Admins read the statements and send a failed one again; trainers and learners reach none of it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from xapi import services
from xapi.models import Statement, StatementStatus

pytestmark = pytest.mark.django_db
STATEMENTS = reverse("xapi_statements:index")


def statement_for(user, key, **fields) -> Statement:
    now = timezone.now()
    statement_id = services.statement_id(key)
    body = {
        "id": str(statement_id),
        "actor": {"objectType": "Agent", "account": {"homePage": "http://testserver/", "name": str(user.pk)}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
        "object": {"objectType": "Activity", "id": "http://testserver/course/"},
        "timestamp": now.isoformat(),
    }
    fields.setdefault("give_up_at", now - timedelta(hours=1))
    return Statement.objects.create(
        statement_id=statement_id, key=key, verb="completed", user=user, body=body, created_at=now, **fields
    )


@pytest.fixture
def failed(learner):
    return statement_for(learner, "course-completed:1", status=StatementStatus.FAILED, attempts=9, last_status_code=500)


def pages(statement):
    return [
        STATEMENTS,
        reverse("xapi_statements:inspect", args=[statement.pk]),
        reverse("xapi_statements:retry", args=[statement.pk]),
    ]


def test_the_log_lists_filters_and_offers_to_send_a_failed_statement_again(
    admin_client, learner, failed, django_assert_max_num_queries
):
    sent = statement_for(learner, "course-completed:2", status=StatementStatus.SENT, attempts=1)
    for n in range(5):
        statement_for(learner, f"lesson-completed:{n}", status=StatementStatus.SENT)
    with django_assert_max_num_queries(30):
        response = admin_client.get(STATEMENTS)
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("xapi_statements:retry", args=[failed.pk]) in html
    assert reverse("xapi_statements:retry", args=[sent.pk]) not in html
    filtered = admin_client.get(STATEMENTS, {"status": "failed"})
    assert [s.pk for s in filtered.context["object_list"]] == [failed.pk]
    inspect = admin_client.get(reverse("xapi_statements:inspect", args=[failed.pk]))
    assert inspect.status_code == 200 and str(failed.statement_id) in inspect.content.decode()


def test_send_again_delivers_a_failed_statement(admin_client, lrs, failed, run_on_commit):
    retry = reverse("xapi_statements:retry", args=[failed.pk])
    assert admin_client.get(retry).status_code == 200
    response = run_on_commit(admin_client.post, retry)
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (StatementStatus.SENT, 10)
    assert list(lrs.stored) == [str(failed.statement_id)]


def test_a_sent_statement_is_not_sent_again(admin_client, lrs, learner, run_on_commit):
    sent = statement_for(learner, "course-completed:3", status=StatementStatus.SENT)
    response = run_on_commit(admin_client.post, reverse("xapi_statements:retry", args=[sent.pk]))
    assert response.status_code == 409
    assert lrs.posts == []


def test_nothing_is_sent_again_while_no_lrs_is_configured(admin_client, failed, settings):
    settings.XAPI_LRS_ENDPOINT = ""
    assert admin_client.post(reverse("xapi_statements:retry", args=[failed.pk])).status_code == 409
    failed.refresh_from_db()
    assert failed.status == StatementStatus.FAILED


def test_trainers_are_refused_and_learners_sent_to_sign_in(client, trainer, learner, failed, lrs):
    client.force_login(trainer)
    assert STATEMENTS not in client.get(reverse("wagtailadmin_home")).content.decode()
    for page in pages(failed):
        assert client.get(page)["Location"] == reverse("wagtailadmin_home"), page
        assert client.post(page).status_code == 302
    client.force_login(learner)
    for page in pages(failed):
        assert client.get(page)["Location"].startswith(reverse("accounts:sign_in")), page
    failed.refresh_from_db()
    assert failed.status == StatementStatus.FAILED and lrs.posts == []


def test_an_unknown_or_hostile_id_is_a_404(admin_client):
    assert admin_client.get("/admin/xapi/statements/inspect/999999/").status_code == 404
    assert admin_client.get("/admin/xapi/statements/retry/99999999999999999999999/").status_code == 404
