"""The CSV export: one file, the KPI summary then a titled section per table, plain values a spreadsheet reads."""

import csv
import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import BinaryIO

from django.utils.translation import gettext as _

from lms_site.spreadsheets import defuse

from ..report import Column, Report, Table
from .common import (
    TITLE,
    Progress,
    Steps,
    all_tables,
    as_date,
    as_number,
    cell_currency,
    kpi_kind,
    named_currency,
    render_bytes,
    work_units,
)


def _csv_value(value, kind: str):
    if value is None:
        return ""
    if kind == "text":
        return defuse(str(value))
    if kind == "date":
        value = as_date(value)
        return value.isoformat() if isinstance(value, date) else defuse(str(value))
    number = as_number(value)
    if number is None:
        return defuse(str(value))
    if kind == "money":
        return f"{Decimal(str(value)).quantize(Decimal('0.01'))}"
    if kind == "int":
        return str(int(number))
    if kind == "percent":
        return f"{number:.2f}".rstrip("0").rstrip(".")
    return str(value) if isinstance(value, int | Decimal) else f"{number:.4f}".rstrip("0").rstrip(".")


def _csv_header(column: Column, table: Table) -> str:
    if column.kind == "percent":
        return defuse(f"{column.label} (%)")
    has_currency = named_currency(column.label) or any("currency" in row for row in table.rows[:1])
    if column.kind == "money" and not has_currency:
        return defuse(f"{column.label} ({cell_currency({}, column)})")
    return defuse(column.label)


def csv_rows(report: Report, progress: Progress = None) -> Iterator[list]:
    """The CSV's rows: the report's heading, the KPI summary, then a titled section per table."""
    steps = Steps(progress, work_units(report))
    yield [str(TITLE)]
    yield [_("Scope"), defuse(report.scope_label)]
    yield [_("Period"), report.filters.start.isoformat(), report.filters.end.isoformat()]
    yield []
    yield [_("KPI summary")]
    yield [_("KPI"), _("Value"), _("As shown"), _("Definition")]
    for kpi in report.kpis:
        yield [defuse(kpi.label), _csv_value(kpi.value, kpi_kind(kpi)), defuse(kpi.display), defuse(kpi.definition)]
    steps.advance()
    for table in all_tables(report):
        yield []
        yield [defuse(table.title)]
        if table.definition:
            yield [defuse(table.definition)]
        yield [_csv_header(column, table) for column in table.columns]
        for row in table.rows:
            yield [_csv_value(row.get(column.key), column.kind) for column in table.columns]
            steps.advance()
        steps.advance()


def write_csv(report: Report, out: BinaryIO, *, progress: Progress = None) -> None:
    """UTF-8 with a byte-order mark, so Excel opens names like "Zoë" or "李雷" correctly."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    try:
        csv.writer(text).writerows(csv_rows(report, progress))
        text.flush()
    finally:
        text.detach()  # leave `out` open for the caller


def to_csv(report: Report, *, progress: Progress = None) -> bytes:
    return render_bytes(write_csv, report, progress=progress)
