from django.contrib.auth.models import Group
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from .services import ROLE_GROUPS, sync_role_groups


class RoleFieldsMixin:
    """Role replaces Wagtail's "Administrator" checkbox; role groups are managed, not ticked by hand."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("is_superuser", None)
        if "groups" in self.fields:
            self.fields["groups"].queryset = Group.objects.exclude(name__in=ROLE_GROUPS.values())
            self.fields["groups"].help_text = "Extra groups. The role's own group is added automatically."

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


class UserViewSet(WagtailUserViewSet):
    def get_form_class(self, for_update=False):
        return LmsUserEditForm if for_update else LmsUserCreationForm
