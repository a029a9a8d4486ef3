"""The PDF export: the same report as the DOCX, laid out by ReportLab with the site's fonts (lms_site/pdf_fonts.py)."""

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils.translation import gettext as _
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
from lms_site.pdf_text import visual

from ..report import Report, Table
from .common import (
    TITLE,
    Progress,
    Steps,
    chart_png,
    chart_tables,
    generated_label,
    period_label,
    render_bytes,
    table_lines,
    work_units,
)

PDF_SANS = pdf_fonts.SANS
PDF_HEADING = pdf_fonts.SERIF_BOLD


def _pdf_markup(text: str, font_name: str = PDF_SANS) -> str:
    """Paragraph markup for any text: escaped, Arabic joined and in visual order (lms_site.pdf_text: these
    are short, single-line texts), with runs the style's font lacks (e.g. Chinese, or Arabic in the serif
    headings) in a face that has them."""
    return "".join(
        escape(chunk) if font == font_name else f'<font name="{font}">{escape(chunk)}</font>'
        for font, chunk in pdf_fonts.runs(visual(text), font_name)
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
    steps = Steps(progress, work_units(report, per_chart=20))
    page_width, page_height = landscape(A4)
    margin = 1.6 * cm
    available = page_width - 2 * margin
    footer = f"{settings.WAGTAIL_SITE_NAME} · {report.scope_label} · {period_label(report)}"

    def on_page(canvas, document):
        canvas.saveState()
        canvas.setFont(PDF_SANS, 7.5)
        canvas.setFillGray(0.35)
        pdf_fonts.draw_text(canvas, footer, margin, margin / 2, PDF_SANS, 7.5)
        canvas.drawRightString(page_width - margin, margin / 2, _("Page %(number)s") % {"number": document.page})
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
        Paragraph(_pdf_markup(str(TITLE), PDF_HEADING), styles.title),
        Paragraph(_pdf_markup(report.scope_label), styles.subtitle),
        Paragraph(_pdf_markup(_("Period: %(period)s") % {"period": period_label(report)}), styles.body),
        Paragraph(_pdf_markup(_("Generated: %(moment)s") % {"moment": generated_label()}), styles.note),
        PageBreak(),
        Paragraph(_pdf_markup(_("Key figures"), PDF_HEADING), styles.heading),
    ]
    if report.kpis:
        story += _pdf_table(
            [_("KPI"), _("Value"), _("Definition")],
            ([kpi.label, kpi.display, kpi.definition] for kpi in report.kpis),
            [False, True, False],
            available,
            styles,
            Steps(None, 1),
        )
    else:
        story.append(Paragraph(_pdf_markup(_("No figures for this selection.")), styles.body))
    steps.advance()

    for series, numbers in chart_tables(report):
        png = chart_png(series)
        image_width, image_height = ImageReader(io.BytesIO(png)).getSize()
        width = min(available, 22 * cm)
        height = width * image_height / image_width
        story.append(
            KeepTogether(
                [
                    Paragraph(_pdf_markup(series.title, PDF_HEADING), styles.subheading),
                    Image(io.BytesIO(png), width, height),
                ]
            )
        )
        steps.advance(20)
        if numbers is not None:
            story += _pdf_data_table(numbers, available, styles, steps)

    for table in report.tables:
        story.append(CondPageBreak(4 * cm))
        story.append(Paragraph(_pdf_markup(table.title, PDF_HEADING), styles.heading))
        story += _pdf_data_table(table, available, styles, steps)
    document.build(story, onFirstPage=on_page, onLaterPages=on_page)


def _pdf_data_table(table: Table, available: float, styles, steps: Steps) -> list:
    flowables = []
    if table.definition:
        flowables.append(Paragraph(_pdf_markup(table.definition), styles.note))
    if not table.rows:
        flowables.append(Paragraph(_pdf_markup(_("No rows for this selection.")), styles.body))
    else:
        right = [column.kind != "text" for column in table.columns]
        flowables += _pdf_table(
            [column.label for column in table.columns], table_lines(table), right, available, styles, steps
        )
    steps.advance()
    return flowables


def to_pdf(report: Report, *, progress: Progress = None) -> bytes:
    return render_bytes(write_pdf, report, progress=progress)
