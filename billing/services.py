"""The write side of billing: checkout, webhook events, refunds.

Money opens and closes courses only here, and only from a verified webhook event: the return page
after Checkout shows what the webhook decided, it never decides itself.
"""

import base64
import logging
import posixpath
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import stripe
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts import throttling
from accounts.models import Notification, User
from accounts.tasks import send_account_email
from courses.models import CoursePage
from learning import selectors as learning_selectors
from learning import services as learning_services
from learning.models import Enrollment
from lms_site.formatting import money_with_code
from lms_site.inputs import read_json

from . import gateway, selectors
from .details import BillingDetails
from .models import (
    ACCESS_ENDED,
    AutoRefund,
    BillingProfile,
    Coupon,
    CouponKind,
    Order,
    OrderKind,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    StripeEvent,
)
from .signals import order_paid, order_refunded

logger = logging.getLogger(__name__)

# A Checkout Session stays open 24 hours; an order younger than this is reused rather than duplicated.
REUSABLE_CHECKOUT = timedelta(hours=23)
# Stripe caps an event payload well below this; anything larger is not from Stripe.
WEBHOOK_MAX_BYTES = 512 * 1024
CHECKOUT_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}
HANDLED_EVENTS = CHECKOUT_EVENTS | {"charge.refunded", "charge.dispute.closed"}


class BillingError(Exception):
    """A billing rule was broken; the message is for the person, status_code for the response."""

    status_code = 400


class NotAllowed(BillingError):
    status_code = 403


class AlreadyOwned(BillingError):
    status_code = 409


class NotForSale(BillingError):
    status_code = 404


class PaymentServiceUnavailable(BillingError):
    status_code = 503


class InvalidWebhook(BillingError):
    status_code = 400


class NotRefundable(BillingError):
    status_code = 409


class CouponRefused(BillingError):
    """A coupon code that cannot be used for this purchase; the message says why."""


class TooManyCouponGuesses(CouponRefused):
    status_code = 429


# Unknown codes a learner may try before being asked to wait: enough for typos, too few to guess codes.
COUPON_GUESSES = throttling.Limit(scope="coupon_code", attempts=10, seconds=10 * 60)
COUPON_CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]{1,31}")


@dataclass(frozen=True)
class Quote:
    """What a purchase costs: the price, the coupon applied and the money it takes off."""

    price: Decimal
    currency: str
    coupon: Coupon | None = None
    discount: Decimal = Decimal("0.00")

    @property
    def total(self) -> Decimal:
        return self.price - self.discount


def normalise_coupon_code(code: str) -> str:
    return code.strip().upper()


def check_can_buy(*, user: User | AnonymousUser, course: CoursePage) -> User:
    """The buyer, when they may start buying this course; raises the reason they may not."""
    if not user.is_authenticated or user.is_banned:
        raise NotAllowed(_("Please sign in to buy this course."))
    if not course.live or course.is_free:
        raise NotForSale(_("This course cannot be bought."))
    enrollment = learning_selectors.enrollment_for(user=user, course=course)
    if enrollment is not None and enrollment.gives_access:
        raise AlreadyOwned(_("You already have this course: no need to buy it again."))
    missing = learning_selectors.missing_prerequisites(user=user, course=course)
    if missing:
        titles = ", ".join(f"“{prerequisite.title}”" for prerequisite in missing)
        raise learning_services.PrerequisitesMissing(
            _("Complete %(titles)s before you buy this course.") % {"titles": titles}
        )
    return user


