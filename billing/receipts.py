"""The receipt PDF of a paid order: a pure function of the printed facts, so the same facts give the same bytes.

Built like the certificate (certificates/pdf.py): ReportLab in invariant mode with the creation date
fixed to the last payment fact printed, and the fonts shipped with the code (lms_site/pdf_fonts.py).
"""

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from lms_site.formatting import money_with_code
from lms_site.pdf_fonts import SANS, SERIF_BOLD, draw_text, register_fonts, text_width

from .models import Order

HEADING = SERIF_BOLD  # the seller, the document's title and the total

INK = HexColor("#1e293b")
ACCENT = HexColor("#4f46e5")
MUTED = HexColor("#475569")
RULE = HexColor("#e2e8f0")
SHADE = HexColor("#f8fafc")
ALERT = HexColor("#991b1b")
ALERT_SHADE = HexColor("#fef2f2")

WIDTH, HEIGHT = A4
MARGIN = 56


@dataclass(frozen=True)
class ReceiptContent:
    number: str
    seller: str
    paid_at: datetime
    learner_name: str
    learner_email: str
    course_title: str
    currency: str
    price: Decimal  # the course price when checkout began
    charged: Decimal  # what the payment provider reports was charged (lower with a promotion code)
    payment_reference: str
    refunded: Decimal = Decimal("0.00")
    refunded_at: datetime | None = None
    chargeback_at: datetime | None = None


def receipt_number(order: Order) -> str:
    return f"R-{order.pk:06d}"


def receipt_filename(order: Order) -> str:
    return f"receipt-{receipt_number(order)}.pdf"


def receipt_content(order: Order) -> ReceiptContent:
    """What the receipt of a paid order prints; order.user and order.course should be loaded with it."""
    if order.paid_at is None:
        raise ValueError(f"Order {order.pk} was never paid: it has no receipt.")
    return ReceiptContent(
        number=receipt_number(order),
        seller=settings.WAGTAIL_SITE_NAME,
        paid_at=order.paid_at,
        learner_name=order.user.display_name,
        learner_email=order.user.email,
        course_title=order.course.title,
        currency=order.currency,
        price=order.amount,
        charged=order.amount if order.amount_paid is None else order.amount_paid,
        payment_reference=order.payment_intent_id or "",
        refunded=order.amount_refunded,
        refunded_at=order.refunded_at,
        chargeback_at=order.dispute_lost_at,
    )


def receipt_pdf(*, order: Order) -> bytes:
    return render_receipt(receipt_content(order))


def _day(moment: datetime) -> str:
    local: date = timezone.localtime(moment).date()
    return f"{local.day} {local:%B %Y}"


def adjustments(content: ReceiptContent) -> list[str]:
    """The lines that say money went back after the payment, in words a learner understands."""
    lines = []
    if content.refunded_at is not None:
        refunded = money_with_code(content.refunded or content.charged, content.currency)
        lines.append(f"Refunded {refunded} on {_day(content.refunded_at)}")
    elif content.refunded > 0:
        lines.append(f"Partially refunded: {money_with_code(content.refunded, content.currency)}")
    if content.chargeback_at is not None:
        lines.append(f"Payment reversed by a chargeback on {_day(content.chargeback_at)}")
    return lines


def _draw(canvas: Canvas, text: str, x: float, y: float, font_name: str, size: float, colour, right=False) -> None:
    """Draws text from x, or ending at x when right is set."""
    if right:
        x -= text_width(text, font_name, size)
    canvas.setFillColor(colour)
    draw_text(canvas, text, x, y, font_name, size)


def _wrap(text: str, font_name: str, size: float, max_width: float) -> list[str]:
    """Lines no wider than max_width, broken between words, or inside a word too long for a line."""
    lines = [""]
    for word in text.split():
        candidate = f"{lines[-1]} {word}".strip()
        if text_width(candidate, font_name, size) <= max_width:
            lines[-1] = candidate
            continue
        if lines[-1]:
            lines.append("")
        for char in word:
            if lines[-1] and text_width(lines[-1] + char, font_name, size) > max_width:
                lines.append("")
            lines[-1] += char
    return lines


def _fit(text: str, font_name: str, size: float, max_width: float, smallest: float = 8) -> tuple[list[str], float]:
    """Lines and a size that fit max_width: a smaller size first (e-mails and references are one long word),
    then lines broken inside the word, so nothing a receipt must show is ever cut off."""
    width = text_width(text, font_name, size)
    if width <= max_width:
        return [text], size
    size = max(smallest, size * max_width / width)
    return _wrap(text, font_name, size, max_width), size


