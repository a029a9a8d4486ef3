"""The media library's admin form: a video is checked by its content before any row or file is written. And
the check of the videos a lesson places, which courses runs on every lesson it saves (see apps.py)."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminModelForm

from . import selectors, services

VIDEO_ACCEPT = "video/mp4,video/webm,video/quicktime,.mp4,.m4v,.webm,.mov"
CAPTIONS_ACCEPT = ".vtt,text/vtt"


class PrivateFileInput(forms.ClearableFileInput):
    """Names the current file without linking to it: private files have no public URL to link to."""

    template_name = "media_pipeline/admin/widgets/private_file_input.html"


class VideoAssetForm(WagtailAdminModelForm):
    # The running time read from a new upload (None: no new upload, or the file does not record it).
    duration_from_file: int | None = None

    def clean_file(self):
        return self._inspected("file", self._inspect_video)

    def _inspect_video(self, upload):
        content_type = services.inspect_video(upload)
        self.duration_from_file = services.read_duration(upload, content_type=content_type)

    def clean_captions(self):
        return self._inspected("captions", services.inspect_captions)

    def _inspected(self, name, inspect):
        value = self.cleaned_data.get(name)
        # Only a new upload is inspected: the stored file passed when it was uploaded.
        if isinstance(value, UploadedFile):
            try:
                inspect(value)
            except services.UploadRejected as error:
                raise ValidationError(str(error), code="rejected") from error
        return value

    def clean(self):
        cleaned_data = super().clean()
        if "duration_seconds" not in self.fields or self.has_error("duration_seconds"):
            return cleaned_data
        typed = cleaned_data.get("duration_seconds")
        # The file's own length, unless the editor typed a correction beside the new file.
        if self.duration_from_file is not None and (not typed or "duration_seconds" not in self.changed_data):
            cleaned_data["duration_seconds"] = self.duration_from_file
        elif typed is None:
            cleaned_data["duration_seconds"] = 0  # unknown: the listing shows a dash
        return cleaned_data

    def save(self, commit=True):
        if not commit or self.instance._state.adding:
            return super().save(commit=commit)
        # An edit writes only the fields on the form: the upload task may be recording the status and the
        # CDN location of this very row meanwhile, and a full save would put back the values read earlier.
        instance = super().save(commit=False)
        model_fields = {field.name for field in instance._meta.concrete_fields}
        instance.save(update_fields=[*(name for name in self.fields if name in model_fields), "updated_at"])
        self._save_m2m()
        return instance


def check_placed_videos(*, user, body) -> None:
    """A trainer places in a lesson only videos they may already use.

    Placing a video in a course's published lesson gives that course's trainer the right to change it
    (selectors.manageable_assets). The chooser offers a trainer only their own videos, but a crafted form could
    name any id: without this check, publishing it would take over another trainer's video.
    """
    for block in body:
        asset = block.value.get("asset") if block.block_type == "video_asset" else None
        if asset is not None and not selectors.may_manage_asset(user=user, asset=asset):
            raise ValidationError(
                _("You can place only videos you uploaded or that your courses already use: “%(title)s”.")
                % {"title": asset.title}
            )
