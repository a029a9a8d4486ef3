"""The SCORM library's admin form: a package is checked as a whole before any row or file is written."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from . import services


class ScormPackageForm(WagtailAdminModelForm):
    package = forms.FileField(
        label=_("Package (zip)"),
        required=False,
        help_text=_("A SCORM 1.2 or SCORM 2004 package: a zip with imsmanifest.xml at its root."),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            # A package's files are fixed once uploaded: learners' stored data refers to them. Upload a new one.
            self.fields.pop("package", None)

    def clean_package(self):
        upload = self.cleaned_data.get("package")
        if not self.instance._state.adding:
            return None
        if not upload:
            raise ValidationError(_("Choose a SCORM package (zip) to upload."), code="required")
        try:
            services.inspect_package(upload)
        except services.PackageRejected as error:
            raise ValidationError(str(error), code="rejected") from error
        return upload

    def save(self, commit=True):
        if not self.instance._state.adding or not commit:
            return super().save(commit=commit)
        upload = self.cleaned_data["package"]
        try:
            self.instance = services.create_package(
                title=self.cleaned_data["title"], upload=upload, uploaded_by=getattr(self, "for_user", None)
            )
        except services.PackageRejected as error:
            # Checked in clean_package already; a zip that fails only while unpacking still gets its reason.
            raise ValidationError(str(error)) from error
        return self.instance


def check_one_package(*, user, body) -> None:
    """A lesson plays one SCORM package: the run-time API lives once in the page (window.API)."""
    if sum(1 for block in body if block.block_type == "scorm") > 1:
        raise ValidationError(_("A lesson can hold one SCORM package. Put each package in a lesson of its own."))
