"""An LTI 1.3 platform simulated for the tests: its own RSA key and JWKS, signed id_tokens as Moodle or Canvas
would send them, an OAuth 2 token endpoint that checks the tool's signed client assertion against the tool's
JWKS, and an AGS line item that records the scores posted to it."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lms_site.tests.local_server import LocalServer

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


class SimulatedPlatform:
    client_id = "learnwell-client"
    deployment_id = "deployment-1"
    kid = "platform-key-1"

    def __init__(self):
        self.key = new_rsa_key()
        self.tool_jwks: dict[str, Any] | None = None  # the tool's published keys, handed over by the test
        self.scores: list[dict[str, Any]] = []
        self.token_requests: list[dict[str, Any]] = []
        self.tokens: set[str] = set()
        self._lock = threading.Lock()
        self.server = LocalServer(self._handler(), name="lti-platform")
        self.issuer = self.server.url  # platforms use their base URL as issuer

    @property
    def url(self) -> str:
        return self.server.url

    def jwks(self) -> dict[str, Any]:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def lineitem_url(self, number: int = 1) -> str:
        return f"{self.url}/lineitems/{number}"

    def id_token(
        self,
        *,
        nonce: str,
        key: rsa.RSAPrivateKey | None = None,
        changes: dict[str, Any] | None = None,
        drop: tuple[str, ...] = (),
    ) -> str:
        """A launch's id_token signed with the platform's key (or `key`), with claims changed or dropped."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": "student-1",
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "email": "sam@example.com",
            "given_name": "Sam",
            "family_name": "Student",
            LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id,
            LTI + "target_link_uri": "https://learnwell.example/",
            LTI + "resource_link": {"id": "link-1", "title": "Week 1"},
            LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": [SCORE_SCOPE, LINEITEM_SCOPE],
                "lineitem": self.lineitem_url(),
            },
        }
        claims.update(changes or {})
        for name in drop:
            claims.pop(name, None)
        return jwt.encode(claims, pem(key or self.key), algorithm="RS256", headers={"kid": self.kid})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == "/jwks":
                    return self._answer(200, platform.jwks())
                return self._answer(404, {})

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path == "/token":
                    return self._token(parse_qs(body.decode()))
                if self.path.startswith("/lineitems/") and self.path.endswith("/scores"):
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    if token not in platform.tokens:
                        return self._answer(401, {"error": "unauthorized"})
                    with platform._lock:
                        platform.scores.append(
                            {
                                "path": self.path,
                                "content_type": self.headers.get("Content-Type"),
                                "score": json.loads(body),
                            }
                        )
                    return self._answer(200, {})
                return self._answer(404, {})

            def _token(self, form: dict[str, list[str]]) -> None:
                assertion = form.get("client_assertion", [""])[0]
                try:
                    header = jwt.get_unverified_header(assertion)
                    jwk = next(k for k in (platform.tool_jwks or {}).get("keys", []) if k["kid"] == header["kid"])
                    claims = jwt.decode(
                        assertion,
                        jwt.PyJWK.from_dict(jwk),
                        algorithms=["RS256"],
                        audience=f"{platform.url}/token",
                        issuer=platform.client_id,
                    )
                except (jwt.PyJWTError, StopIteration, KeyError) as error:  # PyJWKError is a PyJWTError
                    return self._answer(400, {"error": "invalid_client", "detail": str(error)})
                token = uuid.uuid4().hex
                with platform._lock:
                    platform.token_requests.append({"claims": claims, "scope": form.get("scope", [""])[0]})
                    platform.tokens.add(token)
                return self._answer(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})

        return Handler

    def stop(self) -> None:
        self.server.stop()
