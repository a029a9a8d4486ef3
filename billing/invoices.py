"""The invoice PDF of a seat order: a pure function of the printed facts, drawn like the receipt (receipts.py:
its fonts, colours and text helpers, ReportLab in invariant mode, the creation date fixed to the invoice's date).

A seat order gets an invoice once it is paid, or while a bank transfer for it is under way (then the invoice says
how and by when to pay). The buyer is the organisation as the order recorded it (`buyer_details`: its name, billing
contact and e-mail, tax id and address), so later edits to the organisation do not change an invoice.

An invoice speaks the language of the person who placed the order (the organisation's manager), like the
receipt: `language` is one of its facts, and a right-to-left one mirrors the page.
"""

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from lms_site.formatting import money_with_code
from lms_site.i18n import language_of
from lms_site.pdf_fonts import SANS, register_fonts

from . import selectors
from .details import SELLER_ADDRESS_LINE_LENGTH, SELLER_ADDRESS_LINES, SellerDetails, plain
from .models import Order, OrderStatus, PaymentMethod
from .receipts import (
    ACCENT,
    ALERT,
    ALERT_SHADE,
    FOOTER_TOP,
    HEADING,
    HEIGHT,
    INK,
    MARGIN,
    MUTED,
    RULE,
    SHADE,
    WIDTH,
    _day,
    _draw,
    _draw_facts,
    _draw_seller,
    _fit,
    _span,
    _wrap,
)

# A bank transfer is due this long after the invoice's date.
PAYMENT_TERMS = timedelta(days=14)
BUYER_FIELDS = {"company": 200, "name": 200, "email": 254, "vat_id": 64}


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    quantity: int
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class InvoiceBuyer:
    company: str = ""
    name: str = ""
    email: str = ""
    vat_id: str = ""
    address: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data) -> "InvoiceBuyer":
        data = data if isinstance(data, dict) else {}
        address = str(data.get("address") or "").splitlines()
        lines = tuple(line for line in (plain(line, SELLER_ADDRESS_LINE_LENGTH) for line in address) if line)
        return cls(
            **{name: plain(data.get(name), limit) for name, limit in BUYER_FIELDS.items()},
            address=lines[:SELLER_ADDRESS_LINES],
        )

    def lines(self) -> list[str]:
        lines = [self.company, self.name and _("Attn. %(name)s") % {"name": self.name}, *self.address, self.email]
        if self.vat_id:
            lines.append(_("VAT / tax id: %(id)s") % {"id": self.vat_id})
        return [line for line in lines if line]


@dataclass(frozen=True)
class InvoiceContent:
    number: str
    issued_at: datetime
    seller: SellerDetails
    buyer: InvoiceBuyer
    currency: str
    lines: tuple[InvoiceLine, ...]
    total: Decimal
    order_number: str
    payment_reference: str = ""
    paid_at: datetime | None = None
    due_at: datetime | None = None  # a bank transfer not yet received
    refunded: Decimal = Decimal("0.00")
    refunded_at: datetime | None = None
    language: str = "en"  # of the person who ordered: the invoice is written to them


def invoice_number(order: Order) -> str:
    return f"INV-{order.pk:06d}"


def invoice_filename(order: Order) -> str:
    return f"invoice-{invoice_number(order)}.pdf"


def stored_name(content: InvoiceContent) -> str:
    digest = hashlib.sha256(repr(content).encode()).hexdigest()[:24]
    return f"invoices/{content.number}/{digest}.pdf"


def has_invoice(order: Order) -> bool:
    """Paid seat orders, and those whose bank transfer is under way (their invoice asks for the payment)."""
    if not order.is_seat_order:
        return False
    if order.paid_at is not None:
        return True
    return order.status == OrderStatus.PROCESSING and order.payment_method == PaymentMethod.BANK_TRANSFER


