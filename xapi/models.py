"""The outbox of xAPI statements: one row per learning event, written in the sender's transaction and sent to the
Learning Record Store (LRS) in batches once it commits."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StatementStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Statement(models.Model):
    # uuid5 of the event's stable key (services.statement_id): a replayed signal or a retried task names the same
    # statement, so the row is written once and the LRS, which keeps the first of an id, stores it once.
    statement_id = models.UUIDField(_("statement id"), unique=True)
    key = models.CharField(_("event"), max_length=120)
    verb = models.CharField(_("verb"), max_length=40)
    # The learner: their statements go with their account (the LRS keeps what it already has).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="xapi_statements")
    body = models.JSONField()
    status = models.CharField(
        _("status"), max_length=10, choices=StatementStatus.choices, default=StatementStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # Failures that may pass (the LRS down, 5xx, 429) are retried until then: a day after the event, or after
    # an admin's retry.
    give_up_at = models.DateTimeField(_("retried until"))
    # Set when a sender takes the row for a batch; the rows of one batch are those carrying its token.
    claim = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("xAPI statement")
        verbose_name_plural = _("xAPI statements")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.verb} {self.statement_id}"

    @property
    def retryable(self) -> bool:
        return self.status == StatementStatus.FAILED
