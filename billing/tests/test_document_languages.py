"""Receipts and invoices speak the language of the person they are written to, and mirror for Arabic."""

import io
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import translation
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from billing import invoices, receipts, simulator
from billing.details import SellerDetails
from courses.tests.factories import make_course
from lms_site.pdf_fonts import SANS

from .test_receipts import paid_order
from .test_seat_orders import seat_order

CONTENT = receipts.ReceiptContent(
    number="R-000042",
    seller=SellerDetails(name="Learnwell"),
    paid_at=datetime(2025, 3, 4, 10, 30, tzinfo=UTC),
    learner_name="ليلى حداد",
    learner_email="layla@example.com",
    course_title="أساسيات البيانات",
    currency="EUR",
    price=Decimal("1234.50"),
    charged=Decimal("1234.50"),
    payment_reference="pi_3Abc",
)


def spans(pdf: bytes) -> list[tuple[str, float, float]]:
    """(text, start x, end x) of each piece of text on the first page. pypdf gives right-to-left text back in
    logical order, but a line's width does not depend on the order of its glyphs."""
    found: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, font, size):
        if text.strip() and font is not None and font.get("/BaseFont", "").endswith("+DejaVuSans"):  # SANS, subset
            found.append((text.strip(), tm[4], tm[4] + stringWidth(text.rstrip("\n"), SANS, size)))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return found


def email_line(pdf: bytes, email: str) -> tuple[float, float]:
    return next((start, end) for text, start, end in spans(pdf) if text == email)


def test_an_arabic_receipt_is_right_aligned_and_an_english_one_left_aligned():
    right_margin = receipts.WIDTH - receipts.MARGIN
    arabic = receipts.render_receipt(replace(CONTENT, language="ar"))
    name = next((start, end) for text, start, end in spans(arabic) if "ﻟﻴﻠﻰ" in text)
    assert name[1] == pytest.approx(right_margin, abs=0.5)  # the buyer's name ends at the right margin
    assert email_line(arabic, CONTENT.learner_email)[1] == pytest.approx(right_margin, abs=0.5)
    english = receipts.render_receipt(CONTENT)
    assert email_line(english, CONTENT.learner_email)[0] == pytest.approx(receipts.MARGIN, abs=0.5)


def test_a_german_receipt_is_drawn_with_german_active_and_german_dates_and_money(monkeypatch):
    active = []
    draw = receipts._draw

    def spy(canvas, text, *args, **kwargs):
        active.append(translation.get_language())
        draw(canvas, text, *args, **kwargs)

    monkeypatch.setattr(receipts, "_draw", spy)
    german = replace(CONTENT, learner_name="Jürgen Groß", course_title="Grundlagen", language="de")
    pdf = receipts.render_receipt(german)
    assert set(active) == {"de"}
    assert translation.get_language() == "en"  # and only while drawing
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "4. März 2025" in text and "1234,50 EUR" in text and "Jürgen Groß" in text


def test_the_language_is_one_of_the_facts_so_a_change_makes_a_new_file():
    assert receipts.stored_name(CONTENT) != receipts.stored_name(replace(CONTENT, language="de"))


@pytest.mark.django_db
def test_a_receipt_is_written_in_its_buyers_language(learner, catalogue):
    course = make_course(catalogue, title="Django in Depth", price=Decimal("49.00"))
    learner.preferred_language = "de"
    learner.save(update_fields=["preferred_language"])
    order = paid_order(learner, course)
    with translation.override("ar"):  # whoever asks for it, in whichever language
        content = receipts.receipt_content(order)
    assert content.language == "de"
    assert "49,00 EUR" in PdfReader(io.BytesIO(receipts.receipt_pdf(order=order))).pages[0].extract_text()


@pytest.mark.django_db
def test_an_invoice_is_written_in_the_language_of_who_ordered_it(learner, catalogue):
    course = make_course(catalogue, title="Teamkurs", price="10.00", modules=1)
    learner.preferred_language = "ar"
    learner.save(update_fields=["preferred_language"])
    order = seat_order(learner, [(course, 2)])
    simulator.pay(order=order)
    order.refresh_from_db()
    content = invoices.invoice_content(order)
    assert content.language == "ar"
    # Mirrored: the course's line starts from the right margin.
    pdf = invoices.render_invoice(content)
    line = next((start, end) for text, start, end in spans(pdf) if text == "Teamkurs")
    assert line[1] == pytest.approx(invoices.WIDTH - invoices.MARGIN - 10, abs=0.5)