def invoice_content(order: Order) -> InvoiceContent:
    """What the invoice of a seat order prints; its lines (with their courses) should be prefetched."""
    if not has_invoice(order):
        raise ValueError(f"Order {order.pk} has no invoice.")
    # Issued when the bank transfer began (it asks for the money), else when the card payment arrived.
    issued_at = order.processing_at or order.paid_at
    assert issued_at is not None
    seller = (
        SellerDetails.from_dict(order.seller_details, default_name=settings.WAGTAIL_SITE_NAME)
        if order.seller_details
        else selectors.seller_details()
    )
    lines = tuple(
        InvoiceLine(
            description=line.course.title,
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=line.amount,
        )
        for line in order.lines.all()
    )
    return InvoiceContent(
        number=invoice_number(order),
        issued_at=issued_at,
        seller=seller,
        buyer=InvoiceBuyer.from_dict(order.buyer_details),
        currency=order.currency,
        lines=lines,
        total=order.total,
        order_number=f"#{order.pk}",
        payment_reference=order.payment_intent_id or "",
        paid_at=order.paid_at,
        due_at=issued_at + PAYMENT_TERMS if order.paid_at is None else None,
        refunded=order.amount_refunded,
        refunded_at=order.refunded_at,
        language=language_of(order.user),
    )


def invoice_pdf(*, order: Order) -> bytes:
    return render_invoice(invoice_content(order))


def _notes(content: InvoiceContent) -> list[tuple[str, bool]]:
    """The payment's state in words, each with whether it is an alert."""
    money = money_with_code(content.total, content.currency)
    if content.paid_at is None and content.due_at is not None:
        return [
            (
                _("Payment due by %(day)s: %(money)s by bank transfer.")
                % {"day": _day(content.due_at), "money": money},
                True,
            ),
            (
                _("Use the bank account and reference shown at checkout, and quote invoice %(number)s.")
                % {"number": content.number},
                False,
            ),
            (_("The seats are added as soon as the transfer arrives."), False),
        ]
    notes = []
    if content.paid_at is not None:
        notes.append((_("Paid on %(day)s. Thank you.") % {"day": _day(content.paid_at)}, False))
    if content.refunded_at is not None:
        refunded = money_with_code(content.refunded or content.total, content.currency)
        notes.append(
            (_("Refunded %(money)s on %(day)s.") % {"money": refunded, "day": _day(content.refunded_at)}, True)
        )
    elif content.refunded > 0:
        notes.append(
            (_("Partially refunded: %(money)s.") % {"money": money_with_code(content.refunded, content.currency)}, True)
        )
    return notes


def _page_top(canvas: Canvas) -> None:
    canvas.setFillColor(ACCENT)
    canvas.rect(0, HEIGHT - 8, WIDTH, 8, stroke=0, fill=1)


def _footer(canvas: Canvas, content: InvoiceContent, page: int) -> None:
    left, right = MARGIN, WIDTH - MARGIN
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(1)
    canvas.line(left, FOOTER_TOP, right, FOOTER_TOP)
    note = _(
        "Invoice issued by %(seller)s for seats of online courses, each seat one learner's access to its course."
    ) % {"seller": content.seller.name}
    for index, line in enumerate(_wrap(note, SANS, 8.5, right - left)):
        _draw(canvas, line, left, FOOTER_TOP - 14 - index * 11, SANS, 8.5, MUTED)
    _draw(
        canvas,
        _("Invoice %(number)s · page %(page)d") % {"number": content.number, "page": page},
        right,
        32,
        SANS,
        8,
        MUTED,
        right=True,
    )


def render_invoice(content: InvoiceContent) -> bytes:
    with translation.override(content.language):
        return _render(content)


