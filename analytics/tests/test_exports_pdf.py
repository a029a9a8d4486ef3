"""The PDF export: title, KPIs, charts as images and long tables with their header on every page."""

import io

from pypdf import PdfReader

from analytics import exports

from .export_samples import FORMULA_TITLE, UNICODE_TITLE, UNICODE_TRAINER, sample_report


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


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


def test_pdf_in_arabic_joins_the_letters():
    import unicodedata

    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override("ar"):
        data = exports.to_pdf(sample_report())
    text = pdf_text(data)
    # Joined forms (Arabic presentation forms) rather than the letters one by one, as ReportLab alone would draw.
    assert any("\ufe70" <= char <= "\ufeff" for char in text)
    with translation.override("ar"):
        heading = gettext("Key figures")
    assert heading != "Key figures"
    # Every word of the Arabic heading is there, letters joined (pypdf reads each word back in reading order).
    words = unicodedata.normalize("NFKC", text).split()
    assert all(word in words for word in heading.split()), heading
