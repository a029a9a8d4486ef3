"""Report exports: CSV, XLSX, DOCX and PDF renderings of one analytics Report (analytics/report.py).

Pure functions of the Report: no queries, so an export says exactly what the dashboard said for the same
filters and viewer. Each format has a writer into a binary file (`write_xlsx(report, out)`), which the export
task points at a temporary file so big tables never sit in memory twice, and a `to_xlsx(report) -> bytes`
convenience for small ones and tests. Writers take an optional `progress(fraction)` callback, called as
tables are written, which the task turns into the progress bar.

Values in a Report are typed (Column.kind): percents are percentage points (42.5 means 42.5 %), money is a
Decimal in the row's `currency` (or the site's default), dates are dates, None means "not defined".
Spreadsheets get the typed values with number formats; the documents print them as the dashboard does
(lms_site.formatting).
"""

import csv
import io
import math
import re
from collections.abc import Callable, Iterable, Iterator
from copy import deepcopy
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import BinaryIO
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as PlatypusTable

from lms_site import pdf_fonts
from lms_site.formatting import CURRENCY_SYMBOLS, NOT_DEFINED, format_value
from lms_site.spreadsheets import defuse, looks_like_formula

from . import charts
from .report import Column, Kpi, Report, Series, Table

Progress = Callable[[float], None] | None

TITLE = "Learnwell analytics report"


# --- Shared ------------------------------------------------------------------------------------------------------


def export_filename(report_or_filters, extension: str) -> str:
    """`learnwell-report-2026-01-01_2026-12-31.xlsx`: the period in the name, so downloads sort and never clash."""
    filters = getattr(report_or_filters, "filters", report_or_filters)
    return f"learnwell-report-{filters.start:%Y-%m-%d}_{filters.end:%Y-%m-%d}.{extension}"


def period_label(report: Report) -> str:
    start, end = report.filters.start, report.filters.end
    return f"{start.day} {start:%B %Y} – {end.day} {end:%B %Y}"


def generated_label(moment: datetime | None = None) -> str:
    moment = timezone.localtime(moment or timezone.now())
    return f"{moment.day} {moment:%B %Y, %H:%M} {moment.tzname()}"


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
    values = [_number(value) for line in series.lines.values() for value in line]
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


def _currency(row: dict, column: Column | None = None) -> str:
    """The currency of a money cell: the row's `currency`, else the one the column names ("Net revenue (USD)")."""
    if row.get("currency"):
        return row["currency"]
    if column is not None:
        named = _named_currency(column.label) or _named_currency(column.key.rsplit("_", 1)[-1].upper())
        if named:
            return named
    return settings.LMS_DEFAULT_CURRENCY


def _named_currency(text: str) -> str | None:
    match = re.search(r"\(([A-Z]{3})\)\s*$", text) or re.fullmatch(r"([A-Z]{3})", text)
    return match.group(1) if match else None


def _number(value) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _as_date(value):
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
        value = _as_date(value)
        return value.isoformat() if isinstance(value, date) else str(value)
    if _number(value) is None:
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
    named = _named_currency(kpi.label)
    if named:
        return named
    for code, symbol in CURRENCY_SYMBOLS.items():
        if symbol in kpi.display:
            return code
    match = re.search(r"\b([A-Z]{3})\b", kpi.display)
    return match.group(1) if match else settings.LMS_DEFAULT_CURRENCY


class _Steps:
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


def _work(report: Report, *, per_chart: int = 0) -> int:
    return 1 + sum(len(table.rows) + 1 for table in all_tables(report)) + per_chart * len(report.charts)


def _render(writer, report: Report, **kwargs) -> bytes:
    buffer = io.BytesIO()
    writer(report, buffer, **kwargs)
    return buffer.getvalue()


# --- CSV ---------------------------------------------------------------------------------------------------------


def _csv_value(value, kind: str):
    if value is None:
        return ""
    if kind == "text":
        return defuse(str(value))
    if kind == "date":
        value = _as_date(value)
        return value.isoformat() if isinstance(value, date) else defuse(str(value))
    number = _number(value)
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
    has_currency = _named_currency(column.label) or any("currency" in row for row in table.rows[:1])
    if column.kind == "money" and not has_currency:
        return defuse(f"{column.label} ({_currency({}, column)})")
    return defuse(column.label)