def render_receipt(content: ReceiptContent) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    last_fact = max(moment for moment in (content.paid_at, content.refunded_at, content.chargeback_at) if moment)
    created = last_fact.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")
    canvas.setDateFormatter(lambda *_: created)
    canvas.setTitle(f"Receipt {content.number}")
    canvas.setAuthor(content.seller)
    canvas.setSubject(f"{content.course_title} for {content.learner_name}")
    canvas.setCreator(content.seller)
    left, right = MARGIN, WIDTH - MARGIN

    canvas.setFillColor(ACCENT)
    canvas.rect(0, HEIGHT - 8, WIDTH, 8, stroke=0, fill=1)

    # Seller and document title
    top = HEIGHT - 72
    _draw(canvas, content.seller, left, top, HEADING, 24, ACCENT)
    _draw(canvas, "Receipt", right, top, HEADING, 24, INK, right=True)
    _draw(canvas, "Online courses", left, top - 18, SANS, 9.5, MUTED)
    _draw(canvas, content.number, right, top - 18, SANS, 10, MUTED, right=True)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(1)
    canvas.line(left, top - 36, right, top - 36)

    # Who paid, and the payment's facts
    y = top - 66
    labels_x, values_x = WIDTH / 2 - 30, right
    _draw(canvas, "BILLED TO", left, y, SANS, 8, MUTED)
    billed_y = y - 17
    size: float
    for text, size, colour in ((content.learner_name, 11, INK), (content.learner_email, 10, MUTED)):
        lines, size = _fit(text, SANS, size, labels_x - left - 20)
        for line in lines:
            _draw(canvas, line, left, billed_y, SANS, size, colour)
            billed_y -= size + 4
    facts = (
        ("Receipt number", content.number),
        ("Date paid", _day(content.paid_at)),
        ("Payment reference", content.payment_reference or "—"),
    )
    facts_y = y
    for label, value in facts:
        _draw(canvas, label, labels_x, facts_y, SANS, 9, MUTED)
        lines, size = _fit(value, SANS, 9.5, values_x - labels_x - 92)
        for line in lines:
            _draw(canvas, line, values_x, facts_y, SANS, size, INK, right=True)
            facts_y -= size + 4
        facts_y -= 17 - (size + 4)
    y = min(billed_y, facts_y) - 36

    # The line item
    canvas.setFillColor(SHADE)
    canvas.rect(left, y - 8, right - left, 24, stroke=0, fill=1)
    _draw(canvas, "DESCRIPTION", left + 10, y, SANS, 8, MUTED)
    _draw(canvas, "AMOUNT", right - 10, y, SANS, 8, MUTED, right=True)
    y -= 30
    _draw(canvas, "Online course", left + 10, y, SANS, 8.5, MUTED)
    title_lines = _wrap(content.course_title, SANS, 11, right - left - 150)
    _draw(canvas, money_with_code(content.price, content.currency), right - 10, y - 16, SANS, 11, INK, right=True)
    for line in title_lines:
        y -= 16
        _draw(canvas, line, left + 10, y, SANS, 11, INK)
    y -= 18
    canvas.line(left, y, right, y)

    # Totals: the discount shows only when a promotion code lowered the charge
    totals_x = WIDTH / 2 + 10
    if content.charged != content.price:
        y -= 20
        _draw(canvas, "Course price", totals_x, y, SANS, 10, MUTED)
        _draw(canvas, money_with_code(content.price, content.currency), right - 10, y, SANS, 10, INK, right=True)
        y -= 17
        _draw(canvas, "Discount", totals_x, y, SANS, 10, MUTED)
        discount = money_with_code(content.price - content.charged, content.currency)
        _draw(canvas, f"−{discount}", right - 10, y, SANS, 10, INK, right=True)
    y -= 26
    _draw(canvas, "Total charged", totals_x, y, HEADING, 12, INK)
    _draw(canvas, money_with_code(content.charged, content.currency), right - 10, y, HEADING, 12, INK, right=True)
    canvas.line(totals_x, y - 10, right, y - 10)

    # Money that went back after the payment, where nobody can miss it
    lines = adjustments(content)
    if lines:
        y -= 44
        box_height = 16 + 17 * len(lines)
        canvas.setFillColor(ALERT_SHADE)
        canvas.setStrokeColor(ALERT)
        canvas.rect(left, y - box_height + 16, right - left, box_height, stroke=1, fill=1)
        for line in lines:
            _draw(canvas, line, left + 12, y, SANS, 11, ALERT)
            y -= 17

    # Footer
    canvas.setStrokeColor(RULE)
    canvas.line(left, 84, right, 84)
    note = f"{content.seller} confirms receipt of this payment for the course above. Please keep it for your records."
    for index, line in enumerate(_wrap(note, SANS, 8.5, right - left)):
        _draw(canvas, line, left, 68 - index * 12, SANS, 8.5, MUTED)
    _draw(canvas, f"Receipt {content.number} · page 1 of 1", right, 40, SANS, 8, MUTED, right=True)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
