from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.permission_policies.sites import SitePermissionPolicy

from courses.models import Currency

from .details import SELLER_ADDRESS_LINE_LENGTH, SELLER_ADDRESS_LINES, BillingDetails, has_control_characters


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    PROCESSING = "processing", _("Payment processing")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Payment failed")
    EXPIRED = "expired", _("Checkout expired")
    REFUNDED = "refunded", _("Refunded")
    DISPUTE_LOST = "dispute_lost", _("Chargeback lost")


# Statuses an order never leaves by itself: a closed checkout, or money that went back.
ACCESS_ENDED = (OrderStatus.REFUNDED, OrderStatus.DISPUTE_LOST)


class OrderKind(models.TextChoices):
    COURSE = "course", _("One course for the buyer")
    SEATS = "seats", _("Seats of courses for an organisation")


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Card")
    # Stripe Checkout's bank transfer (customer balance): the session completes unpaid and the money's fate
    # arrives later as async_payment_succeeded or async_payment_failed.
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")


class Order(models.Model):
    """One checkout: of one course by one learner (kind "course"), or of seats of several courses for an
    organisation (kind "seats", its lines in OrderLine; billing opens no course for the buyer, organisations
    reacts to order_paid and order_refunded).

    The payment facts Stripe reports (paid, refunded, dispute lost, failed, expired) are recorded as
    timestamps that are only ever set, never cleared, and the status is derived from them with a fixed
    precedence: so events applied in any order end in the same state.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    kind = models.CharField(max_length=10, choices=OrderKind.choices, default=OrderKind.COURSE)
    # The course bought (kind "course"); a seat order names its courses on its lines instead.
    course = models.ForeignKey(
        "courses.CoursePage", null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    payment_method = models.CharField(max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.CARD)
    # Where Checkout's return and cancel pages send the buyer back to (seat orders: the organisation's page).
    return_path = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    amount = models.DecimalField(max_digits=10, decimal_places=2, help_text=_("The course price when checkout began."))
    currency = models.CharField(max_length=3)
    amount_paid = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, help_text=_("What Stripe reports was charged.")
    )
    amount_refunded = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    # The coupon as it was applied: its code and the money it took off stay even if the coupon is edited or
    # deleted later. `amount - discount` is what the Checkout Session asks for and the webhook expects.
    coupon = models.ForeignKey("Coupon", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    coupon_code = models.CharField(max_length=32, blank=True)
    discount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    # When the coupon's redemption was counted: once, when the order was paid and opened the course.
    coupon_redeemed_at = models.DateTimeField(null=True, blank=True)
    # The buyer's billing details (billing.details.BillingDetails) and the seller's when the order was paid.
    buyer_details = models.JSONField(default=dict, blank=True)
    seller_details = models.JSONField(default=dict, blank=True)
    # Why a paid order was sent back without opening the course, when it was (see AutoRefund).
    auto_refund_reason = models.CharField(max_length=20, blank=True)

    checkout_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    checkout_url = models.URLField(max_length=1000, blank=True)
    payment_intent_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    # "<user id>:<course id>" while this order is the paid one, NULL otherwise. Unique, so the database
    # itself refuses a second paid order for the same learner and course (MariaDB has no partial indexes).
    # A seat order's key is "order:<id>": an organisation may buy the same course's seats many times.
    paid_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    processing_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    dispute_lost_at = models.DateTimeField(null=True, blank=True)
    refund_requested_at = models.DateTimeField(null=True, blank=True)
    refund_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "course", "status"]), models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="seats") | Q(course__isnull=False), name="course_orders_name_their_course"
            ),
        ]

    def __str__(self):
        return f"Order {self.pk}: {self.course_id or self.kind} for {self.user_id} ({self.status})"

    @property
    def is_seat_order(self) -> bool:
        return self.kind == OrderKind.SEATS

    def expected_paid_key(self) -> str:
        return f"order:{self.pk}" if self.is_seat_order else f"{self.user_id}:{self.course_id}"

    def derived_status(self) -> str:
        if self.dispute_lost_at:
            return OrderStatus.DISPUTE_LOST
        if self.refunded_at:
            return OrderStatus.REFUNDED
        if self.paid_at:
            return OrderStatus.PAID
        if self.failed_at:
            return OrderStatus.FAILED
        if self.expired_at:
            return OrderStatus.EXPIRED
        if self.processing_at:
            return OrderStatus.PROCESSING
        return OrderStatus.PENDING

    @property
    def grants_access(self) -> bool:
        return self.status == OrderStatus.PAID

    @property
    def buyer(self) -> BillingDetails:
        return BillingDetails.from_dict(self.buyer_details)

    @property
    def total(self) -> Decimal:
        """What the buyer is asked to pay: the price at checkout less the coupon's discount."""
        return self.amount - self.discount


