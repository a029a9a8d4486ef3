"""The write side of media: accepting an upload, pushing it to the CDN, retrying, deleting."""

import logging

import filetype
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User

from . import probe, selectors
from .backends import ImageKitBackend, active_backend, backend_named, imagekit_configured
from .models import AssetStatus, VideoAsset

logger = logging.getLogger(__name__)

# Judged by the file's first bytes, not its name: browsers play these three.
VIDEO_TYPES = {"video/mp4": "MP4", "video/webm": "WebM", "video/quicktime": "QuickTime (MOV)"}


class MediaError(Exception):
    """A media rule was broken; the message is for the person, status_code for the response."""

    status_code = 400


class UploadRejected(MediaError):
    status_code = 400


class AssetInUse(MediaError):
    status_code = 409

    def __init__(self, message: str, usages: list[selectors.Usage]):
        super().__init__(message)
        self.usages = usages


class NotRetryable(MediaError):
    status_code = 409


class RemoteDeleteFailed(MediaError):
    status_code = 502


def inspect_video(upload: "File[bytes]") -> str:
    """The upload's content type if it is a video of an allowed kind and size; UploadRejected otherwise."""
    limit = settings.MEDIA_VIDEO_MAX_BYTES
    if upload.size > limit:
        raise UploadRejected(
            _("This video is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    upload.seek(0)
    kind = filetype.guess(upload.read(8192))
    upload.seek(0)
    if kind is None or kind.mime not in VIDEO_TYPES:
        allowed = ", ".join(VIDEO_TYPES.values())
        if kind:
            message = _("This file is not a video we can stream (it looks like %(mime)s). Upload %(allowed)s.")
        else:
            message = _("This file is not a video we can stream. Upload %(allowed)s.")
        raise UploadRejected(message % {"mime": kind.mime if kind else "", "allowed": allowed})
    mime: str = kind.mime
    return mime


# The largest value the duration column holds everywhere; a file claiming more is not telling the truth.
MAX_DURATION_SECONDS = 2**31 - 1


def read_duration(upload: "File[bytes]", *, content_type: str) -> int | None:
    """The video's running time in whole seconds, read from the file's container (media_pipeline.probe); None
    when the file does not record it. UploadRejected when the file is damaged or incomplete."""
    try:
        seconds = probe.duration_seconds(upload, size=upload.size, content_type=content_type)
        if seconds is not None and seconds > MAX_DURATION_SECONDS:
            raise probe.Unreadable(f"a duration of {seconds} s")
    except probe.Unreadable as error:
        logger.info("Refused an unreadable %s upload: %s", content_type, error)
        raise UploadRejected(
            _(
                "This video could not be read: the file looks damaged or incomplete. Export or download it "
                "again and upload the new file."
            )
        ) from error
    finally:
        upload.seek(0)
    if not seconds:
        return None
    return max(1, round(seconds))


def inspect_captions(upload: "File[bytes]") -> None:
    limit = settings.MEDIA_CAPTIONS_MAX_BYTES
    if upload.size > limit:
        raise UploadRejected(_("Captions files are at most %(limit)s.") % {"limit": filesizeformat(limit)})
    upload.seek(0)
    head = upload.read(16).removeprefix(b"\xef\xbb\xbf")
    upload.seek(0)
    if not head.startswith(b"WEBVTT"):
        raise UploadRejected(_("Captions must be a WebVTT file: its first line reads WEBVTT."))


def register_upload(*, asset: VideoAsset, by: User | None = None, replacing: VideoAsset | None = None) -> VideoAsset:
    """Records who uploaded a freshly saved file and queues its push to the CDN once the save commits.

    `replacing` is the asset as it was before an edit replaced its file: the old copies go once this commits.
    """
    # Imported here because media_pipeline.tasks imports this module.
    from .tasks import push_video_asset

    asset.content_type = inspect_video(asset.file)
    asset.size_bytes = asset.file.size
    asset.uploaded_by = by
    asset.status = AssetStatus.UPLOADING
    asset.failure_reason = ""
    asset.backend = asset.remote_file_id = asset.remote_path = ""
    asset.save(
        update_fields=[
            "content_type", "size_bytes", "uploaded_by", "status", "failure_reason",
            "backend", "remote_file_id", "remote_path", "updated_at",
        ]
    )  # fmt: skip
    if replacing is not None and replacing.file.name != asset.file.name:
        transaction.on_commit(lambda: _discard_old_copies(replacing))
    push_video_asset.delay_on_commit(asset.pk)
    return asset


def _discard_old_copies(old: VideoAsset) -> None:
    try:
        if old.remote_file_id and old.backend == ImageKitBackend.name:
            ImageKitBackend().delete(old.remote_file_id)
        old.file.storage.delete(old.file.name)
    except Exception:  # the new file is what matters; a leftover copy is logged, not fatal
        logger.exception("Could not remove the replaced file of video asset %s", old.pk)


def push_to_backend(*, asset: VideoAsset, final_attempt: bool) -> VideoAsset:
    """Uploads the asset's file (ImageKit or local) unless that already happened. Safe to repeat."""
    asset = VideoAsset.objects.get(pk=asset.pk)
    if asset.status == AssetStatus.READY and asset.remote_file_id:
        return asset
    backend = active_backend()
    try:
        remote = backend.find(asset) or backend.upload(asset)
    except Exception as error:
        reason = f"{type(error).__name__}: {error}"[:500]
        status = AssetStatus.FAILED if final_attempt else AssetStatus.UPLOADING
        VideoAsset.objects.filter(pk=asset.pk).update(
            upload_attempts=F("upload_attempts") + 1, failure_reason=reason, status=status
        )
        logger.warning("Upload of video asset %s failed (final=%s): %s", asset.pk, final_attempt, reason)
        raise
    # Only if the file is still the one just uploaded: an edit may have replaced it meanwhile.
    VideoAsset.objects.filter(pk=asset.pk, file=asset.file.name).update(
        upload_attempts=F("upload_attempts") + 1,
        status=AssetStatus.READY,
        failure_reason="",
        backend=backend.name,
        remote_file_id=remote.file_id,
        remote_path=remote.path,
    )
    asset.refresh_from_db()
    return asset


def retry_upload(*, asset: VideoAsset) -> VideoAsset:
    # Imported here because media_pipeline.tasks imports this module.
    from .tasks import push_video_asset

    with transaction.atomic():
        asset = VideoAsset.objects.select_for_update().get(pk=asset.pk)
        if asset.status != AssetStatus.FAILED:
            raise NotRetryable(_("Only a failed upload can be retried."))
        asset.status = AssetStatus.UPLOADING
        asset.failure_reason = ""
        asset.save(update_fields=["status", "failure_reason", "updated_at"])
        push_video_asset.delay_on_commit(asset.pk)
    return asset


def delete_video_asset(*, asset: VideoAsset) -> None:
    """Deletes an unused asset with its CDN copy and files; refuses, naming the pages, while lessons use it."""
    usages = selectors.asset_usage(asset=asset)
    if usages:
        titles = ", ".join(f"“{usage.title}”" for usage in usages[:5])
        if len(usages) > 5:
            more = len(usages) - 5
            message = ngettext(
                "“%(title)s” is used in %(titles)s and %(more)s more. Remove it there first.",
                "“%(title)s” is used in %(titles)s and %(more)s more. Remove it there first.",
                more,
            ) % {"title": asset.title, "titles": titles, "more": more}
        else:
            message = _("“%(title)s” is used in %(titles)s. Remove it there first.") % {
                "title": asset.title,
                "titles": titles,
            }
        raise AssetInUse(message, usages)
    try:
        if asset.remote_file_id and asset.backend:
            backend_named(asset.backend).delete(asset.remote_file_id)
        elif imagekit_configured():
            # An upload that reached the CDN before its worker could record it still leaves a file there.
            stray = ImageKitBackend().find(asset)
            if stray is not None:
                ImageKitBackend().delete(stray.file_id)
    except Exception as error:
        raise RemoteDeleteFailed(
            _("The CDN did not delete the file (%(error)s); nothing was deleted.") % {"error": error}
        ) from error
    files = [(field.storage, field.name) for field in (asset.file, asset.captions) if field]
    with transaction.atomic():
        asset.delete()
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in files])
