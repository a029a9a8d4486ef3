import zoneinfo

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.template import loader

from .tasks import send_account_email

User = get_user_model()


class SignUpForm(auth_forms.BaseUserCreationForm):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(help_text="We send password resets here.")
    # Filled in by the browser; the learner can change it in their profile.
    time_zone = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = User
        fields = ("first_name", "last_name", "email", "username")

    def clean_email(self):
        email = self.cleaned_data["email"]
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this e-mail address already exists. Try signing in.")
        return email

    def clean_time_zone(self):
        # The learner never sees this field, so an unknown value quietly becomes UTC rather than an error.
        time_zone = self.cleaned_data.get("time_zone") or ""
        return time_zone if time_zone in zoneinfo.available_timezones() else "UTC"


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("first_name", "last_name", "time_zone")
        help_texts = {"time_zone": "Your days, such as those of a learning streak, begin at midnight here."}


class SignInForm(auth_forms.AuthenticationForm):
    username = auth_forms.UsernameField(
        label="E-mail or username", widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": "That e-mail/username and password do not match an account.",
        "banned": "This account has been suspended. Please contact support if you think this is a mistake.",
    }

    def get_invalid_login_error(self):
        # Only someone who knows the password learns the account is suspended.
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        candidate = User.objects.filter(Q(username__iexact=username) | Q(email__iexact=username)).first()
        if candidate and candidate.is_banned and candidate.check_password(password):
            return forms.ValidationError(self.error_messages["banned"], code="banned")
        return super().get_invalid_login_error()


class PasswordResetForm(auth_forms.PasswordResetForm):
    def get_users(self, email):
        return (user for user in super().get_users(email) if not user.is_banned)

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        html_body = loader.render_to_string(html_email_template_name, context) if html_email_template_name else None
        send_account_email.delay_on_commit(subject=subject, body=body, to=[to_email], html_body=html_body)