def coupon_discount(*, coupon: Coupon, price: Decimal) -> Decimal:
    """The money a coupon takes off a price, rounded half up to the cent and never more than the price."""
    if coupon.kind == CouponKind.PERCENT:
        assert coupon.percent_off is not None  # the model's check constraint
        discount = (price * coupon.percent_off / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    else:
        assert coupon.amount_off is not None
        discount = coupon.amount_off
    return min(discount, price)


def quote(*, user: User, course: CoursePage, coupon_code: str = "") -> Quote:
    """The price of the course for this buyer, with the coupon applied; raises CouponRefused saying why not.

    Unknown codes count towards a limit per learner, so codes cannot be found by trying many."""
    base = Quote(price=course.price, currency=course.currency)
    code = normalise_coupon_code(coupon_code)
    if not code:
        return base
    identity = str(user.pk)
    wait = throttling.retry_after(COUPON_GUESSES, identity)
    if wait is not None:
        minutes = max(1, round(wait / 60))
        raise TooManyCouponGuesses(
            _("Too many coupon codes tried. Please try again in %(minutes)s minutes.") % {"minutes": minutes}
        )
    coupon = selectors.coupon_by_code(code) if COUPON_CODE.fullmatch(code) else None
    if coupon is None or not coupon.is_active:
        throttling.hit(COUPON_GUESSES, identity)
        raise CouponRefused(_("The coupon code “%(code)s” is not valid.") % {"code": code[:32]})
    now = timezone.now()
    if coupon.valid_from and now < coupon.valid_from:
        day = formats.date_format(timezone.localtime(coupon.valid_from), "DATE_FORMAT")
        raise CouponRefused(_("The coupon %(code)s can be used from %(day)s.") % {"code": coupon.code, "day": day})
    if coupon.valid_until and now >= coupon.valid_until:
        raise CouponRefused(_("The coupon %(code)s has expired.") % {"code": coupon.code})
    if coupon.max_redemptions is not None and coupon.times_redeemed >= coupon.max_redemptions:
        raise CouponRefused(_("The coupon %(code)s has been used up.") % {"code": coupon.code})
    if coupon.course_id is not None and coupon.course_id != course.pk:
        raise CouponRefused(_("The coupon %(code)s is not for this course.") % {"code": coupon.code})
    if coupon.kind == CouponKind.AMOUNT and coupon.currency != course.currency:
        raise CouponRefused(
            _("The coupon %(code)s is for prices in %(currency)s.") % {"code": coupon.code, "currency": coupon.currency}
        )
    discounted = Quote(
        price=course.price,
        currency=course.currency,
        coupon=coupon,
        discount=coupon_discount(coupon=coupon, price=course.price),
    )
    minimum = gateway.MINIMUM_CHARGE[course.currency]
    if discounted.total < minimum:
        # Checkout cannot take a payment this small, and a course is only ever opened by a verified payment.
        raise CouponRefused(
            _(
                "The coupon %(code)s would take the price below %(minimum)s, the smallest amount that can be paid "
                "online, so it cannot be used for this course."
            )
            % {"code": coupon.code, "minimum": money_with_code(minimum, course.currency)}
        )
    return discounted


def remember_billing_details(*, user: User, details: BillingDetails) -> None:
    """Keeps the details for the learner's next checkout; empty details forget the saved ones."""
    if details.is_empty:
        BillingProfile.objects.filter(user=user).delete()
    else:
        BillingProfile.objects.update_or_create(user=user, defaults={"details": details.as_dict()})


def start_checkout(
    *,
    user: User | AnonymousUser,
    course: CoursePage,
    base_url: str,
    coupon_code: str = "",
    buyer: BillingDetails | None = None,
    remember: bool = False,
) -> Order:
    """An order for the course and its Checkout Session; an open one is reused instead of charging twice.

    The coupon is checked here and its discount written on the order, so the session asks for the discounted
    total; it counts as redeemed only when the verified webhook reports the payment."""
    user = check_can_buy(user=user, course=course)
    price = quote(user=user, course=course, coupon_code=coupon_code)
    buyer = buyer or BillingDetails()
    if remember:
        remember_billing_details(user=user, details=buyer)
    terms = {
        "amount": price.price,
        "currency": price.currency,
        "coupon_id": price.coupon.pk if price.coupon else None,
        "coupon_code": price.coupon.code if price.coupon else "",
        "discount": price.discount,
        "buyer_details": buyer.as_dict(),
    }

    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)  # one checkout start per learner at a time
        mine = Order.objects.filter(user=user, course=course)
        if mine.filter(status=OrderStatus.PAID).exists():
            raise AlreadyOwned(_("You already paid for this course."))
        if mine.filter(status=OrderStatus.PROCESSING).exists():
            raise AlreadyOwned(_("Your payment for this course is still being confirmed; the course opens when it is."))
        pending = mine.filter(status=OrderStatus.PENDING, created_at__gte=timezone.now() - REUSABLE_CHECKOUT)
        if pending.filter(checkout_url="", created_at__gte=timezone.now() - timedelta(minutes=1)).exists():
            # A double click: the first request is still asking Stripe for its session.
            raise AlreadyOwned(_("Your checkout is being prepared. Please wait a moment."))
        # The same terms (price, coupon, billing details) reuse the open session; changed ones need a new one.
        # Compared here rather than in SQL: JSON equality is not the same on every database.
        for open_order in pending.exclude(checkout_url=""):
            if all(getattr(open_order, name) == value for name, value in terms.items()):
                return open_order
        order = Order.objects.create(user=user, course=course, **terms)

    success_url = base_url + reverse("billing:order_return", args=[order.pk])
    cancel_url = base_url + reverse("billing:order_cancelled", args=[order.pk])
    try:
        session = gateway.create_checkout_session(order=order, success_url=success_url, cancel_url=cancel_url)
    except stripe.StripeError as error:
        logger.warning("Checkout session for order %s failed: %s", order.pk, error)
        order.delete()  # no session, no money moved: nothing to keep
        message = _("The payment service did not answer. Please try again in a minute.")
        raise PaymentServiceUnavailable(message) from None
    Order.objects.filter(pk=order.pk).update(checkout_session_id=session.id, checkout_url=session.url)
    order.refresh_from_db()
    return order


