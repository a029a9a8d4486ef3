"""The buyer's forms: the checkout step (coupon and billing details) and the billing details on their own."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .details import (
    BILLING_FIELDS,
    MAX_LENGTHS,
    BillingDetails,
    country_choices,
    has_control_characters,
    normalise_vat_id,
    vat_id_problem,
)

# Filled in, these make a complete billing address; the others are optional parts of it.
ADDRESS_REQUIRED = {
    "address_line1": _("Enter the street and number."),
    "city": _("Enter the town or city."),
    "country": _("Choose the country."),
}


def single_line(value: str) -> None:
    if has_control_characters(value):
        raise ValidationError(_("Use one line of plain text."), code="control_characters")


def text_field(name: str, label, *, autocomplete: str, help_text="") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=MAX_LENGTHS[name],
        validators=[single_line],
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": autocomplete}),
        error_messages={"max_length": _("Use at most %(limit_value)d characters.")},
    )


class BillingDetailsForm(forms.Form):
    """Optional; when any detail is given, the receipt needs a full address to be a proper invoice."""

    name = text_field("name", _("Full name"), autocomplete="billing name")
    company = text_field("company", _("Company"), autocomplete="billing organization")
    address_line1 = text_field("address_line1", _("Street and number"), autocomplete="billing address-line1")
    address_line2 = text_field("address_line2", _("Address line 2"), autocomplete="billing address-line2")
    postal_code = text_field("postal_code", _("Postal code"), autocomplete="billing postal-code")
    city = text_field("city", _("Town or city"), autocomplete="billing address-level2")
    country = forms.ChoiceField(
        label=_("Country"),
        required=False,
        widget=forms.Select(attrs={"autocomplete": "billing country"}),
        error_messages={"invalid_choice": _("Choose the country from the list.")},
    )
    vat_id = text_field(
        "vat_id",
        _("VAT id"),
        autocomplete="off",
        help_text=_("For a business in the EU: your VAT identification number, e.g. DE123456789."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("Choose a country")), *country_choices()]

    def clean_vat_id(self) -> str:
        return normalise_vat_id(self.cleaned_data.get("vat_id", ""))

    def clean(self):
        cleaned = super().clean()
        values = {name: cleaned.get(name) for name in BILLING_FIELDS}
        if not any(values.values()) or self.errors:
            return cleaned
        if not values.get("name") and not values.get("company"):
            self.add_error("name", _("Enter your name or your company's name."))
        for name, message in ADDRESS_REQUIRED.items():
            if not values.get(name):
                self.add_error(name, message)
        if values.get("vat_id"):
            problem = vat_id_problem(values["vat_id"], values.get("country") or "")
            if problem:
                self.add_error("vat_id", problem)
        return cleaned

    def details(self) -> BillingDetails:
        """The valid details, after is_valid()."""
        return BillingDetails(**{name: self.cleaned_data.get(name) or "" for name in BILLING_FIELDS})


class CheckoutForm(BillingDetailsForm):
    """The step before Checkout: a coupon code, and billing details remembered for next time if the buyer
    wishes."""

    coupon_code = forms.CharField(
        label=_("Coupon code"),
        required=False,
        max_length=32,
        validators=[single_line],
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        error_messages={"max_length": _("Coupon codes are at most %(limit_value)d characters.")},
    )
    remember = forms.BooleanField(
        label=_("Remember my billing details for my next purchase"), required=False, initial=True
    )

    field_order = ["coupon_code"]
