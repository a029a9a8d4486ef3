import zoneinfo

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.core.validators import MaxLengthValidator
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from . import selectors
from .models import OPTIONAL_NOTIFICATIONS
from .models import User as LmsUser
from .services import BANNED_MESSAGE
from .tasks import send_account_email

User = get_user_model()

# Longest accepted values of fields that reach a query or a password hasher. Without a limit, a 50,000
# character username at sign-in made SQLite refuse the LIKE pattern (a 500), and a megabyte password would
# keep a worker busy hashing it. 4096 is the limit Django itself once set on passwords.
USERNAME_MAX_LENGTH = 150
EMAIL_MAX_LENGTH = 254
PASSWORD_MAX_LENGTH = 4096
NAME_MAX_LENGTH = 150

USERNAME_TAKEN = _("A user with that username already exists. Usernames ignore upper and lower case.")
EMAIL_TAKEN = _("An account with this e-mail address already exists. Try signing in.")


def limit_length(field: forms.Field, max_length: int) -> None:
    """Caps a form field that was built without max_length (setting the attribute alone validates nothing)."""
    field.max_length = max_length  # type: ignore[attr-defined]  # CharField-like fields read it; the validator checks
    if not any(isinstance(validator, MaxLengthValidator) for validator in field.validators):
        field.validators.append(MaxLengthValidator(max_length))
    field.widget.attrs["maxlength"] = str(max_length)


def limit_lengths(form: forms.BaseForm, limits: dict[str, int]) -> None:
    for name, max_length in limits.items():
        if name in form.fields:
            limit_length(form.fields[name], max_length)


class SignUpForm(auth_forms.BaseUserCreationForm):
    first_name = forms.CharField(max_length=NAME_MAX_LENGTH)
    last_name = forms.CharField(max_length=NAME_MAX_LENGTH)
    email = forms.EmailField(max_length=EMAIL_MAX_LENGTH, help_text=_("We send password resets here."))
    # Filled in by the browser (static/js/sign-up.js); the learner can change it in their profile.
    time_zone = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    class Meta:
        model = User
        fields = ("first_name", "last_name", "email", "username")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_lengths(
            self,
            {"username": USERNAME_MAX_LENGTH, "password1": PASSWORD_MAX_LENGTH, "password2": PASSWORD_MAX_LENGTH},
        )
        # Django's form focuses the username, the fourth field here; the learner starts at the top.
        for field in self.fields.values():
            field.widget.attrs.pop("autofocus", None)
        self.fields["first_name"].widget.attrs["autofocus"] = True
        for name, hint in (("first_name", "given-name"), ("last_name", "family-name"), ("email", "email")):
            self.fields[name].widget.attrs.setdefault("autocomplete", hint)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if selectors.username_taken(username=username):
            raise forms.ValidationError(USERNAME_TAKEN, code="duplicate_username")
        return username

    def clean_email(self):
        email = self.cleaned_data["email"]
        if selectors.email_taken(email=email):
            raise forms.ValidationError(EMAIL_TAKEN, code="duplicate_email")
        return email

    def clean_time_zone(self):
        # The learner never sees this field, so an unknown value quietly becomes UTC rather than an error.
        time_zone = self.cleaned_data.get("time_zone") or ""
        return time_zone if time_zone in zoneinfo.available_timezones() else "UTC"


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("first_name", "last_name", "time_zone", "preferred_language")
        help_texts = {"time_zone": _("Your days, such as those of a learning streak, begin at midnight here.")}


class NotificationPreferencesForm(forms.Form):
    wanted = forms.MultipleChoiceField(
        label=_("E-mail me about"),
        choices=[(kind.value, kind.label) for kind in OPTIONAL_NOTIFICATIONS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Purchase receipts and account e-mails (such as password resets) are always sent."),
    )

    def __init__(self, *args, user: LmsUser, **kwargs):
        kwargs.setdefault("initial", {"wanted": [kind.value for kind in OPTIONAL_NOTIFICATIONS if user.wants(kind)]})
        super().__init__(*args, **kwargs)


class SignInForm(auth_forms.AuthenticationForm):
    username = auth_forms.UsernameField(
        label=_("E-mail or username"),
        max_length=selectors.MAX_LOGIN_LENGTH,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _("That e-mail/username and password do not match an account."),
        "banned": BANNED_MESSAGE,
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # AuthenticationForm sets the username model field's 150 here, which would refuse long e-mail addresses.
        limit_length(self.fields["username"], selectors.MAX_LOGIN_LENGTH)

    @sensitive_variables("password")
    def get_invalid_login_error(self):
        # Only someone who knows the password learns the account is suspended.
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        candidate = selectors.user_for_sign_in(login=username or "")
        if candidate and candidate.is_banned and candidate.check_password(password):
            return forms.ValidationError(self.error_messages["banned"], code="banned")
        return super().get_invalid_login_error()


class PasswordResetForm(auth_forms.PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_lengths(self, {"email": EMAIL_MAX_LENGTH})

    def get_users(self, email):
        return (user for user in super().get_users(email) if not user.is_banned)

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        html_body = loader.render_to_string(html_email_template_name, context) if html_email_template_name else None
        send_account_email.delay_on_commit(subject=subject, body=body, to=[to_email], html_body=html_body)


class SetPasswordForm(auth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_lengths(self, {"new_password1": PASSWORD_MAX_LENGTH, "new_password2": PASSWORD_MAX_LENGTH})
