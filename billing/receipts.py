"""The receipt PDF of a paid order: a pure function of the printed facts, so the same facts give the same bytes.

Built like the certificate (certificates/pdf.py): ReportLab in invariant mode with the creation date
fixed to the last payment fact printed, and the fonts shipped with the code (lms_site/pdf_fonts.py).

Once drawn, a receipt is kept in the private "receipts" storage under a name made from its facts
(`stored_name`), so downloads are sent from there and a refund, which changes the facts, makes a new file.

A receipt speaks its buyer's language (`language`, one of the facts, so a buyer who changes theirs gets a new
file); in a right-to-left language the page is mirrored (`_draw` places every text through lms_site.pdf_text).
"""

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from lms_site.formatting import money_with_code
from lms_site.i18n import language_of
from lms_site.pdf_fonts import SANS, SERIF_BOLD, draw_text, register_fonts, text_width
from lms_site.pdf_text import Mirror
from lms_site.storage import AliasedStorage

from . import selectors
from .details import BillingDetails, SellerDetails
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
FOOTER_TOP = 92  # the rule above the footer's note; content stays above it


@dataclass(frozen=True)
class ReceiptContent:
    number: str
    seller: SellerDetails
    paid_at: datetime
    learner_name: str
    learner_email: str
    course_title: str
    currency: str
    price: Decimal  # the course price when checkout began
    charged: Decimal  # what the payment provider reports was charged
    payment_reference: str
    buyer: BillingDetails = BillingDetails()
    coupon_code: str = ""
    discount: Decimal = Decimal("0.00")  # what the coupon took off the price
    refunded: Decimal = Decimal("0.00")
    refunded_at: datetime | None = None
    chargeback_at: datetime | None = None
    language: str = "en"  # the buyer's: the receipt is written to them


_receipt_storage = AliasedStorage("receipts")


def receipt_storage():
    # Receipts name the buyer and their address: private, handed out by billing.views.receipt only.
    return _receipt_storage


def stored_name(content: ReceiptContent) -> str:
    """The receipt's file in the receipts storage: a folder per receipt, a file per version of its facts."""
    digest = hashlib.sha256(repr(content).encode()).hexdigest()[:24]
    return f"{content.number}/{digest}.pdf"


def receipt_number(order: Order) -> str:
    return f"R-{order.pk:06d}"


def receipt_filename(order: Order) -> str:
    return f"receipt-{receipt_number(order)}.pdf"


def receipt_content(order: Order) -> ReceiptContent:
    """What the receipt of a paid order prints; order.user and order.course should be loaded with it."""
    if order.paid_at is None:
        raise ValueError(f"Order {order.pk} was never paid: it has no receipt.")
    if order.course is None:
        raise ValueError(f"Order {order.pk} is a seat order: it has an invoice (invoices.py), not a receipt.")
    # Orders paid before sellers' details were kept print today's.
    seller = (
        SellerDetails.from_dict(order.seller_details, default_name=settings.WAGTAIL_SITE_NAME)
        if order.seller_details
        else selectors.seller_details()
    )
    return ReceiptContent(
        number=receipt_number(order),
        seller=seller,
        paid_at=order.paid_at,
        learner_name=order.user.display_name,
        learner_email=order.user.email,
        course_title=order.course.title,
        currency=order.currency,
        price=order.amount,
        charged=order.amount if order.amount_paid is None else order.amount_paid,
        payment_reference=order.payment_intent_id or "",
        buyer=BillingDetails.from_dict(order.buyer_details),
        coupon_code=order.coupon_code,
        discount=order.discount,
        refunded=order.amount_refunded,
        refunded_at=order.refunded_at,
        chargeback_at=order.dispute_lost_at,
        language=language_of(order.user),
    )


def receipt_pdf(*, order: Order) -> bytes:
    return render_receipt(receipt_content(order))


def _day(moment: datetime) -> str:
    """ "1 April 2025", "1. April 2025": the project's long date (lms_site/formats) in the active language."""
    local: date = timezone.localtime(moment).date()
    return formats.date_format(local, "LONG_DATE_FORMAT")


def coupon_line(content: ReceiptContent) -> tuple[str, str] | None:
    """The coupon as a receipt names it: ("Coupon WELCOME10", "−4.90 EUR"); None without a coupon."""
    if not content.coupon_code:
        return None
    label = _("Coupon %(code)s") % {"code": content.coupon_code}
    return label, f"−{money_with_code(content.discount, content.currency)}"


def adjustments(content: ReceiptContent) -> list[str]:
    """The lines that say money went back after the payment, in words a learner understands."""
    lines = []
    if content.refunded_at is not None:
        refunded = money_with_code(content.refunded or content.charged, content.currency)
        lines.append(_("Refunded %(money)s on %(day)s") % {"money": refunded, "day": _day(content.refunded_at)})
    elif content.refunded > 0:
        lines.append(
            _("Partially refunded: %(money)s") % {"money": money_with_code(content.refunded, content.currency)}
        )
    if content.chargeback_at is not None:
        lines.append(_("Payment reversed by a chargeback on %(day)s") % {"day": _day(content.chargeback_at)})
    return lines


