"""The certificate PDF: a pure function of the printed fields, so the same fields give the same bytes.

ReportLab runs in invariant mode (no random document id, no build time) with the creation date fixed
to the issue time, and the fonts are the files shipped with the code (lms_site/pdf_fonts.py) rather than
whatever the machine has, so a certificate rebuilt years later on another server hashes the same.

It is drawn in the language recorded when it was issued (the learner's then), never today's, for the same
reason; in a right-to-left language its off-centre blocks (the date, the QR code) trade sides.
"""

import io
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby

from django.utils import formats, translation
from django.utils.translation import gettext as _
from reportlab.graphics.barcode import qrencoder
from reportlab.lib.colors import HexColor, black, white
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from lms_site.pdf_fonts import SANS, SERIF, SERIF_BOLD, draw_text, register_fonts, text_width
from lms_site.pdf_text import Mirror, has_rtl, visual

INK = HexColor("#1e1b4b")
ACCENT = HexColor("#4f46e5")
MUTED = HexColor("#475569")
PAPER = HexColor("#fdfcf7")
GOLD = HexColor("#b08d57")


@dataclass(frozen=True)
class CertificateContent:
    serial: str
    learner_name: str
    course_title: str
    trainer_name: str
    issuer_name: str
    completed_on: date
    issued_at: datetime
    verification_url: str
    logo: bytes | None = None
    expires_on: date | None = None
    language: str = "en"  # the language it is printed in, recorded at issue


def _fitting_size(text: str, font_name: str, size: float, max_width: float, smallest: float) -> float:
    width = text_width(text, font_name, size)
    if width <= max_width:
        return size
    return max(smallest, size * max_width / width)


def _draw_centred(canvas: Canvas, text: str, x: float, y: float, font_name: str, size: float, colour) -> None:
    canvas.setFillColor(colour)
    draw_text(canvas, text, x - text_width(text, font_name, size) / 2, y, font_name, size)


def _wrap(text: str, font_name: str, size: float, max_width: float) -> list[str]:
    words, lines = text.split(), [""]
    for word in words:
        candidate = f"{lines[-1]} {word}".strip()
        if text_width(candidate, font_name, size) <= max_width or not lines[-1]:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def _frame(canvas: Canvas, width: float, height: float) -> None:
    canvas.setFillColor(PAPER)
    canvas.rect(0, 0, width, height, stroke=0, fill=1)
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(6)
    canvas.rect(22, 22, width - 44, height - 44, stroke=1, fill=0)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(1.2)
    canvas.rect(34, 34, width - 68, height - 68, stroke=1, fill=0)
    for x, y in ((34, 34), (width - 34, 34), (34, height - 34), (width - 34, height - 34)):
        canvas.setFillColor(GOLD)
        canvas.circle(x, y, 4, stroke=0, fill=1)


def _qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    # Encoded with ReportLab's encoder but drawn as one path of row runs: its widget builds a shape
    # object per module and encodes twice, which cost more than the rest of the certificate together.
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(url)
    code.make()
    module = size / code.getModuleCount()
    quiet = 2 * module
    canvas.setFillColor(white)
    canvas.rect(x - quiet, y - quiet, size + 2 * quiet, size + 2 * quiet, stroke=0, fill=1)
    path = canvas.beginPath()
    for row_number, row in enumerate(code.modules):
        column = 0
        for dark, run in groupby(bool(cell) for cell in row):
            length = sum(1 for _ in run)
            if dark:
                path.rect(x + column * module, y + size - (row_number + 1) * module, length * module, module)
            column += length
    canvas.setFillColor(black)
    canvas.drawPath(path, stroke=0, fill=1)


def _signature_block(canvas: Canvas, centre_x: float, y: float, line_text: str, caption: str) -> None:
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.8)
    canvas.line(centre_x - 105, y, centre_x + 105, y)
    if line_text:
        _draw_centred(canvas, line_text, centre_x, y + 8, SERIF, _fitting_size(line_text, SERIF, 13, 205, 8), INK)
    _draw_centred(canvas, caption, centre_x, y - 15, SANS, 9, MUTED)


