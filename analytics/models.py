from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms_site.storage import AliasedStorage

_export_storage = AliasedStorage("exports")


def export_storage():
    # Private: a report names learners and money, so it is never served from the public media URL.
    return _export_storage


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel (XLSX)")
    DOCX = "docx", _("Word report (DOCX)")
    PDF = "pdf", _("PDF report")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Being built")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ExportJob(models.Model):
    """One report export someone asked for: built by a task, downloadable only by them until it expires."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs")
    format = models.CharField(max_length=8, choices=ExportFormat.choices)
    filters = models.JSONField(
        help_text=_("The dashboard filters the report was asked for (analytics.report.Filters).")
    )
    status = models.CharField(max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text=_("0–100, shown as a progress bar."))
    file = models.FileField(storage=export_storage, blank=True, max_length=200)
    error_message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text=_("When the file is deleted."))

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["expires_at"], name="analytics_export_expires_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="analytics_export_progress_lte_100"),
        ]

    def __str__(self) -> str:
        return f"{self.get_format_display()} export #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED)

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())


class WeeklySummary(models.Model):
    """The weekly KPI e-mail to admins for one week; the unique week start is the claim that it goes once."""

    week_start = models.DateField(unique=True, help_text=_("The Monday of the week summarised."))
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-week_start"]
        verbose_name_plural = _("weekly summaries")

    def __str__(self) -> str:
        return f"Weekly summary of {self.week_start:%Y-%m-%d}"