def _draw(canvas: Canvas, text: str, x: float, y: float, font_name: str, size: float, colour, right=False) -> None:
    """Draws text from x, or ending at x when right is set; on a right-to-left page, from the mirrored x with the
    alignment swapped, so a label at the left margin starts at the right one."""
    mirror = Mirror.active(WIDTH)
    x, right = mirror.x(x), mirror.right(right)
    if right:
        x -= text_width(text, font_name, size)
    canvas.setFillColor(colour)
    draw_text(canvas, text, x, y, font_name, size)


def _span(x1: float, x2: float, y: float) -> tuple[float, float, float, float]:
    """A horizontal rule from x1 to x2 at y, mirrored on a right-to-left page."""
    start, end = Mirror.active(WIDTH).span(x1, x2)
    return start, y, end, y


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


def _draw_seller(canvas: Canvas, seller, *, left: float, top: float, fallback: str) -> float:
    """The seller at the top left: the name as large as fits half the page, then its address and VAT id (or
    `fallback` without either); returns the last line's height. Receipts and invoices share it."""
    seller_width = WIDTH / 2 - left - 10
    name_lines, name_size = _fit(seller.name, HEADING, 24, seller_width, smallest=12)
    baseline = top
    for index, line in enumerate(name_lines):
        baseline = top - index * (name_size + 2)
        _draw(canvas, line, left, baseline, HEADING, name_size, ACCENT)
    details = seller.address_lines()
    if seller.vat_id:
        details.append(_("VAT id: %(vat_id)s") % {"vat_id": seller.vat_id})
    baseline -= 18 - 12.5
    for text in details or [fallback]:
        lines, size = _fit(text, SANS, 9.5, seller_width)
        for line in lines:
            baseline -= 12.5
            _draw(canvas, line, left, baseline, SANS, size, MUTED)
    return baseline


def _draw_facts(canvas: Canvas, facts, *, left: float, labels_x: float, right: float, top: float, baseline: float):
    """The labelled facts at the top right (number, dates, references), values wrapped to fit, then the rule
    under the header; returns the rule's height. Receipts and invoices share it."""
    facts_y = top - 8
    for label, value in facts:
        facts_y -= 15
        _draw(canvas, label, labels_x, facts_y, SANS, 9, MUTED)
        lines, size = _fit(value, SANS, 9.5, right - labels_x - 92)
        for index, line in enumerate(lines):
            if index:
                facts_y -= size + 3
            _draw(canvas, line, right, facts_y, SANS, size, INK, right=True)
    rule_y = min(baseline, facts_y) - 18
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(1)
    canvas.line(left, rule_y, right, rule_y)
    return rule_y


def _fit(text: str, font_name: str, size: float, max_width: float, smallest: float = 8) -> tuple[list[str], float]:
    """Lines and a size that fit max_width: a smaller size first (e-mails and references are one long word),
    then lines broken inside the word, so nothing a receipt must show is ever cut off."""
    width = text_width(text, font_name, size)
    if width <= max_width:
        return [text], size
    size = max(smallest, size * max_width / width)
    return _wrap(text, font_name, size, max_width), size


def _footer(canvas: Canvas, content: ReceiptContent, *, page: int, pages: int) -> None:
    left, right = MARGIN, WIDTH - MARGIN
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(1)
    canvas.line(left, FOOTER_TOP, right, FOOTER_TOP)
    note = _("%(seller)s confirms receipt of this payment for the course above. Please keep it for your records.") % {
        "seller": content.seller.name
    }
    for index, line in enumerate(_wrap(note, SANS, 8.5, right - left)):
        _draw(canvas, line, left, FOOTER_TOP - 14 - index * 11, SANS, 8.5, MUTED)
    footer = _("Receipt %(number)s · page %(page)d of %(pages)d") % {
        "number": content.number,
        "page": page,
        "pages": pages,
    }
    _draw(canvas, footer, right, 32, SANS, 8, MUTED, right=True)


def render_receipt(content: ReceiptContent) -> bytes:
    with translation.override(content.language):
        return _render(content)