# Seat orders ------------------------------------------------------------------------------------------------

MAX_SEATS_PER_LINE = 1000
# Order.amount keeps ten digits: a seat order may not ask for more.
MAX_ORDER_TOTAL = Decimal("99999999.99")


def create_seat_order(
    *,
    user: User,
    lines: list[tuple[CoursePage, int]],
    buyer_details: dict[str, str],
    payment_method: str = PaymentMethod.CARD,
    return_path: str = "",
) -> Order:
    """A pending seat order: one line per course with its quantity, at each course's price now. Billing opens no
    course for the buyer when it is paid; whoever placed it reacts to order_paid (and order_refunded).

    The caller links the order to whatever it is for inside its own transaction, then calls `open_checkout`, so
    no payment can arrive for an order nobody knows what it is for."""
    if not user.is_authenticated or user.is_banned:
        raise NotAllowed(_("Please sign in to buy seats."))
    if payment_method not in PaymentMethod.values:
        raise BillingError(_("Choose card or bank transfer."))
    if not lines:
        raise BillingError(_("Choose at least one course and how many seats of it."))
    seen: set[int] = set()
    currencies: set[str] = set()
    for course, quantity in lines:
        if not course.live or course.is_free:
            raise NotForSale(_("“%(course)s” is not for sale.") % {"course": course.title})
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_SEATS_PER_LINE:
            raise BillingError(
                _("Buy between 1 and %(max)d seats of “%(course)s”.")
                % {"max": MAX_SEATS_PER_LINE, "course": course.title}
            )
        if course.pk in seen:
            raise BillingError(_("“%(course)s” is chosen twice: give it one quantity.") % {"course": course.title})
        seen.add(course.pk)
        currencies.add(course.currency)
    if len(currencies) > 1:
        raise BillingError(_("These courses are priced in different currencies: buy them in separate orders."))
    total = sum((course.price * quantity for course, quantity in lines), Decimal("0.00"))
    if total > MAX_ORDER_TOTAL:
        raise BillingError(_("This order is too large for one payment: split it into several."))
    with transaction.atomic():
        order = Order.objects.create(
            user=user,
            kind=OrderKind.SEATS,
            course=None,
            amount=total,
            currency=currencies.pop(),
            buyer_details=buyer_details,
            payment_method=payment_method,
            return_path=return_path,
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order, course=course, quantity=quantity, unit_price=course.price, amount=course.price * quantity
            )
            for course, quantity in lines
        )
    return order


def open_checkout(*, order: Order, base_url: str) -> Order:
    """The Checkout Session of a pending seat order. Raises PaymentServiceUnavailable when Stripe does not answer
    (the order stays pending without a session: `discard_unopened` removes it)."""
    if gateway.uses_simulator() and not settings.BILLING_SIMULATOR_ENABLED:
        raise PaymentServiceUnavailable(_("Online payment is not available right now. Please try again later."))
    success_url = base_url + reverse("billing:order_return", args=[order.pk])
    cancel_url = base_url + reverse("billing:order_cancelled", args=[order.pk])
    try:
        session = gateway.create_checkout_session(order=order, success_url=success_url, cancel_url=cancel_url)
    except stripe.StripeError as error:
        logger.warning("Checkout session for order %s failed: %s", order.pk, error)
        raise PaymentServiceUnavailable(
            _("The payment service did not answer. Please try again in a minute.")
        ) from None
    Order.objects.filter(pk=order.pk).update(checkout_session_id=session.id, checkout_url=session.url)
    order.refresh_from_db()
    return order


