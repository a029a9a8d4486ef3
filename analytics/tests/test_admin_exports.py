"""Starting an export from the dashboard in the admin and watching it there: the panel that polls while a worker
builds the file, then offers the download and starts it by itself (analytics.admin_views)."""

from datetime import UTC, datetime, timedelta

import lxml.html
import pytest
import time_machine
from django.urls import reverse

from accounts.tests.factories import UserFactory
from analytics import services, tasks
from analytics.models import ExportJob, ExportStatus

from .export_samples import YEAR_2026, two_trainers_courses

START_URL = "/admin/analytics/exports/"
HTMX = {"HTTP_HX_REQUEST": "true"}
NOON = datetime(2026, 11, 25, 12, tzinfo=UTC)


@pytest.fixture
def courses(catalogue, trainer, other_trainer):
    return two_trainers_courses(catalogue, trainer, other_trainer)


def start(client, django_capture_on_commit_callbacks, format="xlsx", headers=None, execute=True, **fields):  # noqa: A002
    data = {"start": "2026-01-01", "end": "2026-12-31", "format": format, **fields}
    with django_capture_on_commit_callbacks(execute=execute):
        return client.post(START_URL, data, **(headers or {}))


def status_url(job: ExportJob) -> str:
    return reverse("analytics_admin:export_status", args=[job.pk])


def running_job(user, progress=40) -> ExportJob:
    return ExportJob.objects.create(
        requested_by=user,
        format="pdf",
        filters=services.filters_to_json(YEAR_2026),
        status="running",
        progress=progress,
    )


@pytest.fixture
def done_job(run_on_commit, trainer, courses):
    job = run_on_commit(services.request_export, user=trainer, filters=YEAR_2026, format="xlsx")
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    return job


def test_urls():
    assert reverse("analytics_admin:export_start") == START_URL
    assert reverse("analytics_admin:export_status", args=[7]) == "/admin/analytics/exports/7/"


# --- Starting ---------------------------------------------------------------------------------------------------


def test_without_javascript_a_trainer_starts_an_export_and_lands_on_its_admin_page(
    client, django_capture_on_commit_callbacks, trainer, courses
):
    client.force_login(trainer)
    response = start(client, django_capture_on_commit_callbacks, "xlsx")

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == status_url(job)
    assert (job.requested_by, job.format, job.status) == (trainer, "xlsx", ExportStatus.DONE)
    assert job.filters["start"] == "2026-01-01" and job.filters["end"] == "2026-12-31"
    page = client.get(status_url(job)).content.decode()
    assert "wagtailadmin" in page  # inside the admin, with its menu
    assert "Your export is ready." in page and "data-auto-download" not in page


def test_the_filters_of_the_dashboard_travel_with_the_export(
    client, django_capture_on_commit_callbacks, admin_user, courses
):
    own, _ = courses
    client.force_login(admin_user)
    start(client, django_capture_on_commit_callbacks, "csv", course=[own.pk], start="2026-02-01", end="2026-02-28")

    job = ExportJob.objects.get()
    assert job.filters["course_ids"] == [own.pk]
    assert (job.filters["start"], job.filters["end"]) == ("2026-02-01", "2026-02-28")


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["form", "htmx"])
def test_bad_filters_are_refused_with_the_forms_message(
    client, django_capture_on_commit_callbacks, trainer, courses, headers
):
    client.force_login(trainer)
    response = start(client, django_capture_on_commit_callbacks, "csv", headers, start="2026-12-31", end="2026-01-01")

    assert response.status_code == 400
    assert "The end date must be on or after the start date" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_a_trainer_cannot_pick_another_trainers_course(client, django_capture_on_commit_callbacks, trainer, courses):
    _, other = courses
    client.force_login(trainer)
    response = start(client, django_capture_on_commit_callbacks, "csv", HTMX, course=[other.pk])

    assert response.status_code == 400
    assert "not a course you can see" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_an_unknown_format_is_refused(client, django_capture_on_commit_callbacks, trainer):
    client.force_login(trainer)
    response = start(client, django_capture_on_commit_callbacks, "exe", HTMX)

    assert response.status_code == 400
    assert "Choose an export format" in response.content.decode()
    assert 'role="alert"' in response.content.decode()


def test_learners_may_not_export(client, django_capture_on_commit_callbacks, learner):
    client.force_login(learner)
    response = start(client, django_capture_on_commit_callbacks, "csv")

    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]  # no admin for learners
    assert not ExportJob.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.post(START_URL, {"format": "csv"})
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


def test_get_is_not_allowed(client, trainer):
    client.force_login(trainer)
    assert client.get(START_URL).status_code == 405


def test_an_htmx_start_answers_with_a_waiting_panel_while_the_worker_has_not_started(
    client, django_capture_on_commit_callbacks, trainer, courses
):
    client.force_login(trainer)
    # The task is queued on commit and nothing runs it yet, as with a worker that has not picked it up.
    response = start(client, django_capture_on_commit_callbacks, "csv", HTMX, execute=False)

    body = response.content.decode()
    job = ExportJob.objects.get()
    assert response.status_code == 200
    assert "<html" not in body
    tree = lxml.html.fragment_fromstring(body, create_parent="div")
    (panel,) = tree.xpath("//section")
    assert panel.get("id") == f"export-job-{job.pk}"
    assert (panel.get("hx-get"), panel.get("hx-trigger"), panel.get("data-status")) == (
        status_url(job),
        "every 1s",
        "queued",
    )
    (bar,) = panel.xpath(".//progress")
    assert bar.get("value") is None  # waiting: no progress to claim yet
    assert "Waiting for a worker" in body
    (status,) = tree.xpath('//p[@id="analytics-status"]')
    assert status.get("hx-swap-oob") == "true" and "has started" in status.text_content()