def _render(content: ReceiptContent) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    last_fact = max(moment for moment in (content.paid_at, content.refunded_at, content.chargeback_at) if moment)
    created = last_fact.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")
    canvas.setDateFormatter(lambda *_: created)
    canvas.setTitle(_("Receipt %(number)s") % {"number": content.number})
    canvas.setAuthor(content.seller.name)
    canvas.setSubject(
        _("%(course)s for %(learner)s") % {"course": content.course_title, "learner": content.learner_name}
    )
    canvas.setCreator(content.seller.name)
    left, right = MARGIN, WIDTH - MARGIN

    canvas.setFillColor(ACCENT)
    canvas.rect(0, HEIGHT - 8, WIDTH, 8, stroke=0, fill=1)

    # Seller on the left; the document's title and the payment's facts on the right
    top = HEIGHT - 72
    baseline = _draw_seller(canvas, content.seller, left=left, top=top, fallback=_("Online courses"))

    _draw(canvas, _("Receipt"), right, top, HEADING, 24, INK, right=True)
    labels_x = WIDTH / 2 + 20
    facts = (
        (_("Receipt number"), content.number),
        (_("Date paid"), _day(content.paid_at)),
        (_("Payment reference"), content.payment_reference or "—"),
    )
    rule_y = _draw_facts(canvas, facts, left=left, labels_x=labels_x, right=right, top=top, baseline=baseline)

    # Who paid: the account, then the billing details they gave, across the page so long ones fit
    y = rule_y - 30
    _draw(canvas, _("BILLED TO"), left, y, SANS, 8, MUTED)
    y -= 17
    billed = [(content.learner_name, 11.0, INK), (content.learner_email, 10.0, MUTED)]
    billed += [(line, 9.5, INK) for line in content.buyer.lines()]
    for text, size, colour in billed:
        lines, size = _fit(text, SANS, size, right - left)
        for line in lines:
            _draw(canvas, line, left, y, SANS, size, colour)
            y -= size + 4
    y -= 28

    # What follows the buyer goes on as one block: on this page when it fits above the footer, else on a
    # second page (only very long details and titles need one), so nothing overlaps and nothing is cut off.
    totals_x = WIDTH / 2 + 10
    title_lines = _wrap(content.course_title, SANS, 11, right - left - 150)
    coupon = coupon_line(content)
    label_lines, label_size = _fit(coupon[0], SANS, 10, right - totals_x - 100) if coupon else ([], 10.0)
    lines = adjustments(content)
    needed: float = 30 + 16 * len(title_lines) + 18 + 36 + (44 + 17 * len(lines) if lines else 0)
    if coupon or content.charged != content.price:
        needed += 37 + max(0, len(label_lines) - 1) * (label_size + 3)
    pages = 1 if y - needed > FOOTER_TOP + 16 else 2
    if pages == 2:
        _footer(canvas, content, page=1, pages=2)
        canvas.showPage()
        canvas.setFillColor(ACCENT)
        canvas.rect(0, HEIGHT - 8, WIDTH, 8, stroke=0, fill=1)
        _draw(canvas, _("Receipt %(number)s") % {"number": content.number}, left, HEIGHT - 60, HEADING, 14, INK)
        y = HEIGHT - 100

    # The line item
    canvas.setFillColor(SHADE)
    canvas.rect(left, y - 8, right - left, 24, stroke=0, fill=1)
    _draw(canvas, _("DESCRIPTION"), left + 10, y, SANS, 8, MUTED)
    _draw(canvas, _("AMOUNT"), right - 10, y, SANS, 8, MUTED, right=True)
    y -= 30
    _draw(canvas, _("Online course"), left + 10, y, SANS, 8.5, MUTED)
    _draw(canvas, money_with_code(content.price, content.currency), right - 10, y - 16, SANS, 11, INK, right=True)
    for line in title_lines:
        y -= 16
        _draw(canvas, line, left + 10, y, SANS, 11, INK)
    y -= 18
    canvas.setStrokeColor(RULE)
    canvas.line(left, y, right, y)

    # Totals: a coupon's line, or (for older orders) a discount the payment provider gave
    if coupon or content.charged != content.price:
        y -= 20
        _draw(canvas, _("Course price"), totals_x, y, SANS, 10, MUTED)
        _draw(canvas, money_with_code(content.price, content.currency), right - 10, y, SANS, 10, INK, right=True)
        y -= 17
        if coupon:
            _draw(canvas, coupon[1], right - 10, y, SANS, 10, INK, right=True)
            for index, line in enumerate(label_lines):
                _draw(canvas, line, totals_x, y - index * (label_size + 3), SANS, label_size, MUTED)
            y -= (len(label_lines) - 1) * (label_size + 3)
        else:
            discount = money_with_code(content.price - content.charged, content.currency)
            _draw(canvas, _("Discount"), totals_x, y, SANS, 10, MUTED)
            _draw(canvas, f"−{discount}", right - 10, y, SANS, 10, INK, right=True)
    y -= 26
    _draw(canvas, _("Total charged"), totals_x, y, HEADING, 12, INK)
    _draw(canvas, money_with_code(content.charged, content.currency), right - 10, y, HEADING, 12, INK, right=True)
    canvas.line(*_span(totals_x, right, y - 10))

    # Money that went back after the payment, where nobody can miss it
    if lines:
        y -= 44
        box_height = 16 + 17 * len(lines)
        canvas.setFillColor(ALERT_SHADE)
        canvas.setStrokeColor(ALERT)
        canvas.rect(left, y - box_height + 16, right - left, box_height, stroke=1, fill=1)
        for line in lines:
            _draw(canvas, line, left + 12, y, SANS, 11, ALERT)
            y -= 17

    _footer(canvas, content, page=pages, pages=pages)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