def csv_rows(report: Report, progress: Progress = None) -> Iterator[list]:
    """The CSV's rows: the report's heading, the KPI summary, then a titled section per table."""
    steps = _Steps(progress, _work(report))
    yield [TITLE]
    yield ["Scope", defuse(report.scope_label)]
    yield ["Period", report.filters.start.isoformat(), report.filters.end.isoformat()]
    yield []
    yield ["KPI summary"]
    yield ["KPI", "Value", "As shown", "Definition"]
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
    return _render(write_csv, report, progress=progress)


# --- XLSX --------------------------------------------------------------------------------------------------------

XLSX_INVALID_TITLE = re.compile(r"[\[\]:*?/\\]")
XLSX_FORMATS = {"int": "#,##0", "number": "#,##0.00", "percent": "0.0%", "date": "yyyy-mm-dd"}


def _money_format(currency: str) -> str:
    symbol = CURRENCY_SYMBOLS.get(currency)
    if symbol:
        return f'"{symbol}"#,##0.00;-"{symbol}"#,##0.00'
    return f'#,##0.00 "{currency}";-#,##0.00 "{currency}"'


def _sheet_title(title: str, taken: set[str]) -> str:
    base = XLSX_INVALID_TITLE.sub(" ", title).strip().strip("'")[:31] or "Table"
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
                value = _as_date(value)
                if not isinstance(value, date):
                    kind = "text"
            elif _number(value) is None:
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
    sample = (display(row.get(column.key), column.kind, _currency(row, column)) for row in rows[:200])
    longest = max([len(column.label), *(len(text) for text in sample)])
    return float(min(max(longest + 2, 10), 60))


def write_xlsx(report: Report, out: BinaryIO, *, progress: Progress = None) -> None:
    """A "Summary" sheet (report, KPIs with definitions, what each sheet holds) and a sheet per table.

    Written in openpyxl's write-only mode: rows stream to the file as they are appended.
    """

    steps = _Steps(progress, _work(report))
    cells = _XlsxCells()
    workbook = Workbook(write_only=True)
    tables = all_tables(report)
    taken = {"summary"}
    sheet_titles = [_sheet_title(table.title, taken) for table in tables]

    summary = workbook.create_sheet("Summary")
    for letter, width in zip("ABCD", (34, 18, 18, 90), strict=True):
        summary.column_dimensions[letter].width = width
    summary.append([cells.cell(summary, TITLE, font=cells.title)])
    summary.append([cells.cell(summary, "Scope", font=cells.bold), cells.cell(summary, report.scope_label)])
    summary.append(
        [
            cells.cell(summary, "Period", font=cells.bold),
            cells.cell(summary, report.filters.start, "date"),
            cells.cell(summary, report.filters.end, "date"),
        ]
    )
    summary.append([cells.cell(summary, "Generated", font=cells.bold), cells.cell(summary, generated_label())])
    summary.append([])
    summary.append(
        [cells.cell(summary, label, font=cells.bold) for label in ("KPI", "Value", "As shown", "Definition")]
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
    summary.append([cells.cell(summary, label, font=cells.bold) for label in ("Sheet", "Rows", "", "What it holds")])
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
                    cells.cell(sheet, row.get(column.key), column.kind, currency=_currency(row, column))
                    for column in table.columns
                ]
            )
            steps.advance()
        steps.advance()
    workbook.save(out)


def to_xlsx(report: Report, *, progress: Progress = None) -> bytes:
    return _render(write_xlsx, report, progress=progress)


# --- Charts as pictures --------------------------------------------------------------------------------------------


def chart_png(series: Series) -> bytes:
    """The chart as the dashboard draws it, as a PNG (analytics.charts)."""
    return charts.render_png(series)


# --- DOCX --------------------------------------------------------------------------------------------------------


