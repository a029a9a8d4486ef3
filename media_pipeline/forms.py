"""The media library's admin form: a video is checked by its content before any row or file is written."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from wagtail.admin.forms import WagtailAdminModelForm

from . import services

VIDEO_ACCEPT = "video/mp4,video/webm,video/quicktime,.mp4,.m4v,.webm,.mov"
CAPTIONS_ACCEPT = ".vtt,text/vtt"


class PrivateFileInput(forms.ClearableFileInput):
    """Names the current file without linking to it: private files have no public URL to link to."""

    template_name = "media_pipeline/admin/widgets/private_file_input.html"


class VideoAssetForm(WagtailAdminModelForm):
    def clean_file(self):
        return self._inspected("file", services.inspect_video)

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
