"""Starting an export from the dashboard's filters, its progress page (htmx polling), and the signed download that
only the requester can use and that expires."""

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import signing
from django.urls import reverse
from openpyxl import load_workbook

from accounts.tests.factories import UserFactory
from analytics import services, tasks
from analytics.models import ExportJob, ExportStatus

from .export_samples import OTHER_COURSE, OWN_COURSE, YEAR_2026, two_trainers_courses

START_URL = "/analytics/exports/"
HTMX = {"HTTP_HX_REQUEST": "true"}
NOON = datetime(2026, 11, 25, 12, tzinfo=UTC)


@pytest.fixture
def courses(catalogue, trainer, other_trainer):
    return two_trainers_courses(catalogue, trainer, other_trainer)


def start(client, django_capture_on_commit_callbacks, format="xlsx", headers=None, **fields):  # noqa: A002
    data = {"start": "2026-01-01", "end": "2026-12-31", "format": format, **fields}
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(START_URL, data, **(headers or {}))


def status_url(job: ExportJob) -> str:
    return reverse("analytics:export_status", args=[job.pk])


def download_url(job: ExportJob, user) -> str:
    return reverse("analytics:export_download", args=[services.download_token(job=job, user=user)])


@pytest.fixture
def done_job(run_on_commit, trainer, courses):
    job = run_on_commit(services.request_export, user=trainer, filters=YEAR_2026, format="xlsx")
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    return job


def test_urls():
    assert reverse("analytics:export_start") == START_URL
    assert reverse("analytics:export_status", args=[7]) == "/analytics/exports/7/"
    assert reverse("analytics:export_download", args=["abc"]) == "/analytics/exports/download/abc/"


# --- Starting ---------------------------------------------------------------------------------------------------


def test_a_trainer_starts_an_export_and_lands_on_its_page(client, django_capture_on_commit_callbacks, trainer, courses):
    client.force_login(trainer)
    response = start(client, django_capture_on_commit_callbacks, "xlsx")

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == status_url(job)
    assert (job.requested_by, job.format, job.status) == (trainer, "xlsx", ExportStatus.DONE)
    assert job.filters["start"] == "2026-01-01" and job.filters["end"] == "2026-12-31"


def test_the_filters_of_the_dashboard_travel_with_the_export(
    client, django_capture_on_commit_callbacks, admin_user, courses
):
    own, _ = courses
    client.force_login(admin_user)
    start(client, django_capture_on_commit_callbacks, "csv", course=[own.pk], start="2026-02-01", end="2026-02-28")

    job = ExportJob.objects.get()
    assert job.filters["course_ids"] == [own.pk]
    assert (job.filters["start"], job.filters["end"]) == ("2026-02-01", "2026-02-28")


def test_bad_filters_are_refused_with_the_forms_message(client, django_capture_on_commit_callbacks, trainer, courses):
    client.force_login(trainer)
    response = start(client, django_capture_on_commit_callbacks, "csv", start="2026-12-31", end="2026-01-01")

    assert response.status_code == 400
    assert "The end date must be on or after the start date" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_a_trainer_cannot_pick_another_trainers_course(client, django_capture_on_commit_callbacks, trainer, courses):
    _, other = courses
    client.force_login(trainer)
    response = start(client, django_capture_on_commit_callbacks, "csv", course=[other.pk])

    assert response.status_code == 400
    assert "not a course you can see" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_an_unknown_format_is_refused(client, django_capture_on_commit_callbacks, trainer):
    client.force_login(trainer)
    response = start(client, django_capture_on_commit_callbacks, "exe")

    assert response.status_code == 400
    assert "Choose an export format" in response.content.decode()


def test_learners_may_not_export(client, django_capture_on_commit_callbacks, learner):
    client.force_login(learner)
    response = start(client, django_capture_on_commit_callbacks, "csv")

    assert response.status_code == 403
    assert not ExportJob.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.post(START_URL, {"format": "csv"})
    assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_get_is_not_allowed(client, trainer):
    client.force_login(trainer)
    assert client.get(START_URL).status_code == 405


