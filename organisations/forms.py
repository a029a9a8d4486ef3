"""Site forms: the manager's pages (members, assignments) and the invitation's sign-up."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH, SignUpForm
from lms_site.forms import IdModelChoiceField
from lms_site.inputs import read_int

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
        self.fields["members"].choices = [(m.pk, m.user.get_full_name() or m.user.email) for m in self.memberships]
        self.fields["group"].queryset = selectors.groups_of(organisation=organisation)

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
