"""The CSV export: a KPI summary then a titled section per table, plain values, Unicode and formula safe."""

import csv
import io
from datetime import date
from decimal import Decimal

from analytics import exports
from analytics.exports.common import cell_currency
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
    assert exports.display(Decimal("5"), "money", cell_currency({}, report.tables[0].columns[1])) == "$5.00"
