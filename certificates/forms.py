import hashlib

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat


class SerialForm(forms.Form):
    serial = forms.CharField(label="Certificate serial", max_length=40, help_text="Printed under the QR code.")


class PdfCheckForm(forms.Form):
    pdf = forms.FileField(label="Certificate PDF", help_text="The file is checked and then discarded.")

    def clean_pdf(self) -> str:
        """The uploaded file's SHA-256, once it is known to be a PDF of a sensible size."""
        upload = self.cleaned_data["pdf"]
        limit = settings.CERTIFICATE_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"That file is larger than {filesizeformat(limit)}; a certificate is smaller.")
        upload.seek(0)
        if upload.read(5) != b"%PDF-":
            raise forms.ValidationError("That file is not a PDF.")
        upload.seek(0)
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        return digest.hexdigest()
