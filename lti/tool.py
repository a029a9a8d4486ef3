"""PyLTI1p3 fitted to Learnwell: registrations read from LtiPlatform rows, nonces that work once, and the launch's
ID token decoded a second time with the checks the library leaves out.

The library finds the registration, fetches the platform's JWKS and checks the signature, the state cookie and
the message's shape. It decodes with `verify_aud` off, never compares `iss` with the registration, accepts any
algorithm the JWKS names, and only looks up whether a nonce was issued, without using it up, so the same
id_token and state could be posted twice. Those gaps are closed here.
"""

from __future__ import annotations

from typing import Any

import jwt
import requests
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.contrib.django.session import DjangoSessionService
from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiException
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfAbstract

from .models import LtiPlatform, LtiToolKey

# Asymmetric algorithms only: with an HMAC algorithm the "key" would be the platform's public key, known to all.
ALGORITHMS = ["RS256", "RS384", "RS512"]
LEEWAY_SECONDS = 30
HTTP_TIMEOUT_SECONDS = 10
# A nonce waits for the platform's round trip only; a launch's claims (names, e-mail address) are kept for the
# teacher's content picking after a deep-linking launch. The library's default is a day for both.
NONCE_LIFETIME_SECONDS = 10 * 60
LAUNCH_DATA_LIFETIME_SECONDS = 60 * 60


class TimeoutSession(requests.Session):
    """The library's HTTP calls (JWKS, token, scores) carry no timeout; a platform that hangs must not hang us."""

    def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        kwargs.setdefault("timeout", HTTP_TIMEOUT_SECONDS)
        return super().request(method, url, *args, **kwargs)


def http_session() -> requests.Session:
    session = TimeoutSession()
    session.headers["User-Agent"] = "Learnwell-LTI"
    return session


def registration_for(platform: LtiPlatform, key: LtiToolKey) -> Registration:
    public_pem = key_public_pem(key)
    registration = (
        Registration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_login_url(platform.auth_login_url)
        .set_auth_token_url(platform.auth_token_url)
        .set_key_set_url(platform.key_set_url)
        .set_tool_private_key(key.private_key_pem)
        .set_tool_public_key(public_pem)
    )
    if platform.auth_audience:
        registration.set_auth_audience(platform.auth_audience)
    return registration


def key_public_pem(key: LtiToolKey) -> str:
    from cryptography.hazmat.primitives import serialization

    private = serialization.load_pem_private_key(key.private_key_pem.encode(), password=None)
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


class LearnwellToolConf(ToolConfAbstract):
    """Every issuer may have several client ids (one per registration), so lookups always go by both."""

    def __init__(self, key: LtiToolKey):
        self._key = key
        self.platform: LtiPlatform | None = None

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration:
        raise NotImplementedError

    def find_registration_by_params(self, iss: str, client_id: str | None, *args: Any, **kwargs: Any):  # type: ignore[override]
        platforms = LtiPlatform.objects.filter(issuer=iss, is_active=True)
        if client_id:
            platforms = platforms.filter(client_id=client_id)
        found = list(platforms[:2])
        # A login request without client_id can only name a platform when the issuer has one registration.
        if len(found) != 1:
            return None
        self.platform = found[0]
        return registration_for(self.platform, self._key)

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        raise NotImplementedError

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Deployment | None:
        platform = LtiPlatform.objects.filter(issuer=iss, client_id=client_id, is_active=True).first()
        if platform is None or deployment_id not in platform.deployment_id_list:
            return None
        return Deployment().set_deployment_id(deployment_id)


class LaunchStorage(DjangoCacheDataStorage):
    def pop_value(self, key: str) -> bool:
        """Removes the key; True only for the one caller that found it there (cache deletes are atomic)."""
        return bool(self._get_cache().delete(self._prepare_key(key)))


class OnceNonceSessionService(DjangoSessionService):
    def __init__(self, request, *, lifetime: int):  # type: ignore[no-untyped-def]
        super().__init__(request)
        # How long what this service stores (nonces, launch data) lives in the cache.
        self._launch_data_lifetime = lifetime

    def check_nonce(self, nonce: str) -> bool:
        # Used up on first sight: a replayed id_token finds its nonce gone.
        storage = self.data_storage
        if not isinstance(storage, LaunchStorage):
            return False
        return storage.pop_value(self._get_key("nonce", nonce))


def launch_storage() -> LaunchStorage:
    return LaunchStorage()  # on the default cache, shared by every web process


class LearnwellMessageLaunch(DjangoMessageLaunch):
    def __init__(self, request, tool_config, **kwargs):  # type: ignore[no-untyped-def]
        # from_cache passes these as None, so a plain setdefault would not do.
        if kwargs.get("session_service") is None:
            kwargs["session_service"] = OnceNonceSessionService(request, lifetime=LAUNCH_DATA_LIFETIME_SECONDS)
        if kwargs.get("requests_session") is None:
            kwargs["requests_session"] = http_session()
        super().__init__(request, tool_config, **kwargs)

    def validate_jwt_signature(self):  # type: ignore[no-untyped-def]
        public_key, key_alg = self.get_public_key()
        if key_alg not in ALGORITHMS:
            raise LtiException("Algorithm not allowed")
        registration = self._registration
        assert registration is not None
        client_id = registration.get_client_id()
        try:
            claims = jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=[key_alg],
                audience=client_id,
                issuer=registration.get_issuer(),
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "nonce", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise LtiException(f"Can't decode id_token: {error}") from error
        aud = claims.get("aud")
        # A token for several audiences was made for the one its azp names (OpenID Connect core 3.1.3.7).
        if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != client_id:
            raise LtiException("Token not issued to this tool")
        return self


def oidc_login(request, conf: LearnwellToolConf) -> DjangoOIDCLogin:  # type: ignore[no-untyped-def]
    return DjangoOIDCLogin(
        request,
        conf,
        session_service=OnceNonceSessionService(request, lifetime=NONCE_LIFETIME_SECONDS),
        launch_data_storage=launch_storage(),
    )


def message_launch(request, conf: LearnwellToolConf) -> LearnwellMessageLaunch:  # type: ignore[no-untyped-def]
    return LearnwellMessageLaunch(request, conf, launch_data_storage=launch_storage())


def restored_launch(launch_id: str, request, conf: LearnwellToolConf) -> LearnwellMessageLaunch:  # type: ignore[no-untyped-def]
    launch = LearnwellMessageLaunch.from_cache(launch_id, request, conf, launch_data_storage=launch_storage())
    assert isinstance(launch, LearnwellMessageLaunch)
    return launch