def test_an_htmx_start_answers_with_the_job_panel(client, django_capture_on_commit_callbacks, trainer, courses):
    client.force_login(trainer)
    response = start(client, django_capture_on_commit_callbacks, "csv", headers=HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="export-job"')
    assert "<html" not in body
    # The task runs once the request's transaction commits: the panel answers while it waits, and polls.
    assert 'hx-trigger="every 1s"' in body
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.DONE
    assert "learnwell-report-2026-01-01_2026-12-31.csv" in client.get(status_url(job), **HTMX).content.decode()


def test_the_dashboards_export_form_posts_here(client, admin_user, courses):
    client.force_login(admin_user)
    body = client.get(reverse("analytics_admin:dashboard")).content.decode()
    assert f'action="{START_URL}"' in body
    assert 'name="format" value="pdf"' in body


# --- Status page ------------------------------------------------------------------------------------------------


def running_job(user, progress=40) -> ExportJob:
    return ExportJob.objects.create(
        requested_by=user,
        format="pdf",
        filters=services.filters_to_json(YEAR_2026),
        status="running",
        progress=progress,
    )


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
    assert 'role="progressbar"' in body and 'aria-valuenow="40"' in body
    assert "being built" in body
    assert "Download" not in body
    assert "private" in partial["Cache-Control"] and "HX-Request" in partial["Vary"]


def test_a_queued_export_polls_too(client, trainer):
    job = running_job(trainer, progress=0)
    ExportJob.objects.filter(pk=job.pk).update(status="queued")
    client.force_login(trainer)
    body = client.get(status_url(job), **HTMX).content.decode()
    assert 'hx-trigger="every 1s"' in body and "waiting to start" in body


def test_polling_stops_when_the_export_is_done_and_a_download_link_appears(client, trainer):
    job = running_job(trainer)
    client.force_login(trainer)
    assert 'hx-trigger="every 1s"' in client.get(status_url(job), **HTMX).content.decode()

    tasks.build_export(job.pk)  # the worker finishes
    body = client.get(status_url(job), **HTMX).content.decode()
    assert "hx-trigger" not in body
    assert "Your export is ready" in body
    assert "/analytics/exports/download/" in body
    assert "learnwell-report-2026-01-01_2026-12-31.pdf" in body


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


@pytest.mark.parametrize("who", ["learner", "trainer", "admin"])
def test_nobody_else_sees_an_exports_page(who, client, done_job):
    client.force_login(UserFactory(role=who))
    assert client.get(status_url(done_job)).status_code == 404
    assert client.get(status_url(done_job), **HTMX).status_code == 404


def test_status_page_of_a_missing_job_is_404(client, trainer):
    client.force_login(trainer)
    assert client.get(reverse("analytics:export_status", args=[999])).status_code == 404


# --- Download ---------------------------------------------------------------------------------------------------


def test_the_requester_downloads_the_file(client, done_job, trainer):
    client.force_login(trainer)
    response = client.get(download_url(done_job, trainer))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == ('attachment; filename="learnwell-report-2026-01-01_2026-12-31.xlsx"')
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = [str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert OWN_COURSE in cells
    assert OTHER_COURSE not in cells, "the trainer's own courses only"


@pytest.mark.parametrize(
    ("export_format", "content_type"),
    [("csv", "text/csv; charset=utf-8"), ("pdf", "application/pdf"),
     ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")],
)  # fmt: skip
def test_each_format_has_its_content_type_and_extension(export_format, content_type, client, run_on_commit, trainer):
    job = run_on_commit(services.request_export, user=trainer, filters=YEAR_2026, format=export_format)
    client.force_login(trainer)
    response = client.get(download_url(job, trainer))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].endswith(f'.{export_format}"')


@pytest.mark.parametrize("who", ["learner", "trainer", "admin"])
def test_nobody_else_can_use_the_link_or_one_made_for_themselves(who, client, done_job, trainer):
    intruder = UserFactory(role=who)
    client.force_login(intruder)

    with_owners_link = client.get(download_url(done_job, trainer))
    assert with_owners_link.status_code == 403
    assert "made for someone else" in with_owners_link.content.decode()
    assert client.get(download_url(done_job, intruder)).status_code == 404


def test_a_tampered_link_is_refused(client, done_job, trainer):
    client.force_login(trainer)
    token = services.download_token(job=done_job, user=trainer)
    unsalted = signing.dumps([done_job.pk, trainer.pk], compress=True)
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), unsalted, "nonsense"):
        assert client.get(reverse("analytics:export_download", args=[bad])).status_code == 403


def test_anonymous_download_is_sent_to_sign_in(client, done_job, trainer):
    response = client.get(download_url(done_job, trainer))
    assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_the_link_expires_after_an_hour_and_says_so(client, run_on_commit, trainer, courses):
    with time_machine.travel(NOON, tick=False):
        job = run_on_commit(services.request_export, user=trainer, filters=YEAR_2026, format="csv")
        url = download_url(job, trainer)
    client.force_login(trainer)

    with time_machine.travel(NOON + timedelta(minutes=59), tick=False):
        assert client.get(url).status_code == 200
    with time_machine.travel(NOON + timedelta(minutes=61), tick=False):
        response = client.get(url)
        assert response.status_code == 410
        assert "This download link has expired" in response.content.decode()
        # The export's page hands out a fresh link while the file lasts.
        fresh = client.get(status_url(job)).context["download_url"]
        assert client.get(fresh).status_code == 200


def test_the_file_expires_after_a_day_and_says_so(client, run_on_commit, trainer, courses):
    with time_machine.travel(NOON, tick=False):
        job = run_on_commit(services.request_export, user=trainer, filters=YEAR_2026, format="csv")
    client.force_login(trainer)

    with time_machine.travel(NOON + timedelta(hours=24, minutes=1), tick=False):
        url = download_url(job, trainer)  # a fresh link, but the file is past its day
        response = client.get(url)
        assert response.status_code == 410
        assert "This export has expired" in response.content.decode()
        tasks.delete_expired_exports()
        assert client.get(url).status_code == 410


def test_a_link_to_an_unfinished_export_is_refused(client, trainer):
    job = running_job(trainer)
    client.force_login(trainer)
    response = client.get(download_url(job, trainer))
    assert response.status_code == 409
    assert "not ready" in response.content.decode()