def test_the_dashboards_export_form_posts_to_the_admin_and_shows_the_panel_above_the_report(
    client, admin_user, courses
):
    client.force_login(admin_user)
    tree = lxml.html.fromstring(client.get(reverse("analytics_admin:dashboard")).content.decode())
    (form,) = tree.xpath('//form[contains(@class, "analytics-exports")]')
    assert form.get("action") == START_URL and form.get("hx-post") == START_URL
    assert (form.get("hx-target"), form.get("hx-swap")) == ("#analytics-export-jobs", "afterbegin")
    # The panels' place is outside the report region, so changing the filters does not drop a running export.
    (jobs,) = tree.xpath('//*[@id="analytics-export-jobs"]')
    assert not jobs.xpath('ancestor::*[@id="analytics-report"]')
    assert tree.xpath('//script[contains(@src, "js/export-download.js")]')


# --- Watching it ------------------------------------------------------------------------------------------------


def test_a_running_export_polls_every_second_with_a_progress_bar(client, trainer):
    job = running_job(trainer, progress=40)
    client.force_login(trainer)

    page = client.get(status_url(job)).content.decode()
    assert "<html" in page and 'hx-trigger="every 1s"' in page
    partial = client.get(status_url(job), **HTMX)
    body = partial.content.decode()
    assert "<html" not in body
    assert 'hx-trigger="every 1s"' in body
    assert f'hx-get="{status_url(job)}"' in body
    assert '<progress id="export-progress-' in body and 'value="40"' in body
    assert "Being built: 40%" in body
    assert "Download" not in body and "analytics-status" not in body  # no announcement for every percent
    assert "private" in partial["Cache-Control"] and "HX-Request" in partial["Vary"]


def test_polling_stops_when_the_export_is_done_and_the_download_starts_by_itself(client, trainer):
    job = running_job(trainer)
    client.force_login(trainer)
    assert 'hx-trigger="every 1s"' in client.get(status_url(job), **HTMX).content.decode()

    tasks.build_export(job.pk)  # the worker finishes
    body = client.get(status_url(job), **HTMX).content.decode()
    assert "hx-trigger" not in body
    tree = lxml.html.fragment_fromstring(body, create_parent="div")
    (link,) = tree.xpath("//a[@data-auto-download]")
    assert link.get("href").startswith("/analytics/exports/download/")
    assert link.get("download") == "learnwell-report-2026-01-01_2026-12-31.pdf"
    assert "its download has started" in body
    assert "ready" in tree.xpath('//p[@id="analytics-status"]')[0].text_content()
    assert client.get(link.get("href")).status_code == 200


def test_an_export_no_worker_has_started_for_two_minutes_says_the_worker_may_be_stopped(client, trainer):
    with time_machine.travel(NOON, tick=False):
        job = running_job(trainer, progress=0)
        ExportJob.objects.filter(pk=job.pk).update(status="queued")
    client.force_login(trainer)
    with time_machine.travel(NOON + timedelta(minutes=1), tick=False):
        assert "No worker has started" not in client.get(status_url(job), **HTMX).content.decode()
    with time_machine.travel(NOON + timedelta(minutes=3), tick=False):
        body = client.get(status_url(job), **HTMX).content.decode()
    assert "No worker has started this export yet" in body
    assert 'hx-trigger="every 1s"' in body  # it keeps watching: a worker may still come


def test_a_failed_export_stops_polling_and_says_so(client, trainer):
    job = running_job(trainer)
    ExportJob.objects.filter(pk=job.pk).update(status="failed", error_message="The export could not be built.")
    client.force_login(trainer)
    body = client.get(status_url(job), **HTMX).content.decode()
    assert "hx-trigger" not in body
    assert "The export could not be built." in body
    assert "Download" not in body


def test_an_expired_export_says_so_without_a_link(client, done_job, trainer):
    client.force_login(trainer)
    with time_machine.travel(done_job.expires_at + timedelta(seconds=1), tick=False):
        tasks.delete_expired_exports()
        body = client.get(status_url(done_job)).content.decode()
    assert "This export has expired" in body
    assert "/analytics/exports/download/" not in body


@pytest.mark.parametrize("who", ["trainer", "admin"])
def test_nobody_else_sees_an_exports_page(who, client, done_job):
    client.force_login(UserFactory(role=who))
    assert client.get(status_url(done_job)).status_code == 404
    assert client.get(status_url(done_job), **HTMX).status_code == 404


def test_status_page_of_a_missing_job_is_404(client, trainer):
    client.force_login(trainer)
    assert client.get(reverse("analytics_admin:export_status", args=[999])).status_code == 404


def test_the_exports_page_hands_out_a_fresh_link_after_the_first_expired(client, run_on_commit, trainer, courses):
    with time_machine.travel(NOON, tick=False):
        job = run_on_commit(services.request_export, user=trainer, filters=YEAR_2026, format="csv")
    client.force_login(trainer)
    with time_machine.travel(NOON + timedelta(minutes=61), tick=False):
        fresh = client.get(status_url(job)).context["download_url"]
        assert client.get(fresh).status_code == 200
