"""Report exports: CSV, XLSX, DOCX and PDF renderings of one analytics Report (analytics/report.py).

Pure functions of the Report: no queries, so an export says exactly what the dashboard said for the same
filters and viewer. Each format has a writer into a binary file (`write_xlsx(report, out)`), which the export
task points at a temporary file so big tables never sit in memory twice, and a `to_xlsx(report) -> bytes`
convenience for small ones and tests. Writers take an optional `progress(fraction)` callback, called as
tables are written, which the task turns into the progress bar.

One module per format (csv_writer, xlsx_writer, docx_writer, pdf_writer) and what they share in `common`;
this package exposes what the rest of the site uses, and EXPORT_TYPES, the formats a job may ask for.
"""

from collections.abc import Callable
from dataclasses import dataclass

from .common import TITLE, display, export_filename
from .csv_writer import csv_rows, to_csv, write_csv
from .docx_writer import to_docx, write_docx
from .pdf_writer import to_pdf, write_pdf
from .xlsx_writer import to_xlsx, write_xlsx

__all__ = [
    "EXPORT_TYPES",
    "TITLE",
    "ExportType",
    "csv_rows",
    "display",
    "export_filename",
    "to_csv",
    "to_docx",
    "to_pdf",
    "to_xlsx",
    "write_csv",
    "write_docx",
    "write_pdf",
    "write_xlsx",
]


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
