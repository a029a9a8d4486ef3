"""The signed download of a finished export, which only the requester can use and which expires. Starting and
watching an export happen in the admin (test_admin_exports.py)."""

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

NOON = datetime(2026, 11, 25, 12, tzinfo=UTC)


@pytest.fixture
def courses(catalogue, trainer, other_trainer):
    return two_trainers_courses(catalogue, trainer, other_trainer)


def download_url(job: ExportJob, user) -> str:
    return reverse("analytics:export_download", args=[services.download_token(job=job, user=user)])


@pytest.fixture
def done_job(run_on_commit, trainer, courses):
    job = run_on_commit(services.request_export, user=trainer, filters=YEAR_2026, format="xlsx")
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    return job


def test_urls():
    assert reverse("analytics:export_download", args=["abc"]) == "/analytics/exports/download/abc/"


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


def test_with_nginx_the_requester_gets_an_x_accel_redirect_and_nobody_else_does(
    client, done_job, trainer, nginx_sends_private_files
):
    client.force_login(trainer)
    response = client.get(download_url(done_job, trainer))

    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/_private/{done_job.file.name}"
    assert (nginx_sends_private_files / done_job.file.name).is_file()
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="learnwell-report-2026-01-01_2026-12-31.xlsx"'
    assert "no-store" in response["Cache-Control"]
    client.force_login(UserFactory(role="admin"))
    refused = client.get(download_url(done_job, trainer))
    assert refused.status_code == 403 and "X-Accel-Redirect" not in refused
    client.logout()
    assert "X-Accel-Redirect" not in client.get(download_url(done_job, trainer))


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
        # The export's page hands out a fresh link while the file lasts (test_admin_exports.py).


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
    job = ExportJob.objects.create(
        requested_by=trainer, format="pdf", filters=services.filters_to_json(YEAR_2026), status="running", progress=40
    )
    client.force_login(trainer)
    response = client.get(download_url(job, trainer))
    assert response.status_code == 409
    assert "not ready" in response.content.decode()