def discard_unopened(*, order: Order) -> bool:
    """Deletes a seat order that never got a Checkout Session (no money can have moved). False otherwise."""
    deleted, _rows = Order.objects.filter(
        pk=order.pk, kind=OrderKind.SEATS, checkout_session_id__isnull=True, status=OrderStatus.PENDING
    ).delete()
    return bool(deleted)


def receive_webhook(*, payload: bytes, signature: str | None) -> str:
    """Verifies a webhook delivery and applies its event once. Raises InvalidWebhook, writing nothing."""
    if not signature:
        raise InvalidWebhook("Missing Stripe-Signature header.")
    try:
        # Read within size and depth limits before the SDK parses it again: JSON nested thousands deep would
        # exhaust the parser's stack before the signature is even looked at.
        event = read_json(payload, max_bytes=WEBHOOK_MAX_BYTES)
        if not isinstance(event, dict):  # the SDK assumes an object and would fail on anything else
            raise ValueError("not a JSON object")
        stripe.Webhook.construct_event(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=settings.STRIPE_WEBHOOK_TOLERANCE
        )
    except (ValueError, stripe.SignatureVerificationError) as error:
        raise InvalidWebhook(f"Webhook refused: {error}") from None
    if not event.get("id") or not isinstance(event.get("data"), dict):
        raise InvalidWebhook("Webhook refused: not a Stripe event.")
    return apply_event(event=event)


def apply_event(*, event: dict[str, Any]) -> str:
    """Stores the event by its id and applies it; a delivery seen before changes nothing. Returns the outcome."""
    data = event["data"].get("object") or {}
    with transaction.atomic():
        try:
            with transaction.atomic():
                stored = StripeEvent.objects.create(
                    event_id=event["id"],
                    type=str(event.get("type", "")),
                    payload=event,
                    payment_intent_id=_payment_intent_of(data) or "",
                )
        except IntegrityError:
            return "duplicate"
        if stored.type not in HANDLED_EVENTS:
            return _mark(stored, "ignored")
        order = _locked_order(data)
        if order is None:
            # A refund can arrive before the payment it refunds; it waits for its order.
            return _mark(stored, "unmatched")
        _record(order, stored)
        if order.payment_intent_id:
            for parked in StripeEvent.objects.filter(outcome="unmatched", payment_intent_id=order.payment_intent_id):
                _record(order, parked)
        _settle(order)
        return stored.outcome


def request_refund(*, order: Order, by: User | None) -> Order:
    """Asks Stripe to refund a paid order in full; access ends when Stripe's charge.refunded event arrives."""
    if gateway.uses_simulator() and not settings.BILLING_SIMULATOR_ENABLED:
        raise PaymentServiceUnavailable(_("Stripe is not configured on this server, so it cannot refund."))
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status != OrderStatus.PAID or not order.payment_intent_id:
            raise NotRefundable(
                _("Order %(number)s is %(status)s: only paid orders refund.")
                % {"number": order.pk, "status": order.get_status_display().lower()}
            )
        if order.refund_requested_at:
            raise NotRefundable(
                _("A refund of order %(number)s was already requested; Stripe has not confirmed it yet.")
                % {"number": order.pk}
            )
        order.refund_requested_at = timezone.now()
        order.refund_requested_by = by
        order.save(update_fields=["refund_requested_at", "refund_requested_by"])
    try:
        gateway.create_refund(order=order)
    except stripe.StripeError as error:
        Order.objects.filter(pk=order.pk).update(refund_requested_at=None, refund_requested_by=None)
        raise PaymentServiceUnavailable(
            _("Stripe refused the refund: %(reason)s") % {"reason": error.user_message or error}
        ) from None
    order.refresh_from_db()
    return order


def _mark(stored: StripeEvent, outcome: str, order: Order | None = None) -> str:
    stored.outcome = outcome
    stored.order = order or stored.order
    stored.save(update_fields=["outcome", "order"])
    return outcome


def _payment_intent_of(data: dict[str, Any]) -> str | None:
    value = data.get("payment_intent")
    return value if isinstance(value, str) else None


def _locked_order(data: dict[str, Any]) -> Order | None:
    # Only the order's row is locked: FOR UPDATE over a join would lock the buyer's and the course's rows too
    # (MariaDB has no FOR UPDATE OF), so anything inserting a row that refers to them (a manager assigning a seat
    # while their seat order is refunded) would wait on the webhook while the webhook waits on it: a deadlock.
    orders = Order.objects.select_for_update()
    metadata = data.get("metadata") or {}
    order_id = metadata.get("order_id") or data.get("client_reference_id")
    if order_id and str(order_id).isdigit():
        order = orders.filter(pk=int(order_id)).first()
        if order is not None:
            return order
    if data.get("object") == "checkout.session" and data.get("id"):
        order = orders.filter(checkout_session_id=data["id"]).first()
        if order is not None:
            return order
    payment_intent = _payment_intent_of(data)
    return orders.filter(payment_intent_id=payment_intent).first() if payment_intent else None