def _render(content: InvoiceContent) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    last_fact = max(moment for moment in (content.issued_at, content.paid_at, content.refunded_at) if moment)
    created = last_fact.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")
    canvas.setDateFormatter(lambda *_args: created)
    canvas.setTitle(_("Invoice %(number)s") % {"number": content.number})
    canvas.setAuthor(content.seller.name)
    canvas.setCreator(content.seller.name)
    left, right = MARGIN, WIDTH - MARGIN
    page = 1
    _page_top(canvas)

    # Seller on the left, the invoice's facts on the right
    top = HEIGHT - 72
    baseline = _draw_seller(canvas, content.seller, left=left, top=top, fallback=_("Online courses"))

    _draw(canvas, _("Invoice"), right, top, HEADING, 24, INK, right=True)
    labels_x = WIDTH / 2 + 20
    facts = [
        (_("Invoice number"), content.number),
        (_("Invoice date"), _day(content.issued_at)),
        (_("Order"), content.order_number),
    ]
    if content.due_at is not None:
        facts.append((_("Payment due"), _day(content.due_at)))
    if content.payment_reference:
        facts.append((_("Payment reference"), content.payment_reference))
    rule_y = _draw_facts(canvas, facts, left=left, labels_x=labels_x, right=right, top=top, baseline=baseline)

    y = rule_y - 30
    _draw(canvas, _("BILLED TO"), left, y, SANS, 8, MUTED)
    y -= 17
    for index, text in enumerate(content.buyer.lines() or ["—"]):
        lines, size = _fit(text, SANS, 11.0 if index == 0 else 9.5, right - left)
        for line in lines:
            _draw(canvas, line, left, y, SANS, size, INK if index == 0 else MUTED)
            y -= size + 4
    y -= 24

    qty_x, unit_x, amount_x = right - 190, right - 100, right - 10

    def header(y: float) -> float:
        canvas.setFillColor(SHADE)
        canvas.rect(left, y - 8, right - left, 24, stroke=0, fill=1)
        _draw(canvas, _("SEATS OF THE COURSE"), left + 10, y, SANS, 8, MUTED)
        _draw(canvas, _("QUANTITY"), qty_x, y, SANS, 8, MUTED, right=True)
        _draw(canvas, _("UNIT PRICE"), unit_x, y, SANS, 8, MUTED, right=True)
        _draw(canvas, _("AMOUNT"), amount_x, y, SANS, 8, MUTED, right=True)
        return y - 28

    def new_page() -> float:
        nonlocal page
        _footer(canvas, content, page)
        canvas.showPage()
        page += 1
        _page_top(canvas)
        _draw(canvas, _("Invoice %(number)s") % {"number": content.number}, left, HEIGHT - 60, HEADING, 14, INK)
        return HEIGHT - 100

    y = header(y)
    for item in content.lines:
        description = _wrap(item.description, SANS, 10, qty_x - left - 50)
        needed = 14 * len(description) + 12
        if y - needed < FOOTER_TOP + 20:
            y = header(new_page())
        _draw(canvas, str(item.quantity), qty_x, y, SANS, 10, INK, right=True)
        _draw(canvas, money_with_code(item.unit_price, content.currency), unit_x, y, SANS, 10, INK, right=True)
        _draw(canvas, money_with_code(item.amount, content.currency), amount_x, y, SANS, 10, INK, right=True)
        for line in description:
            _draw(canvas, line, left + 10, y, SANS, 10, INK)
            y -= 14
        y -= 6
        canvas.setStrokeColor(RULE)
        canvas.line(left, y + 8, right, y + 8)

    notes = _notes(content)
    needed = 60 + 17 * len(notes) + 30
    if y - needed < FOOTER_TOP + 20:
        y = new_page()
    totals_x = WIDTH / 2 + 10
    y -= 18
    _draw(canvas, _("Total"), totals_x, y, HEADING, 12, INK)
    _draw(canvas, money_with_code(content.total, content.currency), amount_x, y, HEADING, 12, INK, right=True)
    canvas.setStrokeColor(RULE)
    canvas.line(*_span(totals_x, right, y - 10))

    if notes:
        y -= 44
        box_height = 16 + 17 * len(notes)
        alert = any(is_alert for _text, is_alert in notes)
        canvas.setFillColor(ALERT_SHADE if alert else SHADE)
        canvas.setStrokeColor(ALERT if alert else RULE)
        canvas.rect(left, y - box_height + 16, right - left, box_height, stroke=1, fill=1)
        for text, is_alert in notes:
            lines, size = _fit(text, SANS, 10.5, right - left - 24)
            for line in lines:
                _draw(canvas, line, left + 12, y, SANS, size, ALERT if is_alert else INK)
                y -= 17

    _footer(canvas, content, page)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
