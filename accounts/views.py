import functools
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.debug import SafeExceptionReporterFilter
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from lms_site import i18n
from lms_site.htmx import personal

from . import forms, selectors, services, sso, throttling

# Passwords never appear in error reports (DEBUG's 500 page, the e-mails sent to ADMINS).
PASSWORD_FIELDS = ("password", "password1", "password2", "old_password", "new_password1", "new_password2")


class PasswordHidingFilter(SafeExceptionReporterFilter):
    """Django's filter, active even with DEBUG on, where Django's own steps aside and shows everything.

    A demo or staging site running with DEBUG showed the password posted to sign-in on its 500 page.
    """

    def is_active(self, request):
        return True


def hide_passwords(view):
    """Marks the password fields sensitive and hides them from error reports, DEBUG or not."""

    @sensitive_post_parameters(*PASSWORD_FIELDS)
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        request.exception_reporter_filter = PasswordHidingFilter()
        return view(request, *args, **kwargs)

    return wrapper


def _safe_next(request, fallback="/"):
    target = request.POST.get("next") or request.GET.get("next")
    # Only a path on this site: redirect() would try any other text as a URL pattern name.
    local = target.startswith("/") if target else False
    if local and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


def _landing(user) -> str:
    # Each role lands where its work is. The places are named in settings, so accounts, the lowest layer, names
    # no app above it.
    return resolve_url(settings.LOGIN_REDIRECT_URLS_BY_ROLE.get(user.role, settings.LOGIN_REDIRECT_URL))


def throttled_message(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return ngettext(
        "Too many attempts. Please wait %(minutes)d minute and try again.",
        "Too many attempts. Please wait %(minutes)d minutes and try again.",
        minutes,
    ) % {"minutes": minutes}


def throttled(response, seconds: int):
    """Turns a rendered page that explains the wait into the 429 a throttled client gets."""
    response.status_code = 429
    response["Retry-After"] = str(seconds)
    return response


@hide_passwords
def sign_up(request):
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    if request.method == "POST":
        # Every sign-up attempt counts, failed ones too: they are how usernames and addresses get probed.
        limit, address = throttling.limit("sign_up_address"), throttling.client_address(request)
        wait = throttling.blocked((limit, address))
        if wait is not None:
            context = {"form": forms.SignUpForm(), "next": _safe_next(request, "")}
            context["throttled"] = throttled_message(wait)
            return throttled(render(request, "accounts/sign_up.html", context), wait)
        throttling.hit(limit, address)
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
                language=get_language(),
            )
        except services.AccountError as error:
            form.add_error("email", str(error))
        else:
            login(request, user, backend="accounts.backends.EmailOrUsernameBackend")
            messages.success(request, _("Welcome, %(name)s! Your account is ready.") % {"name": user.first_name})
            # A new learner lands on their dashboard (its suggestions are where to start), unless they signed
            # up on the way somewhere, such as a course's enrol button.
            target = _safe_next(request, "")
            return redirect(target if target not in ("", "/") else _landing(user))
    status = 400 if form.errors else 200
    context = {"form": form, "next": _safe_next(request, ""), **_sso_context()}
    return render(request, "accounts/sign_up.html", context, status=status)


@login_required
def profile(request):
    form = forms.ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(user=request.user, **form.cleaned_data)
        except services.AccountError as error:
            form.add_error("time_zone", str(error))
        else:
            messages.success(request, _("Your profile is saved."))
            # In the language just chosen: the page itself follows the URL.
            return redirect(i18n.url_in(reverse("accounts:profile"), request.user.preferred_language))
    status = 400 if form.errors else 200
    notifications_form = forms.NotificationPreferencesForm(user=request.user)
    context = {"form": form, "notifications_form": notifications_form}
    return personal(render(request, "accounts/profile.html", context, status=status))


@login_required
@require_POST
def notification_preferences(request):
    form = forms.NotificationPreferencesForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose notifications from the list."))
    else:
        services.update_notification_preferences(user=request.user, wanted=form.cleaned_data["wanted"])
        messages.success(request, _("Your notification preferences are saved."))
    return redirect(f"{reverse('accounts:profile')}#notifications-heading")


