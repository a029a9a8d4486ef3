"""SCORM packages (a library of uploaded courses-in-a-zip, placed in lessons like videos) and each learner's
attempt at one in one lesson.

ScormPackage sits beside the content, as media_pipeline's video library does: courses' lesson body names it
by its label only. ScormAttempt belongs to the feature layer (it references learners and lessons)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.search import index

from lms_site.storage import AliasedStorage

_private_media = AliasedStorage("media_private")


def private_media():
    # A package is course content for enrolled learners only: never under the public MEDIA_URL.
    return _private_media


class ScormVersion(models.TextChoices):
    V12 = "1.2", "SCORM 1.2"
    V2004 = "2004", "SCORM 2004"


class ScormPackage(index.Indexed, models.Model):
    """An uploaded SCORM package, extracted under `storage_prefix` in private storage."""

    title = models.CharField(_("title"), max_length=255)
    version = models.CharField(max_length=4, choices=ScormVersion.choices, editable=False)
    # The launch file's path inside the package (with any query string the manifest gives it).
    launch_path = models.CharField(max_length=500, editable=False)
    storage_prefix = models.CharField(max_length=100, unique=True, editable=False)
    file_count = models.PositiveIntegerField(default=0, editable=False)
    size_bytes = models.PositiveBigIntegerField(default=0, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    search_fields = [index.SearchField("title"), index.AutocompleteField("title")]

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("SCORM package")
        verbose_name_plural = _("SCORM packages")

    def __str__(self):
        return self.title


class ScormAttempt(models.Model):
    """One learner's run-time data for one package in one lesson: what the package stored through the API."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scorm_attempts")
    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.CASCADE, related_name="scorm_attempts")
    package = models.ForeignKey(ScormPackage, on_delete=models.PROTECT, related_name="attempts")
    cmi = models.JSONField(default=dict)  # every writable element the package set, by its dotted name
    lesson_status = models.CharField(max_length=20, blank=True)  # SCORM 1.2
    completion_status = models.CharField(max_length=20, blank=True)  # SCORM 2004
    success_status = models.CharField(max_length=20, blank=True)  # SCORM 2004
    score_raw = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    score_min = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    score_max = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    score_scaled = models.DecimalField(max_digits=8, decimal_places=7, null=True, blank=True)
    suspend_data = models.TextField(blank=True)
    location = models.CharField(max_length=1000, blank=True)
    total_seconds = models.PositiveBigIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson", "package"], name="scorm_attempt_one_per_lesson_package")
        ]

    def __str__(self):
        return f"{self.user_id} / {self.lesson_id} / {self.package_id}"
