from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters

from gamification import selectors as gamification_selectors
from gamification.models import Visibility
from lms_site.htmx import personal

from . import forms, services


def _safe_next(request, fallback="/"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


@sensitive_post_parameters("password1", "password2")
def sign_up(request):
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = forms.SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.register_learner(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                time_zone=form.cleaned_data["time_zone"],
            )
        except services.AccountError as error:
            form.add_error("email", str(error))
        else:
            login(request, user, backend="accounts.backends.EmailOrUsernameBackend")
            messages.success(request, f"Welcome, {user.first_name}! Your account is ready.")
            return redirect(_safe_next(request))
    status = 400 if form.errors else 200
    return render(request, "accounts/sign_up.html", {"form": form, "next": _safe_next(request, "")}, status=status)


@login_required
def profile(request):
    form = forms.ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(user=request.user, **form.cleaned_data)
        except services.AccountError as error:
            form.add_error("time_zone", str(error))
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("accounts:profile")
    status = 400 if form.errors else 200
    context = {
        "form": form,
        "visibility": gamification_selectors.learner_summary(user=request.user).visibility,
        "visibility_choices": Visibility.choices,
    }
    return personal(render(request, "accounts/profile.html", context, status=status))


class SignInView(auth_views.LoginView):
    form_class = forms.SignInForm
    template_name = "accounts/sign_in.html"
    # Wagtail sends signed-in users who lack admin access here; bouncing them back would loop.
    redirect_authenticated_user = False

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class SignOutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You have signed out.")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = forms.PasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/emails/password_reset.txt"
    subject_template_name = "accounts/emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
