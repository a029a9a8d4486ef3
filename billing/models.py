from django.conf import settings
from django.db import models


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Awaiting payment"
    PROCESSING = "processing", "Payment processing"
    PAID = "paid", "Paid"
    FAILED = "failed", "Payment failed"
    EXPIRED = "expired", "Checkout expired"
    REFUNDED = "refunded", "Refunded"
    DISPUTE_LOST = "dispute_lost", "Chargeback lost"


# Statuses an order never leaves by itself: a closed checkout, or money that went back.
ACCESS_ENDED = (OrderStatus.REFUNDED, OrderStatus.DISPUTE_LOST)


class Order(models.Model):
    """One checkout of one course by one learner.

    The payment facts Stripe reports (paid, refunded, dispute lost, failed, expired) are recorded as
    timestamps that are only ever set, never cleared, and the status is derived from them with a fixed
    precedence: so events applied in any order end in the same state.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    course = models.ForeignKey("courses.CoursePage", on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    amount = models.DecimalField(max_digits=10, decimal_places=2, help_text="The course price when checkout began.")
    currency = models.CharField(max_length=3)
    amount_paid = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, help_text="What Stripe reports was charged."
    )
    amount_refunded = models.DecimalField(max_digits=10, decimal_places=2, default=0)

    checkout_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    checkout_url = models.URLField(max_length=1000, blank=True)
    payment_intent_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    # "<user id>:<course id>" while this order is the paid one, NULL otherwise. Unique, so the database
    # itself refuses a second paid order for the same learner and course (MariaDB has no partial indexes).
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

    def __str__(self):
        return f"Order {self.pk}: {self.course_id} for {self.user_id} ({self.status})"

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
