"""The DOCX export: title page, KPIs, charts with their numbers and every table, headers repeated."""

import io

from docx import Document

from analytics import exports

from .export_samples import FORMULA_TITLE, UNICODE_TITLE, UNICODE_TRAINER, sample_report


def docx_tables(data: bytes) -> list[list[list[str]]]:
    document = Document(io.BytesIO(data))
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def test_docx_has_title_page_kpis_charts_and_tables():
    data = exports.to_docx(sample_report())
    document = Document(io.BytesIO(data))
    texts = [paragraph.text for paragraph in document.paragraphs]

    assert texts[0] == "Learnwell analytics report"
    assert f"Courses taught by {UNICODE_TRAINER}" in texts
    assert "Period: 1 January 2026 – 31 December 2026" in texts
    for heading in ("Key figures", "Enrolments and completions", "Completion rate by course", "Courses"):
        assert heading in texts
    assert len(document.inline_shapes) == 2, "one picture per chart"

    kpi_table, enrolments, courses, revenue = docx_tables(data)
    assert kpi_table[0] == ["KPI", "Value", "Definition"]
    assert kpi_table[1][:2] == ["Completion rate", "42.5 %"]
    assert kpi_table[3][:2] == ["Net revenue", "€1,214.50"]
    assert enrolments[1] == ["2026-01", "5", "1"]
    assert courses[0] == ["Course", "Trainer", "Learners", "Completion rate", "Net revenue", "First enrolment"]
    assert courses[1] == [UNICODE_TITLE, UNICODE_TRAINER, "12", "41.7 %", "€1,234.50", "2026-01-15"]
    assert courses[2] == [FORMULA_TITLE, "-Tom Trainer", "3", "—", "€0.00", "—"]
    assert revenue[1] == ["2026-01", "$99.00", "USD"]
    assert "No rows for this selection." in texts


def test_docx_table_header_repeats_on_each_page():
    document = Document(io.BytesIO(exports.to_docx(sample_report())))
    header = document.tables[2].rows[0]._tr
    assert header.xpath("./w:trPr/w:tblHeader")


def test_docx_long_table_is_complete():
    data = exports.to_docx(sample_report(course_rows=1500))

    courses = docx_tables(data)[2]
    assert len(courses) == 1501
    assert courses[-1][0] == "Generated course 1499"
