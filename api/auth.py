"""Bearer authentication with personal access tokens, and the per-token rate limit."""

from django.conf import settings
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from accounts import throttling

from . import services
from .models import AccessToken


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__("Too many requests.")
        self.retry_after = retry_after


class NotAllowed(Exception):
    """The token is valid but may not do this (403)."""


def rate_limit() -> throttling.Limit:
    requests, seconds = settings.API_RATE_LIMIT
    return throttling.Limit(scope="api", attempts=int(requests), seconds=int(seconds))


class TokenAuth(HttpBearer):
    openapi_description = "A personal access token from your profile page: `Authorization: Bearer lw_...`."

    def authenticate(self, request, token: str) -> AccessToken:
        access = services.authenticate(secret=token)
        # The same fixed-window counters as sign-in throttling (accounts/throttling.py): add then incr.
        limit_ = rate_limit()
        identity = f"token:{access.pk}"
        wait = throttling.retry_after(limit_, identity)
        if wait is not None:
            raise RateLimited(wait)
        throttling.hit(limit_, identity)
        request.user = access.user
        return access


def require_write(request) -> None:
    if not request.auth.can_write:
        raise NotAllowed(_("This operation needs a token with the write scope."))


def require_admin(request) -> None:
    if not request.auth.user.is_lms_admin:
        raise NotAllowed(_("Only administrators may use this operation."))
