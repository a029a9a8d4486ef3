"""The write side of analytics: report exports (asked for, built by a task, downloaded once signed, expired)
and the weekly summary e-mail's once-per-week claim."""

import logging
import tempfile
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from lms_site.i18n import speaking_to
from lms_site.replicas import replica_reads

from . import exports
from .models import ExportFormat, ExportJob, ExportStatus, WeeklySummary
from .report import Filters
from .selectors import can_see_analytics

logger = logging.getLogger(__name__)
DOWNLOAD_SALT = "analytics.export.download"
SPOOL_BYTES = 8 * 1024 * 1024  # an export up to this size is built in memory, a bigger one in a temporary file


class ExportError(Exception):
    """An export rule was broken; the message is for the person, status_code for the response."""

    status_code = 400


class NotAllowed(ExportError):
    status_code = 403


class NotFound(ExportError):
    status_code = 404


class LinkExpired(ExportError):
    status_code = 410


class NotReady(ExportError):
    status_code = 409


def filters_to_json(filters: Filters) -> dict[str, Any]:
    data = asdict(filters)
    data["start"], data["end"] = filters.start.isoformat(), filters.end.isoformat()
    data["course_ids"] = list(filters.course_ids)
    return data


def filters_from_json(data: dict[str, Any]) -> Filters:
    return Filters(
        start=date.fromisoformat(data["start"]),
        end=date.fromisoformat(data["end"]),
        course_ids=tuple(int(pk) for pk in data.get("course_ids") or ()),
        category_id=data.get("category_id"),
        trainer_id=data.get("trainer_id"),
    )


def request_export(*, user: User | AnonymousUser, filters: Filters, format: str) -> ExportJob:  # noqa: A002 - the user's word for it
    """Records an export of the report `user` sees with `filters`, and has a task build it once this commits."""
    from .tasks import build_export  # Imported here because tasks imports this module.

    if not can_see_analytics(user):
        raise NotAllowed(_("Exports of analytics are for trainers and admins."))
    if format not in ExportFormat.values:
        choices = ", ".join(choice.upper() for choice in ExportFormat.values)
        raise ExportError(_("Choose an export format: %(choices)s.") % {"choices": choices})
    with transaction.atomic():
        job = ExportJob.objects.create(requested_by=user, format=format, filters=filters_to_json(filters))
        build_export.delay_on_commit(job.pk)
    return job


def _set_progress(job: ExportJob, percent: int) -> None:
    # Outside any transaction, so the page polling the job sees it move.
    percent = max(0, min(100, int(percent)))
    if percent > job.progress:
        job.progress = percent
        ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(progress=percent)


def build_export(*, job: ExportJob, now: datetime | None = None) -> ExportJob:
    """Builds the report the requester saw (their own scope: build_report(viewer=requester)), renders it and
    stores the file. Idempotent: a finished job is left as it is, and of two deliveries of the same task only
    the first to finish stores its file.
    """
    claimed = ExportJob.objects.filter(pk=job.pk, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]).update(
        status=ExportStatus.RUNNING, progress=5
    )
    job = ExportJob.objects.select_related("requested_by").get(pk=job.pk)
    if not claimed:
        return job  # done or failed already: a retry or a duplicate delivery changes nothing
    export_type = exports.EXPORT_TYPES[job.format]
    # Built away from any request: headers, KPI names and a failure's message speak the requester's language.
    with speaking_to(job.requested_by):
        _build(job, export_type, now=now)
    job.refresh_from_db()
    return job


def _build(job: ExportJob, export_type: exports.ExportType, *, now: datetime | None) -> None:
    try:
        if not can_see_analytics(job.requested_by):
            raise NotAllowed(_("You may no longer export analytics."))
        filters = filters_from_json(job.filters)
        from . import kpis  # pandas: only the documents worker that builds exports loads it

        # The job row, claimed above, is all this task wrote, and the report does not read it: the report's
        # queries stay on a replica (ADR 0025).
        with replica_reads(ignore_own_writes=True):
            report = kpis.build_report(filters=filters, viewer=job.requested_by)
        _set_progress(job, 30)
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            export_type.write(report, spool, progress=lambda fraction: _set_progress(job, 30 + fraction * 65))
            spool.seek(0)
            _store(job, spool, exports.export_filename(filters, export_type.extension), now=now)
    except Exception as error:
        logger.exception("Export %s failed", job.pk)
        message = str(error) if isinstance(error, ExportError) else _("The export could not be built. Try again.")
        ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(
            status=ExportStatus.FAILED, error_message=message[:500], finished_at=timezone.now()
        )