def _day(day: date) -> str:
    """ "14 March 2026", "14. März 2026": the project's long date (lms_site/formats) in the active language."""
    return formats.date_format(day, "LONG_DATE_FORMAT")


def render_certificate(content: CertificateContent) -> bytes:
    with translation.override(content.language):
        return _render(content)


def _render(content: CertificateContent) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    canvas = Canvas(buffer, pagesize=(width, height), invariant=1, pageCompression=1)
    issued = content.issued_at.strftime("D:%Y%m%d%H%M%S+00'00'")
    canvas.setDateFormatter(lambda *_: issued)
    canvas.setTitle(_("Certificate %(serial)s") % {"serial": content.serial})
    canvas.setAuthor(content.issuer_name)
    canvas.setSubject(
        _("%(learner)s completed %(course)s") % {"learner": content.learner_name, "course": content.course_title}
    )
    canvas.setCreator(content.issuer_name)
    centre = width / 2
    mirror = Mirror.active(width)

    _frame(canvas, width, height)
    top = height - 80
    if content.logo:
        logo = ImageReader(io.BytesIO(content.logo))
        logo_width, logo_height = logo.getSize()
        scale = min(150 / logo_width, 48 / logo_height)
        canvas.drawImage(
            logo, centre - logo_width * scale / 2, top - 30, logo_width * scale, logo_height * scale, mask="auto"
        )
        top -= 50
    # A letter-spaced small heading; Arabic letters spaced apart would no longer join, so Arabic stays as is.
    issuer = content.issuer_name if has_rtl(content.issuer_name) else " ".join(content.issuer_name.upper())
    _draw_centred(canvas, issuer, centre, top, SANS, 11, ACCENT)
    _draw_centred(canvas, _("Certificate of Completion"), centre, top - 48, SERIF_BOLD, 34, INK)
    _draw_centred(canvas, _("This certifies that"), centre, top - 88, SANS, 13, MUTED)

    name_size = _fitting_size(content.learner_name, SERIF_BOLD, 38, width - 220, 14)
    _draw_centred(canvas, content.learner_name, centre, top - 138, SERIF_BOLD, name_size, ACCENT)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(1)
    rule = min(width - 200, max(440, text_width(content.learner_name, SERIF_BOLD, name_size) + 40)) / 2
    canvas.line(centre - rule, top - 150, centre + rule, top - 150)

    _draw_centred(canvas, _("has successfully completed the course"), centre, top - 178, SANS, 13, MUTED)
    title_lines = _wrap(content.course_title, SERIF, 24, width - 240)[:2]
    title_size = min(_fitting_size(line, SERIF, 24, width - 240, 11) for line in title_lines)
    for index, line in enumerate(title_lines):
        _draw_centred(canvas, line, centre, top - 214 - index * (title_size + 6), SERIF, title_size, INK)

    bottom = 118
    date_x = mirror.x(190)
    _signature_block(canvas, date_x, bottom, _day(content.completed_on), _("Date of completion"))
    if content.expires_on:
        # Only on certificates that expire, so the ones issued before (and their hashes) stay as they were.
        valid_until = _("Valid until %(day)s") % {"day": _day(content.expires_on)}
        _draw_centred(canvas, valid_until, date_x, bottom - 30, SANS, 9, INK)
    trainer_caption = _("Trainer") if content.trainer_name else ""
    _signature_block(canvas, centre, bottom, content.trainer_name, trainer_caption)

    qr_size = 78
    qr_centre = mirror.x(width - 100 - 40)
    qr_x = qr_centre - qr_size / 2
    _qr(canvas, content.verification_url, qr_x, bottom - 40, qr_size)
    # ReportLab's own centring, as certificates always had (their hashes depend on it); visual() leaves Latin
    # text as it is.
    canvas.setFillColor(MUTED)
    canvas.setFont(SANS, 7.5)
    canvas.drawCentredString(qr_centre, bottom - 52, visual(_("Scan or visit to verify")))
    canvas.drawCentredString(qr_centre, bottom - 62, content.serial)

    canvas.setFont(SANS, 7.5)
    verify = _("Verify this certificate at %(url)s") % {"url": content.verification_url}
    canvas.drawCentredString(centre, 46, visual(verify))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
