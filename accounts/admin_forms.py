"""The user forms of Wagtail's admin: a role instead of the superuser box, and case-blind uniqueness."""

from django import forms
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm

from . import selectors
from .forms import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH, PASSWORD_MAX_LENGTH, USERNAME_TAKEN, limit_lengths
from .services import ROLE_GROUPS, sync_role_groups

EMAIL_TAKEN = _("Another account already uses this e-mail address. E-mail addresses ignore upper and lower case.")


class RoleFieldsMixin:
    """Role replaces Wagtail's "Administrator" checkbox; role groups are managed, not ticked by hand.

    Also: usernames and e-mail addresses are refused when another account has them in any case (the
    database refuses them too, but with an error page instead of a message), and every text field is
    capped at its column's length, which Wagtail's own form fields do not do.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_lengths(
            self,
            {
                "email": EMAIL_MAX_LENGTH,
                "first_name": NAME_MAX_LENGTH,
                "last_name": NAME_MAX_LENGTH,
                "password1": PASSWORD_MAX_LENGTH,
                "password2": PASSWORD_MAX_LENGTH,
            },
        )
        self.fields.pop("is_superuser", None)
        if "groups" in self.fields:
            self.fields["groups"].queryset = Group.objects.exclude(name__in=ROLE_GROUPS.values())
            self.fields["groups"].help_text = _("Extra groups. The role's own group is added automatically.")

    def _clean_username(self):
        # Wagtail's check compares exactly (exactly on SQLite, ignoring case under MariaDB's collation); this one
        # ignores case on every backend, like the database constraint, and says so in one message.
        username = super()._clean_username()
        if username and selectors.username_taken(username=username, exclude_pk=self.instance.pk):
            self._errors.pop("username", None)  # Wagtail's "already exists", the only error possible here
            self.add_error("username", forms.ValidationError(USERNAME_TAKEN, code="duplicate_username"))
        return username

    def clean_email(self):
        email = self.cleaned_data["email"]
        if selectors.email_taken(email=email, exclude_pk=self.instance.pk):
            raise forms.ValidationError(EMAIL_TAKEN, code="duplicate_email")
        return email

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            # save_m2m() above replaced the groups with the ticked ones; put the role group back.
            sync_role_groups(user=user)
        return user


class LmsUserCreationForm(RoleFieldsMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = UserCreationForm.Meta.fields | {"role"}


class LmsUserEditForm(RoleFieldsMixin, UserEditForm):
    def __init__(self, *args, **kwargs):
        editing_self = kwargs.get("editing_self", False)
        super().__init__(*args, **kwargs)
        if editing_self:
            # Nobody demotes or bans themselves by accident.
            self.fields.pop("role", None)
            self.fields.pop("is_banned", None)

    class Meta(UserEditForm.Meta):
        fields = UserEditForm.Meta.fields | {"role", "is_banned"}
