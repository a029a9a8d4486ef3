"""The XLSX export: a summary sheet and a sheet per table, typed cells, formula-like text kept as text."""

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from analytics import exports
from analytics.report import Column, Table

from .export_samples import FORMULA_TITLE, UNICODE_TITLE, UNICODE_TRAINER, sample_report


@pytest.fixture
def workbook():
    return load_workbook(io.BytesIO(exports.to_xlsx(sample_report())))


def test_xlsx_summary_sheet_has_the_kpis_with_their_definitions(workbook):
    assert workbook.sheetnames == ["Summary", "Courses", "Revenue by month", "Attendance", "Enrolments and completions"]
    summary = workbook["Summary"]
    assert summary["A1"].value == "Learnwell analytics report"
    assert summary["A1"].font.b
    assert summary["B2"].value == f"Courses taught by {UNICODE_TRAINER}"
    assert summary["B3"].value == datetime(2026, 1, 1)
    assert summary["B3"].is_date
    rows = {row[0].value: row for row in summary.iter_rows(min_row=7, max_row=10)}
    rate = rows["Completion rate"]
    assert rate[1].value == pytest.approx(0.425)
    assert rate[1].number_format == "0.0%"
    assert rate[3].value.startswith("Completed enrollments")
    assert rows["Active learners (30 days)"][1].value == 1234
    assert rows["Active learners (30 days)"][1].data_type == "n"
    revenue = rows["Net revenue"][1]
    assert revenue.value == pytest.approx(1214.5)
    assert "€" in revenue.number_format
    assert rows["Average score"][1].value is None
    assert rows["Average score"][2].value == "—"


def test_xlsx_table_sheets_have_typed_cells_bold_headers_and_widths(workbook):
    sheet = workbook["Courses"]
    headers = [cell.value for cell in sheet[1]]
    assert headers == ["Course", "Trainer", "Learners", "Completion rate", "Net revenue", "First enrolment"]
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width >= len(UNICODE_TITLE)

    title, trainer, learners, rate, revenue, first = sheet[2]
    assert (title.value, trainer.value) == (UNICODE_TITLE, UNICODE_TRAINER)
    assert learners.value == 12 and learners.data_type == "n" and learners.number_format == "#,##0"
    assert rate.value == pytest.approx(0.417) and rate.number_format == "0.0%"
    assert revenue.value == pytest.approx(1234.5) and revenue.number_format.startswith('"€"#,##0.00')
    assert first.value == datetime(2026, 1, 15) and first.is_date and first.number_format == "yyyy-mm-dd"
    assert sheet["D3"].value is None, "not defined stays an empty cell, not 0"
    assert sheet["E4"].value == pytest.approx(-20)


def test_xlsx_money_uses_the_rows_currency(workbook):
    sheet = workbook["Revenue by month"]
    assert [cell.value for cell in sheet[2]][2] == "USD"
    assert '"$"' in sheet["B2"].number_format
    assert '"€"' in sheet["B3"].number_format


def test_xlsx_stores_formula_like_text_as_text(workbook):
    cell = workbook["Courses"]["A3"]
    assert cell.value == FORMULA_TITLE
    assert cell.data_type == "s", "a string, never a formula"
    assert cell.quotePrefix
    assert workbook["Courses"]["B3"].data_type == "s"


def test_xlsx_sheet_names_are_valid_and_unique():
    report = sample_report()
    report.tables = [
        Table(key=f"t{n}", title="Revenue: per course / month [all]?", columns=[Column("a", "A")], rows=[])
        for n in range(3)
    ]
    names = load_workbook(io.BytesIO(exports.to_xlsx(report))).sheetnames

    assert names[1:4] == [
        "Revenue  per course   month  al",
        "Revenue  per course   month (2)",
        "Revenue  per course   month (3)",
    ]
