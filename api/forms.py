from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Scope

LIFETIMES = [("30", _("30 days")), ("90", _("90 days")), ("365", _("1 year"))]


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. “HR sync”."))
    scope = forms.ChoiceField(label=_("Access"), choices=Scope.choices, initial=Scope.READ)
    lifetime = forms.ChoiceField(label=_("Expires after"), choices=LIFETIMES, initial="90")

    def expires_at(self):
        return timezone.now() + timedelta(days=int(self.cleaned_data["lifetime"]))
