"""What every export format shares: labels, the tables an export holds, how a typed value prints, progress.

Values in a Report are typed (Column.kind): percents are percentage points (42.5 means 42.5 %), money is a
Decimal in the row's `currency` (or the site's default), dates are dates, None means "not defined".
Spreadsheets get the typed values with number formats; the documents print them as the dashboard does
(lms_site.formatting).
"""

import io
import math
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy

from lms_site.formatting import CURRENCY_SYMBOLS, NOT_DEFINED, format_value

from .. import charts
from ..report import Column, Kpi, Report, Series, Table

Progress = Callable[[float], None] | None

TITLE = gettext_lazy("Learnwell analytics report")


def export_filename(report_or_filters, extension: str) -> str:
    """`learnwell-report-2026-01-01_2026-12-31.xlsx`: the period in the name, so downloads sort and never clash."""
    filters = getattr(report_or_filters, "filters", report_or_filters)
    return f"learnwell-report-{filters.start:%Y-%m-%d}_{filters.end:%Y-%m-%d}.{extension}"


def period_label(report: Report) -> str:
    # Django's date format, not strftime: month names in the language being spoken (strftime's are the C locale's).
    start, end = report.filters.start, report.filters.end
    return f"{date_format(start, 'j F Y')} – {date_format(end, 'j F Y')}"


def generated_label(moment: datetime | None = None) -> str:
    moment = timezone.localtime(moment or timezone.now())
    return f"{date_format(moment, 'j F Y, H:i')} {moment.tzname()}"


def _unit_kind(unit: str) -> tuple[str, str | None]:
    """A Series unit as a column kind and currency: "%" -> percent, a currency code -> money."""
    if unit == "%":
        return "percent", None
    if re.fullmatch(r"[A-Z]{3}", unit or ""):
        return "money", unit
    return "number", None


def series_as_table(series: Series) -> Table:
    """A chart's numbers as a typed table: a row per label, a column per line."""
    kind, currency = _unit_kind(series.unit)
    values = [as_number(value) for line in series.lines.values() for value in line]
    if kind == "number" and all(value is None or value.is_integer() for value in values):
        kind = "int"  # counts (enrolments, learners) print as counts
    names = list(series.lines)
    columns = [Column("label", charts.axis_name(series.labels), "text")]
    columns += [Column(f"line_{index}", name, kind) for index, name in enumerate(names)]
    rows = []
    for index, label in enumerate(series.labels):
        row: dict = {"label": label}
        for number, name in enumerate(names):
            line = series.lines[name]
            row[f"line_{number}"] = line[index] if index < len(line) else None
        if currency:
            row["currency"] = currency
        rows.append(row)
    return Table(key=series.key, title=series.title, columns=columns, rows=rows)


def chart_tables(report: Report) -> list[tuple[Series, Table | None]]:
    """Each chart with the table of its numbers, None where the report already has a table of that key."""
    table_keys = {table.key for table in report.tables}
    return [(series, None if series.key in table_keys else series_as_table(series)) for series in report.charts]


def all_tables(report: Report) -> list[Table]:
    """Every table an export holds: the report's tables, then the numbers of charts that have no table."""
    return [*report.tables, *(table for _, table in chart_tables(report) if table is not None)]


def cell_currency(row: dict, column: Column | None = None) -> str:
    """The currency of a money cell: the row's `currency`, else the one the column names ("Net revenue (USD)")."""
    if row.get("currency"):
        return row["currency"]
    if column is not None:
        named = named_currency(column.label) or named_currency(column.key.rsplit("_", 1)[-1].upper())
        if named:
            return named
    return settings.LMS_DEFAULT_CURRENCY


def named_currency(text: str) -> str | None:
    match = re.search(r"\(([A-Z]{3})\)\s*$", text) or re.fullmatch(r"([A-Z]{3})", text)
    return match.group(1) if match else None


def as_number(value) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def as_date(value):
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def display(value, kind: str, currency: str | None = None) -> str:
    """A cell as people read it, the way the dashboard prints it: "1,234", "42.5 %", "€1,234.00", "—"."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return NOT_DEFINED
    if kind == "text":
        return str(value)
    if kind == "date":
        value = as_date(value)
        return value.isoformat() if isinstance(value, date) else str(value)
    if as_number(value) is None:
        return str(value)
    if kind in ("percent", "money", "int", "number"):
        return format_value(value, kind, currency or settings.LMS_DEFAULT_CURRENCY)
    return str(value)


def kpi_kind(kpi: Kpi) -> str:
    """A KPI's kind for typed cells: declared on the Kpi if it says, else read off how it is displayed."""
    declared = getattr(kpi, "kind", None)
    if declared:
        return declared
    if kpi.display.rstrip().endswith("%"):
        return "percent"
    if isinstance(kpi.value, Decimal) or any(symbol in kpi.display for symbol in CURRENCY_SYMBOLS.values()):
        return "money"
    if isinstance(kpi.value, int) and not isinstance(kpi.value, bool):
        return "int"
    return "number"


def kpi_currency(kpi: Kpi) -> str:
    """A money KPI's currency: named in its label ("Net revenue (USD)"), else read off its display."""
    named = named_currency(kpi.label)
    if named:
        return named
    for code, symbol in CURRENCY_SYMBOLS.items():
        if symbol in kpi.display:
            return code
    match = re.search(r"\b([A-Z]{3})\b", kpi.display)
    return match.group(1) if match else settings.LMS_DEFAULT_CURRENCY


class Steps:
    """Turns "n of N rows written" into progress(fraction) calls, at most once per percent."""

    def __init__(self, progress: Progress, total: int):
        self.progress, self.total, self.done, self.reported = progress, max(total, 1), 0, -1

    def advance(self, count: int = 1) -> None:
        if self.progress is None:
            return
        self.done += count
        percent = min(100, self.done * 100 // self.total)
        if percent != self.reported:
            self.reported = percent
            self.progress(percent / 100)


def work_units(report: Report, *, per_chart: int = 0) -> int:
    return 1 + sum(len(table.rows) + 1 for table in all_tables(report)) + per_chart * len(report.charts)


def render_bytes(writer, report: Report, **kwargs) -> bytes:
    buffer = io.BytesIO()
    writer(report, buffer, **kwargs)
    return buffer.getvalue()


def chart_png(series: Series) -> bytes:
    """The chart as the dashboard draws it, as a PNG (analytics.charts)."""
    return charts.render_png(series)


def table_lines(table: Table) -> Iterator[list[str]]:
    for row in table.rows:
        yield [display(row.get(column.key), column.kind, cell_currency(row, column)) for column in table.columns]
