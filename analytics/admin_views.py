"""The analytics dashboard in the Wagtail admin: filters, KPI cards, charts with their numbers, and tables; and
the exports started from it.

One view serves the page and, on an HTMX request from the filter form, only the report region
(`analytics/dashboard.html#report`); without JavaScript the form submits and the whole page comes back.

An export is asked for from the dashboard and watched there: its panel appears above the report, shows the
progress while a worker builds the file, and offers the download (which starts by itself) when it is done.
Without JavaScript the export's own admin page does the same on reload. Only the person who asked for an
export sees it (anyone else, admins included, is told it does not exist).
"""

from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from lms_site.formatting import format_value
from lms_site.htmx import personal

from . import charts, selectors, services
from .forms import FilterForm, filters_query
from .models import ExportJob, ExportStatus
from .report import Column, Report, Table

EXPORT_FORMATS = [("csv", "CSV"), ("xlsx", _("Excel (XLSX)")), ("docx", _("Word (DOCX)")), ("pdf", "PDF")]
NUMERIC_KINDS = {"int", "percent", "money", "number"}


def format_cell(value, column: Column, row: dict) -> str:
    """A table value as it reads: money in its row's currency, percentages with one decimal, dates as days."""
    if column.kind == "date" and isinstance(value, date | datetime):
        return date_format(value, "d M Y")  # "05 Jan 2026", month abbreviated in the reader's language
    currency = row.get("currency") or settings.LMS_DEFAULT_CURRENCY
    return format_value(value, column.kind, currency)


def table_context(table: Table) -> dict:
    """A Table ready for the template: display strings, and which columns are numbers (aligned right)."""
    numeric = [column.kind in NUMERIC_KINDS for column in table.columns]
    return {
        "table": table,
        "headers": list(zip(table.columns, numeric, strict=True)),
        "rows": [
            [
                (format_cell(row.get(column.key), column, row), is_number, row.get(column.key) is None)
                for column, is_number in zip(table.columns, numeric, strict=True)
            ]
            for row in table.rows
        ],
    }


def chart_context(series) -> dict:
    return {
        "series": series,
        # render_svg escapes every text it takes from the series.
        "svg": mark_safe(charts.render_svg(series)),  # noqa: S308
        "numbers": charts.series_table(series),
    }


def report_context(report: Report) -> dict:
    return {
        "report": report,
        "charts": [chart_context(series) for series in report.charts],
        "tables": [table_context(table) for table in report.tables],
    }


@require_GET
@vary_on_headers("HX-Request")  # the same URL answers with the page or the report region
def dashboard(request):
    if not selectors.can_see_analytics(request.user):
        raise PermissionDenied("Analytics are for trainers and admins.")
    form = FilterForm(request.GET, viewer=request.user)
    context = {"form": form, "dashboard_url": request.path, "export_url": None, "export_formats": EXPORT_FORMATS}
    if form.is_valid():
        # Imported here: kpis brings pandas, which a web worker should load only once someone opens a report.
        from . import kpis

        report = kpis.build_report(filters=form.filters(), viewer=request.user)
        context.update(
            report_context(report), export_url=reverse("analytics_admin:export_start"), export_fields=form.as_query()
        )
        status = 200
    else:
        status = 400  # the report region shows what to correct
    template = "analytics/dashboard.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#report"
    return TemplateResponse(request, template, context, status=status)


# Exports ------------------------------------------------------------------------------------------------------

EXPORT_TEMPLATE = "analytics/exports/admin_job.html"
# A queued export no worker has started after this long is said to be stuck: the worker may be down.
EXPORT_STALLED_AFTER = timedelta(minutes=2)


def _dashboard_url(job: ExportJob | None = None) -> str:
    url = reverse("analytics_admin:dashboard")
    if job is None:
        return url
    return f"{url}?{urlencode(filters_query(services.filters_from_json(job.filters)))}"


def _job_context(request, job: ExportJob) -> dict:
    download_url = None
    expired = job.status == ExportStatus.DONE and (job.is_expired() or not job.file.name)
    if job.status == ExportStatus.DONE and not expired:
        token = services.download_token(job=job, user=request.user)
        download_url = reverse("analytics:export_download", args=[token])
    return {
        "job": job,
        "polling": job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING),
        "stalled": job.status == ExportStatus.QUEUED and timezone.now() - job.created_at > EXPORT_STALLED_AFTER,
        "expired": expired,
        "download_url": download_url,
        # A panel that was waiting on the dashboard (an htmx request) starts its download by itself, once;
        # the export's page opened later only offers the button.
        "auto_download": download_url is not None and bool(request.htmx),
        "filename": services.download_filename(job),
        "period": services.filters_from_json(job.filters),
        "dashboard_url": _dashboard_url(job),
        "announce": _announcement(request, job, download_url),
    }


def _announcement(request, job: ExportJob, download_url: str | None) -> str:
    """What a screen reader hears when a panel on the page changes: its start and its end, not every percent."""
    if not request.htmx:
        return ""
    if download_url:
        return gettext("Your export is ready and its download has started.")
    if job.status == ExportStatus.FAILED:
        return gettext("The export could not be built.")
    if request.method == "POST":
        return gettext("The export has started. It downloads when it is ready.")
    return ""


def _export_response(request, context: dict, *, status: int = 200):
    template = EXPORT_TEMPLATE
    if request.htmx and not request.htmx.history_restore_request:
        template += "#export-job"
    context.setdefault("dashboard_url", _dashboard_url())
    return personal(TemplateResponse(request, template, context, status=status))


def _form_message(form) -> str:
    errors = [error for field_errors in form.errors.values() for error in field_errors]
    return " ".join(str(error) for error in errors) or gettext("Check the filters and try again.")


@require_POST
def export_start(request):
    """Starts an export of the report the dashboard's filters select (the form's fields plus `format`)."""
    if not selectors.can_see_analytics(request.user):
        refusal = gettext("Exports of analytics are for trainers and admins.")
        return _export_response(request, {"error": refusal}, status=403)
    form = FilterForm(request.POST, viewer=request.user)
    if not form.is_valid():
        return _export_response(request, {"error": _form_message(form)}, status=400)
    try:
        job = services.request_export(user=request.user, filters=form.filters(), format=request.POST.get("format", ""))
    except services.ExportError as error:
        return _export_response(request, {"error": str(error)}, status=error.status_code)
    if not request.htmx:
        return redirect("analytics_admin:export_status", job_id=job.pk)
    job.refresh_from_db()  # with tasks run in-process (development) the export is already built
    return _export_response(request, _job_context(request, job))


@require_GET
def export_status(request, job_id: int):
    """The export's admin page; on htmx, its panel, which polls every second until the export is done or failed."""
    try:
        job = services.job_for_requester(job_id=job_id, user=request.user)
    except services.ExportError as error:
        return _export_response(request, {"error": str(error)}, status=error.status_code)
    return _export_response(request, _job_context(request, job))
