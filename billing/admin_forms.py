"""The coupons admin's form: one coupon, checked so that every saved coupon can really be used."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from courses.models import CoursePage
from lms_site.forms import IdModelChoiceField

from .models import CouponKind

CODE = r"^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$"
NO_FREE_COURSES = _(
    "At most 99.99 %%: a paid course opens only through a verified payment, so a coupon cannot make it free. "
    "To give a course away, set its price to 0."
)


class CouponForm(WagtailAdminModelForm):
    code = forms.RegexField(
        regex=CODE,
        max_length=32,
        help_text=_(
            "What learners type at checkout, e.g. WELCOME10: 2 to 32 letters, digits, - or _. Case does not matter."
        ),
        error_messages={"invalid": _("Use 2 to 32 letters, digits, - or _, starting with a letter or digit.")},
    )
    percent_off = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal("99.99"),
        max_digits=5,
        decimal_places=2,
        help_text=_("For “Percent off”, e.g. 10 for 10 %."),
        error_messages={"max_value": NO_FREE_COURSES, "min_value": _("Enter more than 0 %%.")},
    )
    amount_off = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        help_text=_(
            "For “Fixed amount off”, in the currency below. The price never falls below the smallest online payment."
        ),
        error_messages={"min_value": _("Enter an amount above 0.")},
    )
    course = IdModelChoiceField(
        queryset=CoursePage.objects.originals().filter(price__gt=0).order_by("title"),
        required=False,
        empty_label=_("Any paid course"),
        help_text=_("Only for this course. Empty: any paid course."),
    )

    def clean_code(self) -> str:
        # Stored in capitals, so the unique check that follows ignores case as learners do.
        return self.cleaned_data["code"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == CouponKind.PERCENT:
            if cleaned.get("percent_off") is None and "percent_off" not in self.errors:
                self.add_error("percent_off", _("Enter the percentage to take off."))
            cleaned["amount_off"] = None
            cleaned["currency"] = ""
        elif kind == CouponKind.AMOUNT:
            if cleaned.get("amount_off") is None and "amount_off" not in self.errors:
                self.add_error("amount_off", _("Enter the amount to take off."))
            if not cleaned.get("currency"):
                self.add_error("currency", _("Choose the currency of the amount."))
            course = cleaned.get("course")
            if course is not None and cleaned.get("currency") and course.currency != cleaned["currency"]:
                self.add_error("currency", _("The course is priced in %(currency)s.") % {"currency": course.currency})
            cleaned["percent_off"] = None
        valid_from, valid_until = cleaned.get("valid_from"), cleaned.get("valid_until")
        if valid_from and valid_until and valid_until <= valid_from:
            self.add_error("valid_until", _("The end must come after the start."))
        maximum = cleaned.get("max_redemptions")
        if maximum is not None and self.instance.pk and maximum < self.instance.times_redeemed:
            self.add_error(
                "max_redemptions",
                _("It has already been redeemed %(count)s times: the maximum cannot be lower.")
                % {"count": self.instance.times_redeemed},
            )
        return cleaned
