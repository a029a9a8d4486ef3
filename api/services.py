"""Personal access tokens: created (the secret shown once), used, revoked."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .models import AccessToken, Scope

TOKEN_PREFIX = "lw_"  # noqa: S105 (a marker that names our tokens in logs and scanners, not a secret)
MAX_LIFETIME = timedelta(days=366)
# last_used_at is written at most this often per token, so a busy client does not write on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


class ApiError(Exception):
    """A rule of the API was broken; the message is for the client, status_code for the response."""

    status_code = 400


class TokenInvalid(ApiError):
    status_code = 401


@dataclass(frozen=True)
class NewToken:
    token: AccessToken
    secret: str  # shown once, never stored


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(*, user: User, name: str, scope: Scope | str, expires_at: datetime) -> NewToken:
    now = timezone.now()
    name = name.strip()
    if not name:
        raise ApiError(_("Give the token a name."))
    if scope not in Scope.values:
        raise ApiError(_("Choose read or write."))
    if expires_at <= now:
        raise ApiError(_("The expiry date must be in the future."))
    if expires_at > now + MAX_LIFETIME:
        raise ApiError(_("A token may live one year at most."))
    if not user.is_active or user.is_banned:
        raise ApiError(_("This account cannot create tokens."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = AccessToken.objects.create(
            user=user,
            name=name[:100],
            scope=scope,
            prefix=secret[:11],
            digest=digest_of(secret),
            expires_at=expires_at,
        )
    return NewToken(token=token, secret=secret)


@transaction.atomic
def revoke_token(*, token: AccessToken) -> AccessToken:
    """Idempotent: a token revoked twice keeps its first revocation time."""
    AccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    return token


def authenticate(*, secret: str) -> AccessToken:
    """The live token behind a bearer secret, with its user; raises TokenInvalid with one answer for every
    reason a client may not learn (unknown, revoked, expired, banned), except expiry, which it can fix."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise TokenInvalid("The token is not valid.")
    token = AccessToken.objects.select_related("user").filter(digest=digest_of(secret)).first()
    now = timezone.now()
    if token is None or token.revoked_at is not None or not token.user.is_active or token.user.is_banned:
        raise TokenInvalid("The token is not valid.")
    if token.expires_at <= now:
        raise TokenInvalid("The token has expired.")
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
