import hashlib

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class SerialForm(forms.Form):
    serial = forms.CharField(label=_("Certificate serial"), max_length=40, help_text=_("Printed under the QR code."))


class PdfCheckForm(forms.Form):
    pdf = forms.FileField(label=_("Certificate PDF"), help_text=_("The file is checked and then discarded."))

    def clean_pdf(self) -> str:
        """The uploaded file's SHA-256, once it is known to be a PDF of a sensible size."""
        upload = self.cleaned_data["pdf"]
        limit = settings.CERTIFICATE_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                gettext("That file is larger than %(limit)s; a certificate is smaller.")
                % {"limit": filesizeformat(limit)}
            )
        upload.seek(0)
        if upload.read(5) != b"%PDF-":
            raise forms.ValidationError(gettext("That file is not a PDF."))
        upload.seek(0)
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        return digest.hexdigest()
