"""Single sign-on with an OpenID Connect provider, on mozilla-django-oidc (ADR 0032).

The library runs the authorisation-code flow with PKCE and a nonce and checks the ID token's signature. What it
leaves to its users is added here: the provider's endpoints from its discovery document, and the ID token's
issuer, audience, authorised party and lifetime, which it does not check. Who the verified person is in Learnwell
is decided by accounts.services.user_from_provider.

Every failure ends as a message on the sign-in page, never as an error page: the reason is kept on the request
(`failure_reason`) for the callback view to show.
"""

import logging
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .services import AccountError, user_from_provider

logger = logging.getLogger(__name__)

METADATA_SECONDS = 3600
# Clocks at the provider and here may differ by this much.
LEEWAY_SECONDS = 30


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be read or does not describe the configured issuer."""


def is_configured() -> bool:
    return bool(settings.OIDC_ISSUER and settings.OIDC_RP_CLIENT_ID)


def provider_name() -> str:
    return settings.OIDC_PROVIDER_NAME


def metadata() -> dict[str, Any]:
    """The provider's discovery document, kept for an hour per issuer."""
    issuer = settings.OIDC_ISSUER
    key = f"sso:metadata:{issuer}"
    document = cache.get(key)
    if document is None:
        try:
            answer = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT)
            answer.raise_for_status()
            document = answer.json()
        except (requests.RequestException, ValueError) as exc:
            raise ProviderUnavailable(f"discovery document of {issuer}: {exc}") from exc
        needed = ("issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri")
        if not isinstance(document, dict) or any(not isinstance(document.get(name), str) for name in needed):
            raise ProviderUnavailable(f"discovery document of {issuer} lacks an endpoint")
        # OpenID Connect Discovery 1.0, section 4.3: the document must name exactly the issuer it was fetched for.
        if document["issuer"].rstrip("/") != issuer:
            raise ProviderUnavailable(f"discovery document names issuer {document['issuer']!r}, not {issuer!r}")
        cache.set(key, document, METADATA_SECONDS)
    return document


def note_failure(request, message: str) -> None:
    request.sso_failure = message


def failure_reason(request) -> str:
    return getattr(request, "sso_failure", "") or _("Signing in with %(provider)s did not work. Please try again.") % {
        "provider": provider_name()
    }


class OpenIdConnectBackend(OIDCAuthenticationBackend):
    """Authenticates the person an ID token names; used only by the callback view (it alone passes a nonce)."""

    def __init__(self, *args, **kwargs):
        # Django builds its backends for every sign-in and, for people signed in through this one, on every
        # request: nothing here may read the network. The library's own __init__ also insists on endpoints set
        # in settings, which come from the discovery document instead (configure_endpoints).
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None

    def configure_endpoints(self, document: dict[str, Any]) -> None:
        self.OIDC_OP_TOKEN_ENDPOINT = document["token_endpoint"]
        self.OIDC_OP_USER_ENDPOINT = document["userinfo_endpoint"]
        self.OIDC_OP_JWKS_ENDPOINT = document["jwks_uri"]
        self.issuer = settings.OIDC_ISSUER

    def authenticate(self, request, **kwargs):
        if request is None or "nonce" not in kwargs or not is_configured():
            return None  # a password sign-in, or single sign-on is off
        try:
            self.configure_endpoints(metadata())
            return super().authenticate(request, **kwargs)
        except ProviderUnavailable as exc:
            logger.warning("Single sign-on: provider unavailable: %s", exc)
            note_failure(request, _("%(provider)s could not be reached. Please try again later.") % self._names())
        except requests.RequestException as exc:
            # The token or user info request failed: a code used twice, a wrong PKCE verifier, the provider down.
            logger.warning("Single sign-on: request to the provider failed: %s", exc)
            note_failure(request, _("%(provider)s did not confirm the sign-in. Please try again.") % self._names())
        except (SuspiciousOperation, jwt.InvalidTokenError, ValueError, KeyError, TypeError) as exc:
            logger.warning("Single sign-on: ID token refused: %s", exc)
            message = _("The answer from %(provider)s could not be trusted. Please try again.")
            note_failure(request, message % self._names())
        return None

    def _names(self) -> dict[str, str]:
        return {"provider": provider_name()}

    def _verify_jws(self, payload, key):
        """The signature, as the library checks it, plus what it skips: issuer, audience, expiry and issue time."""
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"ID token signed with {header.get('alg')!r}, not {self.OIDC_RP_SIGN_ALGO!r}")
        claims = jwt.decode(
            payload,
            key,
            algorithms=[self.OIDC_RP_SIGN_ALGO],
            audience=self.OIDC_RP_CLIENT_ID,
            issuer=self.issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "exp", "iat", "sub"]},
        )
        # OpenID Connect Core 1.0, 3.1.3.7: a token meant for several audiences must name us as its authorised party.
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("ID token for several audiences without this client as its authorised party")
        self.id_token_claims = claims
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        info = self.get_userinfo(access_token, id_token, payload)
        # OpenID Connect Core 1.0, 5.3.2: user info about anyone but the token's subject must not be used.
        if not isinstance(info, dict) or str(info.get("sub")) != str(payload["sub"]):
            raise SuspiciousOperation("user info is about another subject than the ID token")
        claims = {**payload, **info}
        try:
            return user_from_provider(issuer=self.issuer, claims=claims, provider=provider_name())
        except AccountError as exc:
            note_failure(self.request, str(exc))
            return None

    def get_user(self, user_id):
        # The library's version skips Django's check; a banned or deactivated person is never loaded.
        return ModelBackend.get_user(self, user_id)

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and not getattr(user, "is_banned", False)
