"""The manager's forms: buying seats, and creating a team to buy for."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from billing.forms import single_line
from billing.models import PaymentMethod
from billing.services import MAX_SEATS_PER_LINE
from courses.models import CoursePage
from lms_site.inputs import read_id, read_int

SEATS_PREFIX = "seats-"


class BuySeatsForm(forms.Form):
    """A quantity per course for sale (empty or 0: not bought) and the payment method. The quantities are read
    from `seats-<course id>` fields by hand, so a field for a course that is no longer for sale is noticed."""

    payment_method = forms.ChoiceField(
        label=_("Pay by"),
        choices=PaymentMethod.choices,
        initial=PaymentMethod.CARD,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose card or bank transfer."),
            "invalid_choice": _("Choose card or bank transfer."),
        },
    )

    def __init__(self, *args, courses: list[CoursePage], **kwargs):
        super().__init__(*args, **kwargs)
        self.courses = courses
        self.quantity_errors: dict[int, str] = {}

    def typed(self, course: CoursePage) -> str:
        """What the manager typed for a course, to show it again."""
        return str(self.data.get(f"{SEATS_PREFIX}{course.pk}", ""))[:12] if self.is_bound else ""

    def clean(self):
        cleaned = super().clean()
        for_sale = {course.pk: course for course in self.courses}
        lines: list[tuple[CoursePage, int]] = []
        for key in self.data:
            if not key.startswith(SEATS_PREFIX):
                continue
            raw = str(self.data.get(key, "")).strip()
            if raw in ("", "0"):
                continue
            course_id = read_id(key.removeprefix(SEATS_PREFIX))
            course = for_sale.get(course_id) if course_id else None
            if course is None:
                raise ValidationError(
                    _("One of the courses you chose is no longer for sale. Check the list and try again."),
                    code="not_for_sale",
                )
            quantity = read_int(raw, min_value=1, max_value=MAX_SEATS_PER_LINE)
            if quantity is None:
                self.quantity_errors[course.pk] = _("Enter a whole number of seats from 1 to %(max)d.") % {
                    "max": MAX_SEATS_PER_LINE
                }
                continue
            lines.append((course, quantity))
        if self.quantity_errors:
            raise ValidationError(_("Check the quantities marked below."), code="quantity")
        if not lines:
            raise ValidationError(_("Choose at least one course: enter how many seats you need."), code="empty")
        cleaned["lines"] = sorted(lines, key=lambda line: (line[0].title, line[0].pk))
        return cleaned


class OrganisationForm(forms.Form):
    """A new team: its name and who and where to bill."""

    name = forms.CharField(label=_("Organisation name"), max_length=200, validators=[single_line])
    billing_contact = forms.CharField(
        label=_("Billing contact"), max_length=200, required=False, validators=[single_line]
    )
    billing_email = forms.EmailField(label=_("Billing e-mail"))
    tax_id = forms.CharField(label=_("VAT or tax id"), max_length=64, required=False, validators=[single_line])
    address = forms.CharField(
        label=_("Billing address"),
        max_length=600,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Printed on your invoices, one line per line of the address."),
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError(_("Give your organisation a name."))
        return name