def _record(order: Order, stored: StripeEvent) -> None:
    """Writes the fact an event reports onto the order. Facts are only ever added, so order does not matter."""
    data = stored.payload["data"]["object"]
    when = datetime.fromtimestamp(stored.payload.get("created") or timezone.now().timestamp(), tz=UTC)
    currency = str(data.get("currency") or order.currency).upper()
    payment_intent = _payment_intent_of(data)
    if payment_intent and not order.payment_intent_id:
        order.payment_intent_id = payment_intent
    if stored.type in CHECKOUT_EVENTS and data.get("id") and not order.checkout_session_id:
        order.checkout_session_id = data["id"]

    if stored.type in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        stripe_details = BillingDetails.from_stripe(data.get("customer_details"))
        if not order.buyer_details and not stripe_details.is_empty:
            # The buyer gave Stripe, not our checkout step, their billing details (a business's tax id).
            order.buyer_details = stripe_details.as_dict()
        if data.get("payment_status") in ("paid", "no_payment_required"):
            order.paid_at = order.paid_at or when
            if data.get("amount_total") is not None and currency in gateway.MINOR_UNITS:
                order.amount_paid = gateway.from_minor(int(data["amount_total"]), currency)
            if currency != order.currency and not order.auto_refund_reason:
                order.auto_refund_reason = AutoRefund.AMOUNT_MISMATCH
        else:
            order.processing_at = order.processing_at or when
    elif stored.type == "checkout.session.async_payment_failed":
        order.failed_at = order.failed_at or when
    elif stored.type == "checkout.session.expired":
        order.expired_at = order.expired_at or when
    elif stored.type == "charge.refunded" and currency in gateway.MINOR_UNITS:
        refunded = gateway.from_minor(int(data.get("amount_refunded") or 0), currency)
        order.amount_refunded = max(order.amount_refunded, refunded)
        if data.get("refunded"):  # the whole charge went back; a partial refund keeps the course open
            order.refunded_at = order.refunded_at or when
    elif stored.type == "charge.dispute.closed" and data.get("status") == "lost":
        order.dispute_lost_at = order.dispute_lost_at or when
    _mark(stored, "applied", order)


def _settle(order: Order) -> None:
    """Derives the order's status from its facts and opens or closes the course to match.

    A payment opens the course only when it is the learner's only paid order of the course, is exactly the
    order's total, and its coupon (if any) still had a redemption left; otherwise the money goes back.
    A seat order opens nothing for its buyer: order_paid and order_refunded carry it to its receivers."""
    was_paid = order.paid_key is not None
    status = order.derived_status()
    newly_paid = status == OrderStatus.PAID and not was_paid
    if newly_paid and not order.auto_refund_reason:
        order.auto_refund_reason = _refusal(order)
    refused = newly_paid and bool(order.auto_refund_reason)
    order.status = status
    if status != OrderStatus.PAID or refused:
        order.paid_key = None
    elif newly_paid:
        order.paid_key = order.expected_paid_key()
        order.seller_details = selectors.seller_details().as_dict()  # as the receipt must print it from now on
    order.save()

    if refused:
        logger.warning("Order %s was paid but refused (%s); refunding it", order.pk, order.auto_refund_reason)
        if order.refund_requested_at is None:  # a replayed event must not ask for a second refund
            transaction.on_commit(lambda: request_refund(order=order, by=None))
    elif newly_paid:
        if order.course is not None:  # a seat order has none: its receivers (organisations) grant its seats
            learning_services.grant_paid_access(user=order.user, course=order.course)
        order_paid.send(sender=Order, order=order)
    elif status in ACCESS_ENDED and was_paid:
        if order.course is not None:
            learning_services.end_paid_access(user=order.user, course=order.course)
        # Receivers run inside this transaction: certificates revokes the course's certificates here and now.
        order_refunded.send(sender=Order, order=order)


