"""The analytics dashboard in the Wagtail admin: filters, KPI cards, charts with their numbers, and tables.

One view serves the page and, on an HTMX request from the filter form, only the report region
(`analytics/dashboard.html#report`); without JavaScript the form submits and the whole page comes back.
"""

from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from lms_site.formatting import format_value

from . import charts, kpis, selectors
from .forms import FilterForm
from .report import Column, Report, Table

EXPORT_FORMATS = [("csv", "CSV"), ("xlsx", "Excel (XLSX)"), ("docx", "Word (DOCX)"), ("pdf", "PDF")]
NUMERIC_KINDS = {"int", "percent", "money", "number"}


def format_cell(value, column: Column, row: dict) -> str:
    """A table value as it reads: money in its row's currency, percentages with one decimal, dates as days."""
    if column.kind == "date" and isinstance(value, date | datetime):
        return f"{value:%d %b %Y}"
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
        report = kpis.build_report(filters=form.filters(), viewer=request.user)
        context.update(
            report_context(report), export_url=reverse("analytics:export_start"), export_fields=form.as_query()
        )
        status = 200
    else:
        status = 400  # the report region shows what to correct
    template = "analytics/dashboard.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#report"
    return TemplateResponse(request, template, context, status=status)