def _store(job: ExportJob, content: IO[bytes], filename: str, *, now: datetime | None) -> None:
    now = now or timezone.now()
    storage = job.file.storage
    # The job id in the path keeps two exports of the same period apart; the file name is what people see.
    name = storage.save(f"{job.pk}/{filename}", File(content, name=filename))
    with transaction.atomic():
        locked = ExportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != ExportStatus.RUNNING:  # another delivery finished first: keep its file
            transaction.on_commit(lambda: storage.delete(name))
            return
        locked.file.name = name
        locked.status = ExportStatus.DONE
        locked.progress = 100
        locked.finished_at = now
        locked.expires_at = now + timedelta(seconds=settings.ANALYTICS_EXPORT_FILE_MAX_AGE)
        locked.error_message = ""
        locked.save(update_fields=["file", "status", "progress", "finished_at", "expires_at", "error_message"])


def job_for_requester(*, job_id: int, user: User | AnonymousUser) -> ExportJob:
    """The job, if `user` asked for it; anyone else (admins too) is told it does not exist."""
    job = ExportJob.objects.filter(pk=job_id, requested_by_id=getattr(user, "pk", None)).first()
    if job is None or not can_see_analytics(user):
        raise NotFound(_("There is no such export of yours."))
    return job


def download_token(*, job: ExportJob, user: User) -> str:
    """A link token bound to one export and one person; it expires (ANALYTICS_EXPORT_LINK_MAX_AGE)."""
    return signing.dumps([job.pk, user.pk], salt=DOWNLOAD_SALT, compress=True)


def job_for_download(*, token: str, user: User | AnonymousUser, now: datetime | None = None) -> ExportJob:
    """The export a download link names, if the link is intact and fresh, `user` asked for it and it is ready."""
    try:
        job_id, user_id = signing.loads(token, salt=DOWNLOAD_SALT, max_age=settings.ANALYTICS_EXPORT_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise LinkExpired(
            _("This download link has expired. Open the export's page for a fresh link, or start a new export.")
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise NotAllowed(_("This download link is not valid.")) from None
    if user_id != user.pk:
        raise NotAllowed(_("This download link was made for someone else."))
    job = job_for_requester(job_id=job_id, user=user)
    if job.status != ExportStatus.DONE:
        raise NotReady(_("This export is not ready yet."))
    if job.is_expired(now) or not job.file.name:
        raise LinkExpired(_("This export has expired and its file was deleted. Start a new export from the dashboard."))
    return job


def download_filename(job: ExportJob) -> str:
    return exports.export_filename(filters_from_json(job.filters), exports.EXPORT_TYPES[job.format].extension)


def content_type(job: ExportJob) -> str:
    return exports.EXPORT_TYPES[job.format].content_type


def delete_expired_exports(*, now: datetime | None = None) -> int:
    """Deletes the files of exports past their expiry; the rows stay (who exported what, and when)."""
    now = now or timezone.now()
    deleted = 0
    expired = ExportJob.objects.filter(expires_at__lte=now).exclude(file="")
    for job in expired.only("pk", "file").iterator():
        job.file.storage.delete(job.file.name)  # a missing file is fine: deleting is idempotent
        deleted += ExportJob.objects.filter(pk=job.pk, file=job.file.name).update(file="")
    return deleted


# --- Weekly summary --------------------------------------------------------------------------------------------


def last_week(today: date) -> tuple[date, date]:
    """Monday to Sunday of the week before the one `today` is in."""
    monday = today - timedelta(days=today.weekday()) - timedelta(days=7)
    return monday, monday + timedelta(days=6)


def claim_weekly_summary(*, week_start: date, recipients: int) -> bool:
    """Records that the summary of the week starting `week_start` goes out: True for the one caller that should
    send it (the week start is unique), False for every later one."""
    try:
        with transaction.atomic():
            WeeklySummary.objects.create(week_start=week_start, recipients=recipients)
    except IntegrityError:
        return False
    return True
