import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.search import index

from lms_site.storage import AliasedStorage

_private_media = AliasedStorage("media_private")


def private_media():
    # Uploaded videos are course content for enrolled learners only: never under the public MEDIA_URL.
    return _private_media


class AssetStatus(models.TextChoices):
    UPLOADING = "uploading", _("Uploading")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class VideoAsset(index.Indexed, models.Model):
    """A video in the media library, uploaded once and placed in any number of lessons."""

    title = models.CharField(max_length=255)
    file = models.FileField(upload_to="videos/%Y/%m/", storage=private_media, max_length=255)
    poster = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The still shown before the video plays."),
    )
    duration_seconds = models.PositiveIntegerField(
        _("duration (seconds)"),
        default=0,
        blank=True,
        help_text=_(
            "Read from the file when you upload it. Correct it here if it is wrong, or enter it if the file "
            "does not record it (some WebM recordings); 0 means unknown."
        ),
    )
    captions = models.FileField(
        upload_to="captions/%Y/%m/",
        storage=private_media,
        blank=True,
        max_length=255,
        help_text=_("Optional WebVTT (.vtt) captions."),
    )
    captions_language = models.CharField(max_length=12, default="en", help_text=_("e.g. en, de, fr"))

    content_type = models.CharField(max_length=50, editable=False)
    size_bytes = models.PositiveBigIntegerField(default=0, editable=False)
    status = models.CharField(max_length=12, choices=AssetStatus.choices, default=AssetStatus.UPLOADING, editable=False)
    failure_reason = models.CharField(max_length=500, blank=True, editable=False)
    upload_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    backend = models.CharField(max_length=20, blank=True, editable=False)
    remote_file_id = models.CharField(max_length=255, blank=True, editable=False)
    remote_path = models.CharField(max_length=500, blank=True, editable=False)

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    search_fields = [index.SearchField("title"), index.AutocompleteField("title")]

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.title

    @property
    def is_ready(self) -> bool:
        return self.status == AssetStatus.READY

    @property
    def remote_name(self) -> str:
        """The file name on the CDN: fixed per uploaded file, so a retried upload finds or overwrites its own
        copy instead of duplicating it, while a replacement file gets a name of its own."""
        extension = self.file.name.rsplit(".", 1)[-1].lower() if "." in self.file.name else "mp4"
        version = hashlib.sha1(self.file.name.encode(), usedforsecurity=False).hexdigest()[:10]
        return f"asset-{self.pk}-{version}.{extension}"
