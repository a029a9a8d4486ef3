"""The DOCX export: a Word report with a title page, the KPIs, each chart with its numbers, then every table."""

import io
from collections.abc import Iterable
from copy import deepcopy
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell

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


def _docx_table(document, headers: list[str], rows: Iterable[list[str]], right: list[bool], steps: Steps):
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


def write_docx(report: Report, out: BinaryIO, *, progress: Progress = None) -> None:
    """A Word report: title page (scope, period), KPI summary, charts with their numbers, then every table."""
    steps = Steps(progress, work_units(report, per_chart=20))
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
    properties.comments = _("Figures as defined on the analytics dashboard.")

    document.add_heading(str(TITLE), level=0)
    document.add_paragraph(report.scope_label, style="Subtitle")
    document.add_paragraph(_("Period: %(period)s") % {"period": period_label(report)})
    document.add_paragraph(_("Generated: %(moment)s") % {"moment": generated_label()})
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    document.add_heading(_("Key figures"), level=1)
    if report.kpis:
        _docx_table(
            document,
            [_("KPI"), _("Value"), _("Definition")],
            ([kpi.label, kpi.display, kpi.definition] for kpi in report.kpis),
            [False, True, False],
            Steps(None, 1),
        )
    else:
        document.add_paragraph(_("No figures for this selection."))
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


def _docx_data_table(document, table: Table, steps: Steps) -> None:
    if table.definition:
        document.add_paragraph(table.definition).runs[0].italic = True
    if not table.rows:
        document.add_paragraph(_("No rows for this selection."))
    else:
        right = [column.kind != "text" for column in table.columns]
        _docx_table(document, [column.label for column in table.columns], table_lines(table), right, steps)
    steps.advance()


def to_docx(report: Report, *, progress: Progress = None) -> bytes:
    return render_bytes(write_docx, report, progress=progress)
