"""Site forms of the manager's pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from lms_site.forms import IdModelChoiceField

from . import selectors
from .models import Organisation

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
