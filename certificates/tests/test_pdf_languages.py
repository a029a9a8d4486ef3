"""Certificates in the learner's language: Arabic joined, in reading order and mirrored; the language kept.

What pypdf returns for Arabic: each run of right-to-left glyphs turned back into logical order (it prepends
them as it reads), one fragment per font switch. The serif faces have no Arabic, so on the name and title lines
every Arabic word is its own fragment (DejaVu Sans) between the serif's spaces. A line reads right to left:
its fragments sorted by x, highest first. Drawn without reshaping there would be no presentation forms; drawn
in logical order, the first word would sit at the left and each word's letters would come back reversed.
"""

import io
import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from certificates.pdf import CertificateContent, render_certificate
from certificates.tests.test_pdf import LATIN

NAME = "ليلى حداد"
TITLE = "أساسيات البيانات"
ARABIC = CertificateContent(
    serial="LW-2026-AR12-3456",
    learner_name=NAME,
    course_title=TITLE,
    trainer_name="Tom Trainer",
    issuer_name="Learnwell",
    completed_on=date(2026, 3, 14),
    issued_at=datetime(2026, 3, 15, 9, 30, tzinfo=UTC),
    verification_url="https://learnwell.example/certificates/verify/LW-2026-AR12-3456/",
    language="ar",
)


def fragments(pdf: bytes) -> list[tuple[str, float, float]]:
    """(text, x, y) of every piece of text on the first page, as pypdf hands them to a visitor."""
    found: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.append((text.strip(), tm[4], tm[5]))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return found


def line_right_to_left(found, baseline: float) -> str:
    words = sorted(((x, text) for text, x, y in found if abs(y - baseline) < 0.5), reverse=True)
    return " ".join(text for _x, text in words)


def baseline_of(found, word: str) -> float:
    return next(y for text, _x, y in found if unicodedata.normalize("NFKC", text) == word)


def test_arabic_is_drawn_joined_and_in_reading_order():
    found = fragments(render_certificate(ARABIC))
    for logical in (NAME, TITLE):
        drawn = line_right_to_left(found, baseline_of(found, logical.split()[0]))
        # Joined: the letters are the contextual presentation forms, not the plain code points of the input.
        assert any(0xFE70 <= ord(char) <= 0xFEFF for char in drawn)
        assert not any(0x0621 <= ord(char) <= 0x064A for char in drawn)
        assert unicodedata.normalize("NFKC", drawn) == logical


def test_an_arabic_certificate_mirrors_its_date_and_qr_code():
    arabic, latin = fragments(render_certificate(ARABIC)), fragments(render_certificate(LATIN))
    width = 841.89  # landscape A4
    serial_x = next(x for text, x, _y in arabic if text == ARABIC.serial)
    assert serial_x < width / 2  # under the QR code, now on the left
    assert next(x for text, x, _y in latin if text == LATIN.serial) > width / 2
    # The date of completion, in Arabic with an Arabic month name, on the right.
    year_x = next(x for text, x, _y in arabic if text == "2026")
    assert year_x > width / 2
    assert "مارس" in {unicodedata.normalize("NFKC", text) for text, _x, _y in arabic}


def test_the_printed_language_decides_and_the_active_one_does_not():
    from django.utils import translation

    with translation.override("de"):
        assert render_certificate(replace(ARABIC, language="en")) == render_certificate(replace(ARABIC, language="en"))
        english = render_certificate(replace(ARABIC, language="en"))
    assert english == render_certificate(replace(ARABIC, language="en"))
    assert english != render_certificate(ARABIC)


@pytest.mark.django_db
def test_a_certificate_is_issued_in_the_learners_language_and_rebuilds_in_it(
    learner, course, lessons, complete_course, monkeypatch
):
    from certificates import pdf, services

    learner.preferred_language = "ar"
    learner.save(update_fields=["preferred_language"])
    complete_course(learner, course, lessons)
    certificate = learner.certificates.get()
    assert certificate.language == "ar"
    learner.preferred_language = "de"  # a later change does not touch the issued certificate
    learner.save(update_fields=["preferred_language"])
    languages = []
    render = pdf.render_certificate
    monkeypatch.setattr(pdf, "render_certificate", lambda c: languages.append(c.language) or render(c))
    certificate.pdf_file.storage.delete(certificate.pdf_file.name)
    certificate.refresh_from_db()
    assert services.certificate_pdf(certificate=certificate)  # rebuilt, and it matched the issued hash
    assert languages == ["ar"]