def _docx_cell_text(cell, text: str, *, bold: bool = False, right: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.bold = bold or None
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _docx_repeat_header(row) -> None:
    """Marks a table's first row as its header: Word repeats it on every page the table runs over."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _docx_table(document, headers: list[str], rows: Iterable[list[str]], right: list[bool], steps: _Steps):
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Light Grid Accent 1"
    for cell, header, align in zip(table.rows[0].cells, headers, right, strict=True):
        _docx_cell_text(cell, header, bold=True, right=align)
    _docx_repeat_header(table.rows[0])
    # One body row is built with python-docx, then copied for every row with only its texts changed: building
    # each row through the API costs a few milliseconds a row, a copy of the XML a few microseconds.
    template = table.add_row()
    for tc, align in zip(template._tr.tc_lst, right, strict=True):
        _docx_cell_text(_Cell(tc, table), "-", right=align)
    pattern = template._tr
    texts_path = f"./{qn('w:tc')}/{qn('w:p')}/{qn('w:r')}/{qn('w:t')}"
    parent = pattern.getparent()
    parent.remove(pattern)
    for values in rows:
        row = deepcopy(pattern)
        for element, text in zip(row.iterfind(texts_path), values, strict=True):
            element.text = text
            if text != text.strip():
                element.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        parent.append(row)
        steps.advance()
    return table


def _table_lines(table: Table) -> Iterator[list[str]]:
    for row in table.rows:
        yield [display(row.get(column.key), column.kind, _currency(row, column)) for column in table.columns]


def write_docx(report: Report, out: BinaryIO, *, progress: Progress = None) -> None:
    """A Word report: title page (scope, period), KPI summary, charts with their numbers, then every table."""
    steps = _Steps(progress, _work(report, per_chart=20))
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.8))
    document.styles["Normal"].font.size = Pt(10)
    properties = document.core_properties
    properties.title = f"{TITLE}: {report.scope_label}, {period_label(report)}"
    properties.author = settings.WAGTAIL_SITE_NAME
    properties.comments = "Figures as defined on the analytics dashboard."

    document.add_heading(TITLE, level=0)
    document.add_paragraph(report.scope_label, style="Subtitle")
    document.add_paragraph(f"Period: {period_label(report)}")
    document.add_paragraph(f"Generated: {generated_label()}")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    document.add_heading("Key figures", level=1)
    if report.kpis:
        _docx_table(
            document,
            ["KPI", "Value", "Definition"],
            ([kpi.label, kpi.display, kpi.definition] for kpi in report.kpis),
            [False, True, False],
            _Steps(None, 1),
        )
    else:
        document.add_paragraph("No figures for this selection.")
    steps.advance()

    for series, numbers in chart_tables(report):
        document.add_heading(series.title, level=2)
        document.add_picture(io.BytesIO(chart_png(series)), width=Cm(22))
        steps.advance(20)
        if numbers is not None:
            _docx_data_table(document, numbers, steps)

    for table in report.tables:
        document.add_heading(table.title, level=1)
        _docx_data_table(document, table, steps)
    document.save(out)


def _docx_data_table(document, table: Table, steps: _Steps) -> None:
    if table.definition:
        document.add_paragraph(table.definition).runs[0].italic = True
    if not table.rows:
        document.add_paragraph("No rows for this selection.")
    else:
        right = [column.kind != "text" for column in table.columns]
        _docx_table(document, [column.label for column in table.columns], _table_lines(table), right, steps)
    steps.advance()


def to_docx(report: Report, *, progress: Progress = None) -> bytes:
    return _render(write_docx, report, progress=progress)


# --- PDF ---------------------------------------------------------------------------------------------------------

PDF_SANS = pdf_fonts.SANS
PDF_HEADING = pdf_fonts.SERIF_BOLD


def _pdf_markup(text: str) -> str:
    """Paragraph markup for any text: escaped, with runs DejaVu lacks (e.g. Chinese) in the fallback font."""
    return "".join(
        escape(chunk) if font == PDF_SANS else f'<font name="{font}">{escape(chunk)}</font>'
        for font, chunk in pdf_fonts.runs(text, PDF_SANS)
    )


@dataclass
class _PdfStyles:
    title: object
    subtitle: object
    body: object
    heading: object
    subheading: object
    note: object
    cell: object
    cell_right: object
    header: object
    header_right: object


def _pdf_styles() -> _PdfStyles:
    ink, muted = HexColor("#1e293b"), HexColor("#475569")
    body = ParagraphStyle("body", fontName=PDF_SANS, fontSize=10, leading=14, textColor=ink)
    cell = ParagraphStyle("cell", parent=body, fontSize=8, leading=10)
    header = ParagraphStyle("header", parent=cell, textColor=HexColor("#ffffff"))
    return _PdfStyles(
        title=ParagraphStyle("title", parent=body, fontName=PDF_HEADING, fontSize=28, leading=34, spaceAfter=18),
        subtitle=ParagraphStyle("subtitle", parent=body, fontSize=16, leading=22, spaceAfter=12),
        body=body,
        heading=ParagraphStyle(
            "heading", parent=body, fontName=PDF_HEADING, fontSize=16, leading=20, spaceBefore=12, spaceAfter=8
        ),
        subheading=ParagraphStyle(
            "subheading", parent=body, fontName=PDF_HEADING, fontSize=12, leading=16, spaceBefore=10, spaceAfter=6
        ),
        note=ParagraphStyle("note", parent=body, fontSize=9, leading=12, textColor=muted, spaceAfter=6),
        cell=cell,
        cell_right=ParagraphStyle("cell_right", parent=cell, alignment=TA_RIGHT),
        header=header,
        header_right=ParagraphStyle("header_right", parent=header, alignment=TA_RIGHT),
    )


def _pdf_table_style(*, right_columns: list[int]):
    commands = [
        ("FONTNAME", (0, 0), (-1, -1), PDF_SANS),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("LEADING", (0, 0), (-1, -1), 10),
        ("BACKGROUND", (0, 0), (-1, 0), HexColor("#4f46e5")),
        ("TEXTCOLOR", (0, 0), (-1, 0), HexColor("#ffffff")),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [HexColor("#ffffff"), HexColor("#f1f5f9")]),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, HexColor("#cbd5e1")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), PDF_CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), PDF_CELL_PADDING),
    ]
    commands += [("ALIGN", (index, 0), (index, -1), "RIGHT") for index in right_columns]
    return TableStyle(commands)


PDF_CELL_PADDING = 3  # points, left and right of each cell
PDF_MIN_TEXT_WIDTH = 56  # a text column never narrower than this (about a word of ten letters)
PDF_MAX_TEXT_WIDTH = 220  # nor wider than this: longer texts wrap


def _pdf_column_widths(headers: list[str], lines: list[list[str]], right: list[bool], available: float) -> list[float]:
    """Shares the page width: numbers as wide as they print, text by its length; headers wrap between words.

    Each column gets at least its minimum (a number's widest value, a text's longest word or
    PDF_MIN_TEXT_WIDTH); what is left goes to the columns that would like more, in proportion.
    """
    sample = lines[:200]
    padding = 2 * PDF_CELL_PADDING + 1
    minimum, natural = [], []
    for index, (header, is_number) in enumerate(zip(headers, right, strict=True)):
        values = [stringWidth(line[index], PDF_SANS, 8) for line in sample]
        header_word = max((stringWidth(word, PDF_SANS, 8) for word in header.split()), default=0)
        if is_number:
            width = max([header_word, *values]) + padding
            minimum.append(width)
            natural.append(max(width, stringWidth(header, PDF_SANS, 8) + padding))
        else:
            words = [stringWidth(word, PDF_SANS, 8) for line in sample for word in line[index].split()]
            low = min(max([header_word, *words, PDF_MIN_TEXT_WIDTH - padding]) + padding, PDF_MAX_TEXT_WIDTH)
            minimum.append(low)
            widest = max([stringWidth(header, PDF_SANS, 8), *values]) + padding
            natural.append(max(low, min(widest, PDF_MAX_TEXT_WIDTH)))
    if sum(natural) <= available:
        spare = (available - sum(natural)) / len(natural)
        return [width + spare for width in natural]
    if sum(minimum) >= available:
        return [available * width / sum(minimum) for width in minimum]
    wanted = [high - low for high, low in zip(natural, minimum, strict=True)]
    share = (available - sum(minimum)) / sum(wanted)
    return [low + extra * share for low, extra in zip(minimum, wanted, strict=True)]


def _pdf_cell(text: str, width: float, style):
    """A plain string where it fits in the cell and the font has its glyphs (cheap); a wrapping Paragraph if not."""
    glyphs = pdf_fonts.glyphs(PDF_SANS)
    if all(ord(char) in glyphs for char in text) and stringWidth(text, PDF_SANS, 8) <= width - 2 * PDF_CELL_PADDING:
        return text
    return Paragraph(_pdf_markup(text), style)


class _PdfRows:
    """The body of one long table: its printed lines and, built once on first use, their platypus cells."""

    def __init__(self, headers, lines, right, widths, styles, steps):
        self.lines, self.right, self.widths, self.styles, self.steps = lines, right, widths, styles, steps
        self.header = [
            _pdf_cell(text, width, styles.header_right if is_number else styles.header)
            for text, width, is_number in zip(headers, widths, right, strict=True)
        ]
        self.style = _pdf_table_style(right_columns=[index for index, is_number in enumerate(right) if is_number])
        self._cells: list[list] = []

    def cells(self, start: int, stop: int) -> list[list]:
        while len(self._cells) < min(stop, len(self.lines)):
            line = self.lines[len(self._cells)]
            self._cells.append(
                [
                    _pdf_cell(text, width, self.styles.cell_right if is_number else self.styles.cell)
                    for text, width, is_number in zip(line, self.widths, self.right, strict=True)
                ]
            )
        return self._cells[start:stop]

    def forget(self, stop: int) -> None:
        """Drops the cells of rows already on a page, so memory holds about one page of them."""
        for index in range(min(stop, len(self._cells))):
            self._cells[index] = None


class _PagedTable(Flowable):
    """A table of any length laid out a page at a time, the header row at the top of every page.

    Platypus lays out a Table by measuring every row and measuring the rest again each time it splits at a
    page end, which grows with the square of its length. This flowable hands platypus a table of only the next
    few rows (a little more than the last page held), lets it split at the page end and keeps the rest for the
    next page: the work per page is bounded, so a long export costs time in proportion to its length.
    """

    def __init__(self, rows: _PdfRows, start: int = 0, window: int = 40):
        super().__init__()
        self.rows, self.start, self.window = rows, start, window
        self._table = None

    @property
    def remaining(self) -> int:
        return len(self.rows.lines) - self.start

    def _build(self, count: int):
        body = self.rows.cells(self.start, self.start + count)
        table = PlatypusTable([self.rows.header, *body], colWidths=self.rows.widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(self.rows.style)
        return table

    def wrap(self, available_width, available_height):
        if self.remaining > self.window:
            # More than a page's worth: say so without measuring, and the frame asks for a split.
            return available_width, available_height + 1
        self._table = self._build(self.remaining)
        return self._table.wrap(available_width, available_height)

    def split(self, available_width, available_height):
        count = min(self.remaining, self.window)
        while True:
            table = self._build(count)
            table.wrap(available_width, available_height)
            parts = table.split(available_width, available_height)
            fitted = parts[0]._nrows - 1 if parts else 0
            if fitted < count or count == self.remaining:
                break
            count = min(self.remaining, count * 2)  # the page holds more rows than guessed: try more
        if fitted <= 0:
            return []  # not even one row fits here: the frame moves on to the next page
        self.rows.steps.advance(fitted)
        self.rows.forget(self.start + fitted)
        if fitted >= self.remaining:
            return [parts[0]]
        return [parts[0], _PagedTable(self.rows, self.start + fitted, window=fitted + fitted // 2 + 2)]

    def drawOn(self, canvas, x, y, _sW=0):  # noqa: N802 - platypus's name
        self.rows.steps.advance(self.remaining)
        self._table.drawOn(canvas, x, y, _sW)


def _pdf_table(headers: list[str], lines: Iterable[list[str]], right: list[bool], available: float, styles, steps):
    lines = list(lines)
    widths = _pdf_column_widths(headers, lines, right, available)
    return [_PagedTable(_PdfRows(headers, lines, right, widths, styles, steps))]


def write_pdf(report: Report, out: BinaryIO, *, progress: Progress = None) -> None:
    """A PDF report: title page (scope, period), KPI table, charts with their numbers, then every table, with
    table headers repeated on each page and DejaVu (with a CJK fallback) so every learner's name prints."""

    pdf_fonts.register_fonts()
    styles = _pdf_styles()
    steps = _Steps(progress, _work(report, per_chart=20))
    page_width, page_height = landscape(A4)
    margin = 1.6 * cm
    available = page_width - 2 * margin
    footer = f"{settings.WAGTAIL_SITE_NAME} · {report.scope_label} · {period_label(report)}"

    def on_page(canvas, document):
        canvas.saveState()
        canvas.setFont(PDF_SANS, 7.5)
        canvas.setFillGray(0.35)
        pdf_fonts.draw_text(canvas, footer, margin, margin / 2, PDF_SANS, 7.5)
        canvas.drawRightString(page_width - margin, margin / 2, f"Page {document.page}")
        canvas.restoreState()

    document = SimpleDocTemplate(
        out,
        pagesize=(page_width, page_height),
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=f"{TITLE}: {report.scope_label}, {period_label(report)}",
        author=settings.WAGTAIL_SITE_NAME,
        subject=f"{report.scope_label}, {period_label(report)}",
        creator=settings.WAGTAIL_SITE_NAME,
    )

    story: list = [
        Spacer(1, 4 * cm),
        Paragraph(escape(TITLE), styles.title),
        Paragraph(_pdf_markup(report.scope_label), styles.subtitle),
        Paragraph(f"Period: {escape(period_label(report))}", styles.body),
        Paragraph(f"Generated: {escape(generated_label())}", styles.note),
        PageBreak(),
        Paragraph("Key figures", styles.heading),
    ]
    if report.kpis:
        story += _pdf_table(
            ["KPI", "Value", "Definition"],
            ([kpi.label, kpi.display, kpi.definition] for kpi in report.kpis),
            [False, True, False],
            available,
            styles,
            _Steps(None, 1),
        )
    else:
        story.append(Paragraph("No figures for this selection.", styles.body))
    steps.advance()

    for series, numbers in chart_tables(report):
        png = chart_png(series)
        image_width, image_height = ImageReader(io.BytesIO(png)).getSize()
        width = min(available, 22 * cm)
        height = width * image_height / image_width
        story.append(
            KeepTogether(
                [Paragraph(_pdf_markup(series.title), styles.subheading), Image(io.BytesIO(png), width, height)]
            )
        )
        steps.advance(20)
        if numbers is not None:
            story += _pdf_data_table(numbers, available, styles, steps)

    for table in report.tables:
        story.append(CondPageBreak(4 * cm))
        story.append(Paragraph(_pdf_markup(table.title), styles.heading))
        story += _pdf_data_table(table, available, styles, steps)
    document.build(story, onFirstPage=on_page, onLaterPages=on_page)


def _pdf_data_table(table: Table, available: float, styles, steps: _Steps) -> list:
    flowables = []
    if table.definition:
        flowables.append(Paragraph(_pdf_markup(table.definition), styles.note))
    if not table.rows:
        flowables.append(Paragraph("No rows for this selection.", styles.body))
    else:
        right = [column.kind != "text" for column in table.columns]
        flowables += _pdf_table(
            [column.label for column in table.columns], _table_lines(table), right, available, styles, steps
        )
    steps.advance()
    return flowables


def to_pdf(report: Report, *, progress: Progress = None) -> bytes:
    return _render(write_pdf, report, progress=progress)


# --- Formats -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportType:
    extension: str
    content_type: str
    write: Callable[..., None]


EXPORT_TYPES = {
    "csv": ExportType("csv", "text/csv; charset=utf-8", write_csv),
    "xlsx": ExportType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", write_xlsx),
    "docx": ExportType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", write_docx),
    "pdf": ExportType("pdf", "application/pdf", write_pdf),
}
