"""Every export format opens with its own reader and holds the report's figures, typed and Unicode-safe."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from analytics import exports
from analytics.report import Column, Filters, Report, Table

from .export_samples import FORMULA_TITLE, UNICODE_TITLE, UNICODE_TRAINER, sample_report


def csv_lines(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM, so Excel reads the names right"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def section(lines: list[list[str]], title: str) -> list[list[str]]:
    """The rows of a CSV section: from its title row to the next blank row."""
    start = lines.index([title]) + 1
    end = next((index for index in range(start, len(lines)) if not lines[index]), len(lines))
    return lines[start:end]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def docx_tables(data: bytes) -> list[list[list[str]]]:
    document = Document(io.BytesIO(data))
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


# --- CSV -------------------------------------------------------------------------------------------------------


def test_csv_has_kpi_summary_first_then_a_titled_section_per_table():
    lines = csv_lines(exports.to_csv(sample_report()))

    assert lines[0] == ["Learnwell analytics report"]
    assert lines[1] == ["Scope", f"Courses taught by {UNICODE_TRAINER}"]
    assert lines[2] == ["Period", "2026-01-01", "2026-12-31"]
    kpis = section(lines, "KPI summary")
    assert kpis[0] == ["KPI", "Value", "As shown", "Definition"]
    assert kpis[1][:3] == ["Completion rate", "42.5", "42.5 %"]
    assert kpis[2][:3] == ["Active learners (30 days)", "1234", "1,234"]
    assert kpis[3][:3] == ["Net revenue", "1214.50", "€1,214.50"]
    assert kpis[4][:3] == ["Average score", "", "—"]
    titles = [line[0] for index, line in enumerate(lines) if index and line and not lines[index - 1]]
    assert titles[:2] == ["KPI summary", "Courses"]
    assert lines.index(["KPI summary"]) < lines.index(["Courses"]) < lines.index(["Revenue by month"])


def test_csv_cells_are_plain_values_and_unicode_survives():
    courses = section(csv_lines(exports.to_csv(sample_report())), "Courses")

    assert courses[0] == ["One row per course the viewer may see."]
    assert courses[1] == [
        "Course",
        "Trainer",
        "Learners",
        "Completion rate (%)",
        "Net revenue (EUR)",
        "First enrolment",
    ]
    assert courses[2] == [UNICODE_TITLE, UNICODE_TRAINER, "12", "41.7", "1234.50", "2026-01-15"]
    assert courses[4] == ["Intro to Testing", "Tom Trainer", "0", "100", "-20.00", "2026-03-01"]


def test_csv_quotes_cells_that_look_like_formulas():
    courses = section(csv_lines(exports.to_csv(sample_report())), "Courses")

    injected = courses[3]
    assert injected[0] == "'" + FORMULA_TITLE
    assert injected[1] == "'-Tom Trainer"
    assert injected[2:] == ["3", "", "0.00", ""], "numbers (also negative ones) are not quoted; None is empty"


def test_csv_holds_the_numbers_of_charts_that_have_no_table():
    lines = csv_lines(exports.to_csv(sample_report()))

    assert section(lines, "Enrolments and completions") == [
        ["Month", "Enrolments", "Completions"],
        ["2026-01", "5", "1"],
        ["2026-02", "7", "2"],
        ["2026-03", "0", "3"],
    ]
    # The bar chart of completion by course has the key of the Courses table: its numbers are that table.
    assert ["Completion rate by course"] not in lines


def test_csv_money_in_a_currency_named_by_the_column():
    report = Report(
        filters=Filters(start=date(2026, 1, 1), end=date(2026, 1, 31)),
        scope_label="All courses",
        tables=[
            Table(
                key="trainers",
                title="Trainers",
                columns=[Column("trainer", "Trainer"), Column("net_revenue_usd", "Net revenue (USD)", "money")],
                rows=[{"trainer": "Tom", "net_revenue_usd": Decimal("5")}],
            )
        ],
    )

    assert section(csv_lines(exports.to_csv(report)), "Trainers") == [
        ["Trainer", "Net revenue (USD)"],
        ["Tom", "5.00"],
    ]
    assert exports.display(Decimal("5"), "money", exports._currency({}, report.tables[0].columns[1])) == "$5.00"


# --- XLSX ------------------------------------------------------------------------------------------------------


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


# --- DOCX ------------------------------------------------------------------------------------------------------


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


# --- PDF -------------------------------------------------------------------------------------------------------


def test_pdf_has_title_kpis_tables_and_unicode_names():
    data = exports.to_pdf(sample_report())
    reader = PdfReader(io.BytesIO(data))
    text = pdf_text(data)

    assert reader.metadata.title.startswith("Learnwell analytics report")
    assert reader.pages[0].extract_text().count("Learnwell analytics report") == 1
    for expected in (
        "Key figures",
        "Completion rate",
        "42.5 %",
        "€1,214.50",
        "Enrolments and completions",
        UNICODE_TITLE,
        UNICODE_TRAINER,
        FORMULA_TITLE,
        "€1,234.50",
        "41.7 %",
        "2026-01-15",
        "$99.00",
        "No rows for this selection.",
    ):
        assert expected in text, expected
    assert "?" not in text.replace(FORMULA_TITLE, ""), "every glyph printed (Chinese in the fallback font)"


def test_pdf_has_the_charts_as_images():
    reader = PdfReader(io.BytesIO(exports.to_pdf(sample_report())))
    images = [image for page in reader.pages for image in page.images]
    assert len(images) == 2


def test_pdf_long_table_repeats_its_header_on_every_page():
    data = exports.to_pdf(sample_report(course_rows=400))
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]

    course_pages = [text for text in pages if "Generated course" in text]
    assert len(course_pages) > 3
    for text in course_pages:
        assert "First enrolment" in text, "the header row on every page of the table"
    everything = "\n".join(pages)
    assert all(f"Generated course {n}\n" in everything or f"Generated course {n} " in everything for n in (3, 250, 399))
    assert everything.count("Generated course 399") == 1


# --- Shared ----------------------------------------------------------------------------------------------------


def test_filename_names_the_period():
    assert exports.export_filename(sample_report(), "xlsx") == "learnwell-report-2026-01-01_2026-12-31.xlsx"


@pytest.mark.parametrize("render", [exports.to_csv, exports.to_xlsx, exports.to_docx, exports.to_pdf])
def test_progress_is_reported_up_to_the_end(render):
    seen = []
    render(sample_report(course_rows=50), progress=seen.append)

    assert seen == sorted(seen)
    assert seen[-1] == 1.0


@pytest.mark.parametrize("render", [exports.to_csv, exports.to_xlsx, exports.to_docx, exports.to_pdf])
def test_an_empty_report_still_opens(render):
    report = Report(filters=Filters(start=date(2026, 1, 1), end=date(2026, 1, 1)), scope_label="No course matches")
    assert render(report)