@method_decorator(hide_passwords, name="dispatch")
class SignInView(auth_views.LoginView):
    """Sign-in, throttled: failures count per account + client address and per address.

    Keying the account's counter on the address too means an attacker elsewhere cannot lock the real
    user out; the per-address counter stops one address from trying many accounts. While blocked, even
    the right password is refused, or the throttle would only slow guessing down until it succeeded.
    """

    form_class = forms.SignInForm
    template_name = "accounts/sign_in.html"
    # Wagtail sends signed-in users who lack admin access here; bouncing them back would loop.
    redirect_authenticated_user = False

    def throttle_checks(self):
        address = throttling.client_address(self.request)
        login = self.request.POST.get("username", "")
        # Per account, not per spelling: the e-mail address and the username (any case) share one counter.
        account = selectors.user_for_sign_in(login=login) if len(login) <= selectors.MAX_LOGIN_LENGTH else None
        account_key = f"user:{account.pk}" if account else f"login:{login.strip().lower()}"
        return (
            (throttling.limit("sign_in_account"), f"{account_key}|{address}"),
            (throttling.limit("sign_in_address"), address),
        )

    def post(self, request, *args, **kwargs):
        self.checks = self.throttle_checks()
        wait = throttling.blocked(*self.checks)
        if wait is not None:
            form = self.form_class(request, initial={"username": request.POST.get("username", "")[:254]})
            context = self.get_context_data(form=form, throttled=throttled_message(wait))
            return throttled(self.render_to_response(context), wait)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        account_limit, account_identity = self.checks[0]
        throttling.reset(account_limit, account_identity)
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **_sso_context()}

    def get_redirect_url(self):
        target = super().get_redirect_url()  # a `next` on this site, or ""
        # The header's "Sign in" link names the page it was on; on the home page that is no place anyone chose
        # to go back to, so the person lands where their role's work is instead.
        return "" if target == "/" else target

    def get_default_redirect_url(self):
        # Reached only without a safe `next` (LoginView checks it first).
        return _landing(self.request.user)

    def get_success_url(self):
        # Where they were going, in the language of their profile.
        return i18n.url_in(super().get_success_url(), self.request.user.preferred_language)

    def form_invalid(self, form):
        for limit, identity in self.checks:
            throttling.hit(limit, identity)
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class SignOutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have signed out."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Throttled per address: each request may send an e-mail, to anyone's address."""

    form_class = forms.PasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/emails/password_reset.txt"
    subject_template_name = "accounts/emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request, *args, **kwargs):
        limit, address = throttling.limit("password_reset_address"), throttling.client_address(request)
        wait = throttling.blocked((limit, address))
        if wait is not None:
            context = self.get_context_data(form=self.form_class(), throttled=throttled_message(wait))
            return throttled(self.render_to_response(context), wait)
        throttling.hit(limit, address)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


@method_decorator(hide_passwords, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = forms.SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


def _sso_context() -> dict:
    """What the sign-in and sign-up pages need to offer "Sign in with <provider>"."""
    return {"sso_provider_name": sso.provider_name()} if sso.is_configured() else {}


def _sso_failed(request, message: str):
    messages.error(request, message)
    target = request.session.pop("oidc_login_next", None) if hasattr(request, "session") else None
    sign_in = reverse("accounts:sign_in")
    return HttpResponseRedirect(f"{sign_in}?{urlencode({'next': target})}" if target else sign_in)


class SsoStartView(OIDCAuthenticationRequestView):
    """Sends the person to the provider with a state, a nonce and a PKCE challenge kept in their session."""

    def __init__(self, **kwargs):
        # The library reads the endpoint from settings here; it comes from the discovery document in get().
        View.__init__(self, **kwargs)

    def get(self, request):
        if not sso.is_configured():
            raise Http404("Single sign-on is not configured.")
        try:
            document = sso.metadata()
        except sso.ProviderUnavailable as exc:
            sso.logger.warning("Single sign-on: provider unavailable: %s", exc)
            message = _("%(provider)s could not be reached. Please try again later.")
            return _sso_failed(request, message % {"provider": sso.provider_name()})
        self.OIDC_OP_AUTH_ENDPOINT = document["authorization_endpoint"]
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the person back: the code is exchanged and the ID token checked (accounts.sso)."""

    def get(self, request):
        if not sso.is_configured():
            raise Http404("Single sign-on is not configured.")
        if request.GET.get("error"):
            # Cancelled or refused at the provider. (The library would also sign out whoever is signed in here,
            # which a link from anywhere could then do.)
            states = request.session.get("oidc_states", {})
            if isinstance(states, dict) and states.pop(request.GET.get("state", ""), None) is not None:
                request.session.modified = True
            message = _("Signing in with %(provider)s was cancelled or refused there.")
            return _sso_failed(request, message % {"provider": sso.provider_name()})
        states = request.session.get("oidc_states")
        known = isinstance(states, dict) and request.GET.get("state") in states
        try:
            if known:
                return super().get(request)
        except SuspiciousOperation:
            pass
        # The state is not one this browser started: a used, old or copied link, or a sign-in begun elsewhere.
        message = _("That sign-in link has expired or was started in another browser. Please try again.")
        return _sso_failed(request, message)

    def login_failure(self):
        return _sso_failed(self.request, sso.failure_reason(self.request))

    @property
    def success_url(self):
        target = self.request.session.pop("oidc_login_next", None)
        # As with a password: the home page is no place anyone chose, so people land where their role's work is.
        return target if target and target != "/" else _landing(self.user)
