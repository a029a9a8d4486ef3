from django.contrib import messages
from django.contrib.auth import SESSION_KEY, get_user_model, logout
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _


class SignOutBannedUsersMiddleware:
    """Ends the session of a user who was banned (or deleted) after signing in.

    The auth backend already refuses to load a banned user, so such a request arrives anonymous
    but still carrying the old session; this flushes it and says why.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user_id = request.session.get(SESSION_KEY)
        if user_id is not None and not request.user.is_authenticated:
            banned = get_user_model()._default_manager.filter(pk=user_id, is_banned=True).exists()
            logout(request)
            if banned:
                messages.error(request, _("Your account has been suspended, so you have been signed out."))
                return redirect("accounts:sign_in")
        return self.get_response(request)


class UserTimeZoneMiddleware:
    """Shows dates and times in the signed-in user's own time zone (visitors see the site's, UTC)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            with timezone.override(user.tzinfo):
                return self.get_response(request)
        return self.get_response(request)
