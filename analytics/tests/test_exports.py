"""What every export format does alike: the file name, progress up to the end, an empty report that opens."""

from datetime import date

import pytest

from analytics import exports
from analytics.report import Filters, Report

from .export_samples import sample_report


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
