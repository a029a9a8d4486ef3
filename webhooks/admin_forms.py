"""The endpoints admin's form: an http(s) address and the events it receives."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .models import EventType
from .services import is_sendable_url, names_private_host


class WebhookEndpointForm(WagtailAdminModelForm):
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each event is sent as a signed POST to this endpoint."),
    )

    def clean_url(self):
        url = self.cleaned_data["url"]
        if not is_sendable_url(url):
            raise forms.ValidationError(_("Enter an http:// or https:// address."))
        if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES and names_private_host(url):
            raise forms.ValidationError(
                _("This address points into a private network or at this server itself. Enter a public address.")
            )
        return url

    def clean_event_types(self):
        # In the order of the list, so the stored value does not depend on how the boxes were ticked.
        chosen = set(self.cleaned_data["event_types"])
        return [value for value in EventType.values if value in chosen]

    def save(self, commit=True):
        endpoint = self.instance
        if endpoint.pk and endpoint.is_active and endpoint.disabled_at is not None:
            # Ticking "active" on an endpoint switched off after a day of failures switches it back on, afresh.
            endpoint.disabled_at, endpoint.disabled_reason, endpoint.failing_since = None, "", None
        return super().save(commit=commit)
