"""Export jobs (asked for, built by their task with progress, idempotent, scoped to the requester), the sweep of
expired export files, and the weekly summary e-mail (once per week, only when switched on)."""

import csv
import dataclasses
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.tests.factories import UserFactory
from analytics import exports, services, tasks
from analytics.models import ExportJob, ExportStatus, WeeklySummary
from analytics.report import Filters
from lms_site.celery import app

from .export_samples import OTHER_COURSE, OWN_COURSE, YEAR_2026, two_trainers_courses


@pytest.fixture
def courses(catalogue, trainer, other_trainer):
    return two_trainers_courses(catalogue, trainer, other_trainer)


def export(run_on_commit, user, format="csv", filters=YEAR_2026) -> ExportJob:  # noqa: A002
    job = run_on_commit(services.request_export, user=user, filters=filters, format=format)
    job.refresh_from_db()
    return job


def file_bytes(job: ExportJob) -> bytes:
    with job.file.storage.open(job.file.name, "rb") as stored:
        return stored.read()


def text_of(job: ExportJob) -> str:
    """Everything a person could read in the exported file, whatever its format."""
    data = file_bytes(job)
    if job.format == "csv":
        return "\n".join(",".join(row) for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    if job.format == "xlsx":
        workbook = load_workbook(io.BytesIO(data))
        return "\n".join(
            str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None
        )
    if job.format == "docx":
        document = Document(io.BytesIO(data))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return "\n".join([paragraph.text for paragraph in document.paragraphs] + cells)
    # A long name wraps in a narrow PDF column: compare words, not lines.
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


# --- Asking for an export ---------------------------------------------------------------------------------------


def test_an_export_is_built_by_its_task_once_the_request_commits(run_on_commit, trainer, courses):
    before = datetime.now(UTC)
    job = export(run_on_commit, trainer, "xlsx")

    assert job.status == ExportStatus.DONE
    assert job.progress == 100
    assert job.requested_by == trainer
    assert job.filters == {"start": "2026-01-01", "end": "2026-12-31", "course_ids": [], "category_id": None,
                           "trainer_id": None}  # fmt: skip
    assert job.file.name.endswith("/learnwell-report-2026-01-01_2026-12-31.xlsx")
    assert job.file.storage.exists(job.file.name)
    assert before <= job.finished_at <= datetime.now(UTC)
    assert job.expires_at == job.finished_at + timedelta(hours=24)
    assert job.error_message == ""


def test_nothing_is_enqueued_before_the_request_commits(django_capture_on_commit_callbacks, trainer, courses):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.request_export(user=trainer, filters=YEAR_2026, format="pdf")
    job.refresh_from_db()
    assert job.status == ExportStatus.QUEUED and job.progress == 0
    assert len(callbacks) == 1


@pytest.mark.parametrize("role", ["learner", "admin", "trainer"])
def test_only_admins_and_trainers_may_export(role, run_on_commit, db):
    user = UserFactory(role=role)
    if role == "learner":
        with pytest.raises(services.NotAllowed):
            services.request_export(user=user, filters=YEAR_2026, format="csv")
        assert not ExportJob.objects.exists()
    else:
        assert export(run_on_commit, user).status == ExportStatus.DONE


def test_banned_or_inactive_staff_may_not_export(trainer, admin_user):
    trainer.is_banned = True
    admin_user.is_active = False
    for user in (trainer, admin_user):
        with pytest.raises(services.NotAllowed):
            services.request_export(user=user, filters=YEAR_2026, format="csv")


def test_an_unknown_format_is_refused(trainer):
    with pytest.raises(services.ExportError, match="CSV, XLSX, DOCX, PDF") as refused:
        services.request_export(user=trainer, filters=YEAR_2026, format="exe")
    assert refused.value.status_code == 400
    assert not ExportJob.objects.exists()


def test_filters_round_trip_through_json():
    filters = Filters(start=date(2026, 2, 1), end=date(2026, 2, 28), course_ids=(3, 7), category_id=2, trainer_id=9)
    assert services.filters_from_json(services.filters_to_json(filters)) == filters


# --- Building it ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("format", ["csv", "xlsx", "docx", "pdf"])
def test_a_trainers_export_never_holds_another_trainers_course(format, run_on_commit, trainer, admin_user, courses):  # noqa: A002
    own = export(run_on_commit, trainer, format)
    everything = export(run_on_commit, admin_user, format)

    assert OWN_COURSE in text_of(own)
    assert OTHER_COURSE not in text_of(own)
    assert OWN_COURSE in text_of(everything) and OTHER_COURSE in text_of(everything)


def test_a_trainer_naming_another_trainers_course_in_the_filters_still_gets_only_their_own(
    run_on_commit, trainer, other_trainer, courses
):
    _, other = courses
    sneaky = Filters(start=YEAR_2026.start, end=YEAR_2026.end, course_ids=(other.pk,), trainer_id=other_trainer.pk)
    job = export(run_on_commit, trainer, "csv", sneaky)

    assert job.status == ExportStatus.DONE
    assert OTHER_COURSE not in text_of(job)


def test_the_export_is_the_report_the_requester_sees(run_on_commit, trainer, courses):
    from analytics import kpis

    job = export(run_on_commit, trainer, "csv")
    report = kpis.build_report(filters=YEAR_2026, viewer=trainer)
    expected = exports.to_csv(report).decode("utf-8-sig").splitlines()
    assert file_bytes(job).decode("utf-8-sig").splitlines() == expected


def test_progress_rises_in_steps_to_100(monkeypatch, trainer, courses):
    seen = []
    set_progress = services._set_progress

    def spy(job, percent):
        set_progress(job, percent)
        seen.append(ExportJob.objects.get(pk=job.pk).progress)

    monkeypatch.setattr(services, "_set_progress", spy)
    job = services.request_export(user=trainer, filters=YEAR_2026, format="xlsx")  # on-commit: not built yet
    job = services.build_export(job=job)

    assert job.status == ExportStatus.DONE and job.progress == 100
    assert seen[0] == 30, "after the report was computed"
    assert seen == sorted(seen) and len(seen) > 2
    assert all(30 <= percent <= 95 for percent in seen)


def test_a_retry_of_a_finished_job_changes_nothing(run_on_commit, monkeypatch, trainer, courses):
    job = export(run_on_commit, trainer, "csv")
    name, finished = job.file.name, job.finished_at
    # A second build would render again. The job looks its writer up in EXPORT_TYPES, so that is what to replace.
    refusing = dataclasses.replace(exports.EXPORT_TYPES["csv"], write=lambda *args, **kwargs: pytest.fail("rendered"))
    monkeypatch.setitem(exports.EXPORT_TYPES, "csv", refusing)

    assert tasks.build_export(job.pk) == ExportStatus.DONE
    job.refresh_from_db()
    assert (job.file.name, job.finished_at) == (name, finished)
    assert len(list(job.file.storage.listdir(name.split("/")[0])[1])) == 1


def test_a_job_that_a_dead_worker_left_running_is_built_by_the_retry(trainer, courses):
    job = ExportJob.objects.create(
        requested_by=trainer, format="csv", filters=services.filters_to_json(YEAR_2026), status="running", progress=40
    )
    assert tasks.build_export(job.pk) == ExportStatus.DONE


def test_a_failure_is_recorded_with_a_message_and_no_file(monkeypatch, trainer, courses):
    from analytics import kpis

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(kpis, "build_report", broken)
    job = services.request_export(user=trainer, filters=YEAR_2026, format="pdf")
    job = services.build_export(job=job)

    assert job.status == ExportStatus.FAILED
    assert job.error_message == "The export could not be built. Try again."
    assert "database" not in job.error_message
    assert not job.file
    assert job.finished_at is not None
    assert tasks.build_export(job.pk) == ExportStatus.FAILED, "a failed job stays failed: the person starts anew"


def test_a_requester_who_lost_the_trainer_role_gets_no_export(trainer, courses):
    job = services.request_export(user=trainer, filters=YEAR_2026, format="csv")
    trainer.role = "learner"
    trainer.save()
    job = services.build_export(job=job)
    assert job.status == ExportStatus.FAILED
    assert "no longer" in job.error_message
    assert not job.file


def test_the_task_for_a_deleted_job_does_nothing(db):
    assert tasks.build_export(123456) is None


# --- Expired files ----------------------------------------------------------------------------------------------


def test_the_beat_task_deletes_export_files_once_they_expire(run_on_commit, trainer, courses):
    with time_machine.travel(datetime(2026, 11, 2, 9, tzinfo=UTC), tick=False):
        old = export(run_on_commit, trainer, "csv")
    with time_machine.travel(datetime(2026, 11, 3, 8, tzinfo=UTC), tick=False):
        recent = export(run_on_commit, trainer, "pdf")
        storage = old.file.storage
        old_name = old.file.name

        assert tasks.delete_expired_exports() == 0, "23 hours old: kept"

    with time_machine.travel(datetime(2026, 11, 3, 9, 0, 1, tzinfo=UTC), tick=False):
        assert tasks.delete_expired_exports() == 1
        assert tasks.delete_expired_exports() == 0, "nothing twice"

    old.refresh_from_db()
    recent.refresh_from_db()
    assert not storage.exists(old_name)
    assert old.file.name == "" and old.status == ExportStatus.DONE
    assert storage.exists(recent.file.name)


def test_an_expired_file_already_missing_is_cleared_without_error(run_on_commit, trainer, courses):
    job = export(run_on_commit, trainer, "csv")
    job.file.storage.delete(job.file.name)
    ExportJob.objects.filter(pk=job.pk).update(expires_at=datetime(2020, 1, 1, tzinfo=UTC))

    assert services.delete_expired_exports() == 1
    job.refresh_from_db()
    assert not job.file


def test_the_beat_schedule_names_registered_tasks(settings):
    for entry in ("delete-expired-exports", "send-weekly-analytics-summary"):
        assert settings.CELERY_BEAT_SCHEDULE[entry]["task"] in app.tasks


# --- Weekly summary ---------------------------------------------------------------------------------------------


@pytest.fixture
def admins(db):
    return [UserFactory(role="admin", first_name="Ada", last_name="O'Brien"), UserFactory(role="admin")]


def send_summary(django_capture_on_commit_callbacks, today="2026-11-23"):
    with django_capture_on_commit_callbacks(execute=True):
        return tasks.send_weekly_summary(today)


def test_the_weekly_summary_is_off_unless_switched_on(settings, admins, mailoutbox, django_capture_on_commit_callbacks):
    settings.ANALYTICS_WEEKLY_SUMMARY = False
    assert send_summary(django_capture_on_commit_callbacks) == 0
    assert mailoutbox == []
    assert not WeeklySummary.objects.exists()


def test_the_weekly_summary_goes_to_each_active_admin_once_a_week(
    settings, admins, trainer, courses, mailoutbox, django_capture_on_commit_callbacks
):
    settings.ANALYTICS_WEEKLY_SUMMARY = True
    UserFactory(role="admin", is_active=False)
    UserFactory(role="admin", is_banned=True)

    assert send_summary(django_capture_on_commit_callbacks, "2026-11-23") == 2  # a Monday
    assert sorted(message.to[0] for message in mailoutbox) == sorted(admin.email for admin in admins)
    message = mailoutbox[0]
    assert message.subject == "Learnwell weekly summary: 16 Nov – 22 Nov 2026"
    assert "Hello Ada O'Brien," in message.body, "plain text, not HTML-escaped"
    assert "Monday 16 November to Sunday 22 November 2026" in message.body
    assert "Completion rate: " in message.body
    assert "Completion rate = " in message.body, "with the definitions"
    assert "http://testserver/admin/analytics/?start=2026-11-16&end=2026-11-22" in message.body
    assert all(len(message.to) == 1 for message in mailoutbox), "nobody sees the other admins' addresses"

    # Again the same week (a second beat, a retry, later that week): nothing more.
    assert send_summary(django_capture_on_commit_callbacks, "2026-11-23") == 0
    assert send_summary(django_capture_on_commit_callbacks, "2026-11-27") == 0
    assert len(mailoutbox) == 2
    assert WeeklySummary.objects.get().week_start == date(2026, 11, 16)

    # The next week has its own summary.
    assert send_summary(django_capture_on_commit_callbacks, "2026-11-30") == 2
    assert len(mailoutbox) == 4


def test_the_weekly_summary_has_the_figures_of_every_course(
    settings, admins, courses, mailoutbox, django_capture_on_commit_callbacks
):
    from analytics import kpis

    settings.ANALYTICS_WEEKLY_SUMMARY = True
    send_summary(django_capture_on_commit_callbacks, "2026-02-09")
    report = kpis.build_report(filters=Filters(start=date(2026, 2, 2), end=date(2026, 2, 8)), viewer=admins[0])

    body = mailoutbox[0].body
    assert report.scope_label.startswith("All courses")
    assert report.scope_label in body
    for kpi in report.kpis:
        assert f"{kpi.label}: {kpi.display}" in body


def test_a_week_is_not_claimed_when_building_the_summary_fails(
    settings, admins, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    from analytics import kpis

    settings.ANALYTICS_WEEKLY_SUMMARY = True
    monkeypatch.setattr(kpis, "build_report", lambda **kwargs: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        send_summary(django_capture_on_commit_callbacks)
    assert not WeeklySummary.objects.exists()
    monkeypatch.undo()

    assert send_summary(django_capture_on_commit_callbacks) == 2


def test_last_week_is_monday_to_sunday_before_this_week():
    assert services.last_week(date(2026, 11, 23)) == (date(2026, 11, 16), date(2026, 11, 22))  # Monday
    assert services.last_week(date(2026, 11, 29)) == (date(2026, 11, 16), date(2026, 11, 22))  # Sunday
    assert services.last_week(date(2026, 1, 1)) == (date(2025, 12, 22), date(2025, 12, 28))


def test_no_admin_no_summary(settings, mailoutbox, django_capture_on_commit_callbacks, db):
    settings.ANALYTICS_WEEKLY_SUMMARY = True
    assert send_summary(django_capture_on_commit_callbacks) == 0
    assert not WeeklySummary.objects.exists()
