"""The invited person's side: the link in an invitation e-mail, which joins them to the organisation.

Whoever opens the link sees which organisation invited which address. Signed in with that address, they accept
with a button; signed in with another, nothing happens and they are told to sign out; signed out, they sign in
(an account with that address exists) or create their account on the spot, its e-mail address fixed to the
invited one (the link reached that inbox, which proves it). Every refusal is a 4xx page and writes nothing."""

from django.contrib import messages
from django.contrib.auth import login
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts import throttling
from accounts.views import hide_passwords, throttled, throttled_message
from lms_site.htmx import personal

from . import forms, services


def _refused(request, message: str, *, status: int, invitation=None, sign_out: bool = False):
    context = {"message": message, "invitation": invitation, "sign_out": sign_out}
    return personal(TemplateResponse(request, "organisations/invitation_refused.html", context, status=status))


def _page(request, invitation, mode: str, *, status: int = 200, **context):
    context = {"invitation": invitation, "organisation": invitation.organisation, "mode": mode, **context}
    return personal(TemplateResponse(request, "organisations/invitation.html", context, status=status))


@hide_passwords
@require_http_methods(["GET", "POST"])
def accept(request, token: str):
    try:
        invitation = services.invitation_from_token(token)
        services.check_open(invitation)
    except services.InvitationRefused as error:
        return _refused(request, str(error), status=error.status_code)
    here = request.path
    user = request.user
    if user.is_authenticated:
        if user.email.casefold() != invitation.email.casefold():
            message = _(
                "This invitation is for %(invited)s, but you are signed in as %(email)s. Sign out, then open the "
                "link again to accept it with the invited address."
            ) % {"invited": invitation.email, "email": user.email}
            return _refused(request, message, status=403, invitation=invitation, sign_out=True)
        if request.method == "POST":
            return _accept(request, invitation, user)
        return _page(request, invitation, "accept")
    account = account_selectors.user_for_sign_in(login=invitation.email)
    if account is not None and account.email.casefold() == invitation.email.casefold():
        if account.is_banned:
            return _refused(request, _("This account is suspended and cannot join an organisation."), status=403)
        if request.method == "POST":
            return redirect(f"{reverse('accounts:sign_in')}?next={here}")
        return _page(request, invitation, "sign_in", next=here)
    if account is not None:
        # The address is some account's username: sign-up would refuse it, so the person signs in instead.
        return _page(request, invitation, "sign_in", next=here)
    return _sign_up(request, invitation)


def _accept(request, invitation, user):
    try:
        services.accept_invitation(invitation=invitation, user=user)
    except services.OrganisationError as error:
        return _refused(request, str(error), status=error.status_code, invitation=invitation)
    messages.success(request, _("Welcome to %(organisation)s!") % {"organisation": invitation.organisation.name})
    return redirect("learning:dashboard")


def _sign_up(request, invitation):
    """Accounts' sign-up (its form, checks and throttle), then the invitation accepted, in one transaction: an
    invitation that cannot be accepted leaves no account behind."""
    if request.method == "POST":
        limit, address = throttling.limit("sign_up_address"), throttling.client_address(request)
        wait = throttling.blocked((limit, address))
        if wait is not None:
            form = forms.InvitationSignUpForm(invitation=invitation)
            page = _page(request, invitation, "sign_up", form=form, throttled=throttled_message(wait))
            return throttled(page, wait)
        throttling.hit(limit, address)
    form = forms.InvitationSignUpForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                user = account_services.register_learner(
                    username=data["username"],
                    email=invitation.email,
                    password=data["password1"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    time_zone=data["time_zone"],
                )
                services.accept_invitation(invitation=invitation, user=user)
        except account_services.AccountError as error:
            form.add_error(None, str(error))
        except services.OrganisationError as error:
            return _refused(request, str(error), status=error.status_code, invitation=invitation)
        else:
            login(request, user, backend="accounts.backends.EmailOrUsernameBackend")
            messages.success(
                request,
                _("Welcome, %(name)s! Your account is ready and you joined %(organisation)s.")
                % {"name": user.first_name, "organisation": invitation.organisation.name},
            )
            return redirect("learning:dashboard")
    status = 400 if form.errors else 200
    return _page(request, invitation, "sign_up", form=form, status=status)
