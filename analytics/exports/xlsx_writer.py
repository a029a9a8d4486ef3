"""The XLSX export: a summary sheet and a sheet per table, typed cells with number formats, streamed to the file."""

import math
import re
from datetime import date
from decimal import Decimal
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from lms_site.formatting import CURRENCY_SYMBOLS
from lms_site.spreadsheets import looks_like_formula

from ..report import Column, Report
from .common import (
    TITLE,
    Progress,
    Steps,
    all_tables,
    as_date,
    as_number,
    cell_currency,
    display,
    generated_label,
    kpi_currency,
    kpi_kind,
    render_bytes,
    work_units,
)

XLSX_INVALID_TITLE = re.compile(r"[\[\]:*?/\\]")
XLSX_FORMATS = {"int": "#,##0", "number": "#,##0.00", "percent": "0.0%", "date": "yyyy-mm-dd"}


def _money_format(currency: str) -> str:
    symbol = CURRENCY_SYMBOLS.get(currency)
    if symbol:
        return f'"{symbol}"#,##0.00;-"{symbol}"#,##0.00'
    return f'#,##0.00 "{currency}";-#,##0.00 "{currency}"'


def _sheet_title(title: str, taken: set[str]) -> str:
    base = XLSX_INVALID_TITLE.sub(" ", title).strip().strip("'")[:31] or _("Table")
    candidate, number = base, 2
    while candidate.lower() in taken:
        suffix = f" ({number})"
        candidate, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(candidate.lower())
    return candidate


class _XlsxCells:
    """Typed, styled write-only cells; styles are built once and shared by every cell of their kind."""

    def __init__(self):
        self.bold = Font(bold=True)
        self.title = Font(bold=True, size=14)
        self.wrap = Alignment(wrap_text=True, vertical="top")

    def cell(self, sheet, value, kind: str = "text", *, currency: str | None = None, font=None, wrap=False):
        if value is not None and kind != "text":
            if kind == "date":
                value = as_date(value)
                if not isinstance(value, date):
                    kind = "text"
            elif as_number(value) is None:
                kind = "text"  # not a number after all: shown as it is, never dropped
            elif kind == "percent":
                value = float(value) / 100
            elif kind == "money":
                value = Decimal(str(value))
            elif kind == "int":
                value = int(value)
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        if kind == "text" and value is not None:
            value = str(value)
        cell = WriteOnlyCell(sheet, value)
        if kind == "text" and value is not None and looks_like_formula(value):
            # Stored as a string with Excel's own "typed with a leading apostrophe" flag: shown, never run.
            cell.data_type = "s"
            cell.quotePrefix = True
        elif kind == "money":
            cell.number_format = _money_format(currency or settings.LMS_DEFAULT_CURRENCY)
        elif kind in XLSX_FORMATS:
            cell.number_format = XLSX_FORMATS[kind]
        if font is not None:
            cell.font = font
        if wrap:
            cell.alignment = self.wrap
        return cell


def _column_width(column: Column, rows: list[dict]) -> float:
    """Wide enough for the header and the first rows' values as printed, within reason."""
    sample = (display(row.get(column.key), column.kind, cell_currency(row, column)) for row in rows[:200])
    longest = max([len(column.label), *(len(text) for text in sample)])
    return float(min(max(longest + 2, 10), 60))


def write_xlsx(report: Report, out: BinaryIO, *, progress: Progress = None) -> None:
    """A "Summary" sheet (report, KPIs with definitions, what each sheet holds) and a sheet per table.

    Written in openpyxl's write-only mode: rows stream to the file as they are appended.
    """

    steps = Steps(progress, work_units(report))
    cells = _XlsxCells()
    workbook = Workbook(write_only=True)
    tables = all_tables(report)
    summary_title = _sheet_title(_("Summary"), set())
    taken = {summary_title.lower()}
    sheet_titles = [_sheet_title(table.title, taken) for table in tables]

    summary = workbook.create_sheet(summary_title)
    for letter, width in zip("ABCD", (34, 18, 18, 90), strict=True):
        summary.column_dimensions[letter].width = width
    summary.append([cells.cell(summary, str(TITLE), font=cells.title)])
    summary.append([cells.cell(summary, _("Scope"), font=cells.bold), cells.cell(summary, report.scope_label)])
    summary.append(
        [
            cells.cell(summary, _("Period"), font=cells.bold),
            cells.cell(summary, report.filters.start, "date"),
            cells.cell(summary, report.filters.end, "date"),
        ]
    )
    summary.append([cells.cell(summary, _("Generated"), font=cells.bold), cells.cell(summary, generated_label())])
    summary.append([])
    summary.append(
        [
            cells.cell(summary, label, font=cells.bold)
            for label in (_("KPI"), _("Value"), _("As shown"), _("Definition"))
        ]
    )
    for kpi in report.kpis:
        kind = kpi_kind(kpi)
        summary.append(
            [
                cells.cell(summary, kpi.label),
                cells.cell(summary, kpi.value, kind, currency=kpi_currency(kpi) if kind == "money" else None),
                cells.cell(summary, kpi.display),
                cells.cell(summary, kpi.definition, wrap=True),
            ]
        )
    summary.append([])
    summary.append(
        [cells.cell(summary, label, font=cells.bold) for label in (_("Sheet"), _("Rows"), "", _("What it holds"))]
    )
    for table, title in zip(tables, sheet_titles, strict=True):
        summary.append(
            [
                cells.cell(summary, title),
                cells.cell(summary, len(table.rows), "int"),
                None,
                cells.cell(summary, table.definition or table.title, wrap=True),
            ]
        )
    steps.advance()

    for table, title in zip(tables, sheet_titles, strict=True):
        sheet = workbook.create_sheet(title)
        for index, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = _column_width(column, table.rows)
        sheet.freeze_panes = "A2"
        if table.columns:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table.rows) + 1}"
        sheet.append([cells.cell(sheet, column.label, font=cells.bold) for column in table.columns])
        for row in table.rows:
            sheet.append(
                [
                    cells.cell(sheet, row.get(column.key), column.kind, currency=cell_currency(row, column))
                    for column in table.columns
                ]
            )
            steps.advance()
        steps.advance()
    workbook.save(out)


def to_xlsx(report: Report, *, progress: Progress = None) -> bytes:
    return render_bytes(write_xlsx, report, progress=progress)