class OrderLine(models.Model):
    """One course of a seat order: how many seats, at the course's price when checkout began."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    course = models.ForeignKey("courses.CoursePage", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    amount = models.DecimalField(max_digits=10, decimal_places=2, help_text=_("quantity × unit price"))

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "course"], name="one_line_per_course_and_order"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.course_id}"


class AutoRefund(models.TextChoices):
    """Why a payment was refunded by itself instead of opening the course."""

    DUPLICATE = "duplicate", _("A second payment for a course the learner already had")
    AMOUNT_MISMATCH = "amount_mismatch", _("The amount paid did not match the order's total")
    COUPON_USED_UP = "coupon_used_up", _("The coupon was used up before the payment arrived")


class StripeEvent(models.Model):
    """Every webhook event received, stored once by Stripe's id before it is applied."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    # applied | ignored (a type we do not act on) | unmatched (no order yet: re-applied when one appears)
    outcome = models.CharField(max_length=20, blank=True)
    payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self):
        return f"{self.type} {self.event_id}"


class CouponKind(models.TextChoices):
    PERCENT = "percent", _("Percent off")
    AMOUNT = "amount", _("Fixed amount off")


class Coupon(models.Model):
    """A code learners enter at checkout for money off; redemptions count only payments that opened a course."""

    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        help_text=_("What learners type at checkout, e.g. WELCOME10. Letters, digits, - and _; case does not matter."),
    )
    kind = models.CharField(_("discount type"), max_length=10, choices=CouponKind.choices, default=CouponKind.PERCENT)
    percent_off = models.DecimalField(
        _("percent off"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("99.99"))],
    )
    amount_off = models.DecimalField(
        _("amount off"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, blank=True)
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    max_redemptions = models.PositiveIntegerField(
        _("maximum redemptions"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("How many paid orders may use it in all. Empty: no limit."),
    )
    times_redeemed = models.PositiveIntegerField(_("times redeemed"), default=0, editable=False)
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Only for this course. Empty: any paid course."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive coupons are refused at checkout. Turn a coupon off rather than deleting it."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind=CouponKind.PERCENT, percent_off__gt=0, percent_off__lt=100, amount_off__isnull=True)
                    | (Q(kind=CouponKind.AMOUNT, amount_off__gt=0, percent_off__isnull=True) & ~Q(currency=""))
                ),
                name="coupon_percent_or_amount_with_currency",
            ),
            models.CheckConstraint(
                condition=(
                    Q(valid_from__isnull=True) | Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from"))
                ),
                name="coupon_valid_until_after_valid_from",
            ),
        ]

    def __str__(self):
        return self.code


class BillingProfile(models.Model):
    """The billing details a learner asked to be remembered for their next purchase."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="billing_profile")
    details = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Billing details of {self.user_id}"


class AdminsOnlySitePermissionPolicy(SitePermissionPolicy):
    """Only admins (superusers by role) edit the seller's details: a permission box ticked on another group
    grants nothing, as with the project's other role-decided admin pages."""

    def _user_has_global_permission(self, user, actions):
        return False

    def get_all_permissions_for_user(self, user):
        return super().get_all_permissions_for_user(user).none()


@register_setting(icon="tag")
class SellerSettings(BaseSiteSetting):
    """Who sells the courses, as every receipt prints it. Editable under Settings in the admin."""

    # Annotated because Wagtail's base class is untyped, which hides the fields from mypy's Django plugin.
    name: "models.CharField[str, str]" = models.CharField(
        _("seller name"),
        max_length=100,
        blank=True,
        help_text=_("The legal name printed on receipts. Empty: the site's name."),
    )
    address: "models.TextField[str, str]" = models.TextField(
        _("address"), max_length=500, blank=True, help_text=_("Postal address, one line per line of the address.")
    )
    vat_id: "models.CharField[str, str]" = models.CharField(
        _("VAT id"), max_length=20, blank=True, help_text=_("Printed on receipts when given.")
    )

    class Meta:
        verbose_name = _("seller details")

    def clean(self):
        errors = {}
        for field in ("name", "vat_id"):
            if has_control_characters(getattr(self, field)):
                errors[field] = _("Use one line of plain text.")
        lines = self.address.splitlines()
        if len(lines) > SELLER_ADDRESS_LINES:
            errors["address"] = _("Use at most %(count)s lines.") % {"count": SELLER_ADDRESS_LINES}
        elif any(len(line) > SELLER_ADDRESS_LINE_LENGTH for line in lines):
            errors["address"] = _("Keep each line to %(count)s characters.") % {"count": SELLER_ADDRESS_LINE_LENGTH}
        elif any(has_control_characters(line) for line in lines):
            errors["address"] = _("Use plain text, one line of the address per line.")
        if errors:
            raise ValidationError(errors)

    @classmethod
    def get_permission_policy(cls):
        return AdminsOnlySitePermissionPolicy(cls)
