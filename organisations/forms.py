"""Site forms: the manager's pages (members, assignments, buying seats), creating a team, and the invitation's
sign-up."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.forms import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH, SignUpForm
from billing.forms import single_line
from billing.models import PaymentMethod
from billing.services import MAX_SEATS_PER_LINE
from courses.models import CoursePage
from lms_site.forms import IdModelChoiceField
from lms_site.inputs import read_id, read_int

from . import csv_import, selectors
from .models import Group, MemberRole, Membership, Organisation


class GroupsField(forms.ModelMultipleChoiceField):
    """Groups by id; an id no primary key can hold is an invalid choice, not an overflowing query."""

    def _check_values(self, value):
        for pk in value:
            if read_int(str(pk), min_value=1) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": str(pk)[:30]}
                )
        return super()._check_values(value)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices)


class GroupForm(forms.Form):
    name = forms.CharField(label=_("New group"), max_length=120)


class GroupMemberForm(forms.Form):
    """Adds one of the organisation's current members to a group."""

    membership = forms.ModelChoiceField(label=_("Member"), queryset=Membership.objects.none())

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = Membership.objects.filter(
            organisation=organisation, removed_at__isnull=True
        ).select_related("user")


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=EMAIL_MAX_LENGTH)
    first_name = forms.CharField(label=_("First name"), max_length=NAME_MAX_LENGTH, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=NAME_MAX_LENGTH, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.MEMBER)
    groups = GroupsField(
        label=_("Groups"), queryset=Group.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].queryset = Group.objects.filter(organisation=organisation)
        self.fields["email"].widget.attrs["autocomplete"] = "off"


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: email, first_name, last_name, role (manager or member), group. The first line names them. "
            "UTF-8, up to 1 MB and 5,000 people."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > csv_import.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)d MB. Split it into smaller files."),
                params={"size": csv_import.MAX_BYTES // 1_000_000},
            )
        return upload


class ImportConfirmForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput, max_length=2_000_000)


class InvitationSignUpForm(SignUpForm):
    """Accounts' sign-up form with the e-mail address fixed to the invited one: the link reached that inbox, so
    it proves the address. A disabled field takes its value from `initial`, never from what was posted."""

    def __init__(self, *args, invitation, **kwargs):
        kwargs.setdefault(
            "initial",
            {"email": invitation.email, "first_name": invitation.first_name, "last_name": invitation.last_name},
        )
        super().__init__(*args, **kwargs)
        self.fields["email"].disabled = True
        self.fields["email"].initial = invitation.email
        self.fields["email"].help_text = _("The address your invitation was sent to.")


# Assignments --------------------------------------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"


class AssignForm(forms.Form):
    """A course for chosen members or for a group, with an optional due date. Member ids are checked against the
    organisation's current members as plain strings, so no id, however made up, reaches a query."""

    course = IdModelChoiceField(label=_("Course"), queryset=selectors.assignable_courses(), empty_label=None)
    members = forms.TypedMultipleChoiceField(
        label=_("Members"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    group = IdModelChoiceField(
        label=_("Or a group"),
        queryset=None,
        required=False,
        empty_label=_("No group"),
        help_text=_("Everyone in the group gets the course, and so does whoever joins the group later."),
    )
    due_on = forms.DateField(label=_("Due date (optional)"), required=False, widget=DateInput)

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.memberships = list(selectors.current_memberships(organisation=organisation))
        members = self.fields["members"]
        group = self.fields["group"]
        assert isinstance(members, forms.TypedMultipleChoiceField) and isinstance(group, IdModelChoiceField)
        members.choices = [(m.pk, m.user.get_full_name() or m.user.email) for m in self.memberships]
        group.queryset = selectors.groups_of(organisation=organisation)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if bool(data.get("members")) == bool(data.get("group")):
            raise forms.ValidationError(_("Choose some members or one group (not both)."))
        by_pk = {m.pk: m for m in self.memberships}
        data["memberships"] = [by_pk[pk] for pk in data.get("members") or []]
        return data


class DueDateForm(forms.Form):
    due_on = forms.DateField(label=_("Due date"), required=False, widget=DateInput)


# Seats and teams ----------------------------------------------------------------------------------------------

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