def _refusal(order: Order) -> str:
    """Why a payment that just arrived may not open the course ("" when it may), counting its coupon if not."""
    paid_key = order.expected_paid_key()
    if Order.objects.filter(paid_key=paid_key).exclude(pk=order.pk).exists():
        return AutoRefund.DUPLICATE  # two checkouts both paid (two tabs): the learner owns the course once
    if order.amount_paid is None or order.amount_paid != order.total:
        return AutoRefund.AMOUNT_MISMATCH
    if order.coupon_id is not None and order.coupon_redeemed_at is None:
        # One conditional UPDATE: of two payments racing for a coupon's last redemption, the database lets
        # exactly one through, whichever commits first; the other is refunded.
        redeemed = (
            Coupon.objects.filter(pk=order.coupon_id)
            .filter(Q(max_redemptions__isnull=True) | Q(times_redeemed__lt=F("max_redemptions")))
            .update(times_redeemed=F("times_redeemed") + 1)
        )
        if not redeemed:
            return AutoRefund.COUPON_USED_UP
        order.coupon_redeemed_at = timezone.now()
    return ""


def send_receipt(*, order_id: int) -> bool:
    """E-mails the buyer the receipt PDF of a paid order, once. False when there is nothing (more) to send.

    Claiming the notification, building the PDF and queueing the e-mail share one transaction: a build that
    fails leaves no claim behind, so a retry sends it; a retry after success finds the claim and sends nothing."""
    with transaction.atomic():
        order = Order.objects.select_for_update().select_related("user", "course").filter(pk=order_id).first()
        # A refund that arrived before this task ran: the learner gets no receipt for a course they lost.
        if order is None or order.status != OrderStatus.PAID or order.paid_key is None:
            return False
        if order.is_seat_order:  # its invoice is downloaded from the organisation's page
            return False
        if not account_services.claim_notification(user=order.user, kind=Notification.RECEIPT, key=f"order:{order.pk}"):
            return False
        from . import receipts  # ReportLab: loaded by the documents worker that sends receipts, not at start-up

        pdf = receipts.receipt_pdf(order=order)
        _keep_receipt(name=receipts.stored_name(receipts.receipt_content(order)), pdf=pdf)
        subject, body = account_services.render_email(
            template="billing/emails/receipt",
            context={"order": order, "receipt": receipts.receipt_content(order)},
            user=order.user,
        )
        attachment = (receipts.receipt_filename(order), base64.b64encode(pdf).decode(), "application/pdf")
        send_account_email.delay_on_commit(subject=subject, body=body, to=[order.user.email], attachments=[attachment])
    return True


def stored_receipt(*, order: Order) -> str:
    """The name of a paid order's receipt PDF in the receipts storage, drawn and kept first if it is not there.

    The documents worker keeps it when it e-mails the receipt, so a download rarely draws; a refund or new
    billing details change the facts, and the first download after draws the new version."""
    from . import receipts  # ReportLab: loaded where a receipt is asked for, not at start-up

    content = receipts.receipt_content(order)
    name = receipts.stored_name(content)
    if not receipts.receipt_storage().exists(name):
        _keep_receipt(name=name, pdf=receipts.render_receipt(content), required=True)
    return name


def stored_invoice(*, order: Order) -> str:
    """The name of a seat order's invoice PDF in the receipts storage, drawn and kept first if it is not there
    (a payment or refund changes its facts, and the next download draws the new version)."""
    from . import invoices, receipts  # ReportLab: loaded where an invoice is asked for

    content = invoices.invoice_content(order)
    name = invoices.stored_name(content)
    if not receipts.receipt_storage().exists(name):
        _keep_receipt(name=name, pdf=invoices.render_invoice(content), required=True)
    return name


def _keep_receipt(*, name: str, pdf: bytes, required: bool = False) -> None:
    """Stores a receipt's bytes under its name and removes the versions of earlier facts.

    Not required while e-mailing: a storage that fails then costs a drawing at the first download, not the
    e-mail."""
    from . import receipts

    storage = receipts.receipt_storage()
    try:
        if not storage.exists(name):
            saved = storage.save(name, ContentFile(pdf))
            if saved != name:  # another process kept the same facts meanwhile; both drew the same bytes
                storage.delete(saved)
        folder = posixpath.dirname(name)
        for other in storage.listdir(folder)[1]:
            if posixpath.join(folder, other) != name:
                storage.delete(posixpath.join(folder, other))
    except Exception:
        if required:
            raise
        logger.warning("Receipt %s could not be stored; its download will draw it again", name, exc_info=True)


def enrollment_of(order: Order) -> Enrollment | None:
    return Enrollment.objects.filter(user=order.user_id, course=order.course_id).first()
