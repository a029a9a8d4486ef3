from django import forms
from django.utils.translation import gettext_lazy as _


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Check-in code"),
        max_length=12,
        help_text=_("The six characters the trainer shows (scanning their QR code fills this in)."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "class": "font-mono"}
        ),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper()
