"""Report exports: CSV, XLSX, DOCX and PDF renderings of one analytics Report (analytics/report.py).

Pure functions of the Report: no queries, so an export says exactly what the dashboard said for the same
filters and viewer. Each format has a writer into a binary file (`write_xlsx(report, out)`), which the export
task points at a temporary file so big tables never sit in memory twice, and a `to_xlsx(report) -> bytes`
convenience for small ones and tests. Writers take an optional `progress(fraction)` callback, called as
tables are written, which the task turns into the progress bar.

One module per format (csv_writer, xlsx_writer, docx_writer, pdf_writer) and what they share in `common`;
this package exposes what the rest of the site uses, and EXPORT_TYPES, the formats a job may ask for.

The XLSX, DOCX and PDF writers import openpyxl, python-docx and ReportLab, so they are loaded on first use
(module __getattr__ below, and ExportType.write): a web worker imports this package for file names and
content types and should not carry those libraries; only the documents worker that builds exports does.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .common import TITLE, display, export_filename
from .csv_writer import csv_rows, to_csv, write_csv

_LAZY = {
    "to_docx": "docx_writer",
    "write_docx": "docx_writer",
    "to_pdf": "pdf_writer",
    "write_pdf": "pdf_writer",
    "to_xlsx": "xlsx_writer",
    "write_xlsx": "xlsx_writer",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def _lazy_writer(name: str) -> Callable[..., None]:
    def write(*args: Any, **kwargs: Any) -> None:
        __getattr__(name)(*args, **kwargs)

    return write


@dataclass(frozen=True)
class ExportType:
    extension: str
    content_type: str
    write: Callable[..., None]


EXPORT_TYPES = {
    "csv": ExportType("csv", "text/csv; charset=utf-8", write_csv),
    "xlsx": ExportType(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _lazy_writer("write_xlsx")
    ),
    "docx": ExportType(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _lazy_writer("write_docx"),
    ),
    "pdf": ExportType("pdf", "application/pdf", _lazy_writer("write_pdf")),
}
