"""Outbound webhooks: the endpoints admins register, and one delivery row per (endpoint, event)."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    ENROLLMENT_CREATED = "enrollment.created", "enrollment.created"
    ENROLLMENT_COMPLETED = "enrollment.completed", "enrollment.completed"
    CERTIFICATE_ISSUED = "certificate.issued", "certificate.issued"
    CERTIFICATE_REVOKED = "certificate.revoked", "certificate.revoked"
    ORDER_PAID = "order.paid", "order.paid"
    ORDER_REFUNDED = "order.refunded", "order.refunded"
    ATTEMPT_GRADED = "attempt.graded", "attempt.graded"
    ATTENDANCE_MARKED = "attendance.marked", "attendance.marked"


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(32)


class WebhookEndpoint(models.Model):
    url = models.URLField(_("URL"), max_length=500, help_text=_("An http:// or https:// address that accepts POST."))
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(_("events"), default=list, help_text=_("The events sent to this endpoint."))
    # Shown to admins so the receiving system can check signatures; made once, when the endpoint is added.
    secret = models.CharField(_("signing secret"), max_length=80, default=new_secret, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhook_endpoints"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # The first failure after the last success: a day of nothing but failures switches the endpoint off.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return self.description or self.url

    @property
    def receives(self) -> bool:
        return self.is_active and self.disabled_at is None


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed, retrying")
    GIVEN_UP = "given_up", _("Given up")


# Deliveries still to be sent: an earlier one of these holds back the later ones of the same object.
OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


class WebhookDelivery(models.Model):
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(_("event"), max_length=40, choices=EventType.choices)
    # The event's id, the same for every endpoint it goes to: receivers drop a delivery they already have.
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, db_index=True)
    # "enrollment:12": deliveries of one object reach an endpoint in the order they happened.
    object_key = models.CharField(_("object"), max_length=80)
    payload = models.JSONField()
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["endpoint", "object_key", "status"]),
        ]

    def __str__(self):
        return f"{self.event_type} → {self.endpoint}"

    @property
    def retryable(self) -> bool:
        return self.status in (DeliveryStatus.FAILED, DeliveryStatus.GIVEN_UP)
