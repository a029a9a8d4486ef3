"""Report exports built outside the request, the sweep of expired export files, and the weekly summary e-mail."""

from datetime import date

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone

from accounts.models import Role, User
from accounts.tasks import send_account_email
from lms_site.i18n import speaking_to

from . import services
from .models import ExportJob
from .report import Filters


@shared_task
def build_export(job_id: int) -> str | None:
    """Idempotent: a retry or a duplicate delivery of a finished job changes nothing (services.build_export)."""
    job = ExportJob.objects.filter(pk=job_id).first()
    if job is None:
        return None
    return services.build_export(job=job).status


@shared_task
def delete_expired_exports() -> int:
    """Beat, hourly: export files live ANALYTICS_EXPORT_FILE_MAX_AGE, then they are deleted."""
    return services.delete_expired_exports()


def _render_text(name: str, context: dict) -> str:
    # Plain text: names like "O'Brien" or "Q&A" must not arrive HTML-escaped.
    # The DjangoTemplates backend's template wraps the engine's; the stubs know only the backend-neutral one.
    return get_template(name).template.render(Context(context, autoescape=False))  # type: ignore[attr-defined]


@shared_task
def send_weekly_summary(today: str | None = None) -> int:
    """Beat, Monday morning: last week's KPIs (Monday to Sunday, UTC) to every active admin, once per week.

    Does nothing unless settings.ANALYTICS_WEEKLY_SUMMARY is on. The figures are an admin's (every course).
    The week is claimed in the same transaction that queues the e-mails, so a run that fails before sending
    leaves the week unclaimed for the next run, and a second run finds it claimed and sends nothing.
    """
    if not settings.ANALYTICS_WEEKLY_SUMMARY:
        return 0
    day = date.fromisoformat(today) if today else timezone.localdate()
    start, end = services.last_week(day)
    admins = list(
        User.objects.filter(role=Role.ADMIN, is_active=True, is_banned=False).exclude(email="").order_by("pk")
    )
    if not admins:
        return 0
    from . import kpis  # pandas: loaded by the worker that sends the summary, never by a web worker

    # The figures are the same for every admin; their names, definitions and the e-mail's words are in each
    # admin's language, so the report is built once per language spoken among them.
    messages = []
    reports: dict[str, tuple[str, dict]] = {}
    for admin in admins:
        with speaking_to(admin) as language:
            if language not in reports:
                report = kpis.build_report(filters=Filters(start=start, end=end), viewer=admins[0])
                context = {
                    "report": report,
                    "start": start,
                    "end": end,
                    # Revenue KPIs repeat per currency with one definition: each definition is listed once.
                    "definitions": list(dict.fromkeys(kpi.definition for kpi in report.kpis)),
                    "site_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/"),
                }
                subject = "".join(_render_text("analytics/emails/weekly_summary_subject.txt", context).splitlines())
                reports[language] = (subject, context)
            subject, context = reports[language]
            body = _render_text("analytics/emails/weekly_summary.txt", {**context, "user": admin})
        messages.append((subject, body, admin.email))
    with transaction.atomic():
        if not services.claim_weekly_summary(week_start=start, recipients=len(admins)):
            return 0
        for subject, body, address in messages:
            # One message per admin: nobody sees the others' addresses.
            send_account_email.delay_on_commit(subject=subject, body=body, to=[address])
    return len(admins)
