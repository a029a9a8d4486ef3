"""An LTI 1.3 platform simulated for the tests: its own RSA key and JWKS, signed id_tokens as Moodle or Canvas
would send them, an OAuth 2 token endpoint that checks the tool's signed client assertion against the tool's
JWKS, and an AGS line item that records the scores posted to it.

For a browser (e2e/test_lti.py) it also has the pages a real platform shows: a link that starts a launch (a form
posting the login initiation to the tool), its authorisation endpoint (a form posting the signed id_token and the
state back to the tool's redirect_uri) and the deep-linking return URL, which records the JWT the tool posts."""

from __future__ import annotations

import html
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

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

    def __init__(self, *, host: str = "127.0.0.1"):
        self.key = new_rsa_key()
        self.tool_jwks: dict[str, Any] | None = None  # the tool's published keys, handed over by the test
        self.scores: list[dict[str, Any]] = []
        self.token_requests: list[dict[str, Any]] = []
        self.tokens: set[str] = set()
        # For a browser: the tool's base URL, the launches the platform can start (by lti_message_hint: the
        # claims to change and drop in their id_token), the authorisation requests it received, and the JWTs
        # posted to its deep-linking return URL.
        self.tool_url = ""
        self.launches: dict[str, dict[str, Any]] = {}
        self.auth_requests: list[dict[str, str]] = []
        self.deep_link_returns: list[str] = []
        self._lock = threading.Lock()
        self.server = LocalServer(self._handler(), name="lti-platform")
        # Listening on 127.0.0.1 always; `host` is the name it is reached by (e.g. "localhost", as a browser
        # test's live server is, so that both are one site for the browser's cookies).
        self.url = f"http://{host}:{urlsplit(self.server.url).port}"
        self.issuer = self.url  # platforms use their base URL as issuer

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

            def _page(self, status: int, title: str, body: str) -> None:
                data = (
                    f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
                    f"</head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
                ).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _form(self, action: str, fields: dict[str, str], button: str) -> str:
                inputs = "".join(
                    f'<input type=hidden name="{html.escape(name)}" value="{html.escape(value)}">'
                    for name, value in fields.items()
                )
                return f'<form method=post action="{html.escape(action)}">{inputs}<button>{button}</button></form>'

            def do_GET(self):
                path, _sep, query_string = self.path.partition("?")
                query = {name: values[0] for name, values in parse_qs(query_string).items()}
                if path == "/jwks":
                    return self._answer(200, platform.jwks())
                if path == "/launch-start":
                    return self._launch_start(query)
                if path == "/auth":
                    return self._authorise(query)
                return self._answer(404, {})

            def _launch_start(self, query: dict[str, str]) -> None:
                """The platform's link to the tool: a form posting the third-party login initiation."""
                hint = query.get("launch", "")
                if hint not in platform.launches:
                    return self._page(404, "No such launch", "")
                fields = {
                    "iss": platform.issuer,
                    "login_hint": platform.launches[hint].get("sub", "student-1"),
                    "target_link_uri": f"{platform.tool_url}/lti/launch/",
                    "lti_message_hint": hint,
                    "client_id": platform.client_id,
                    "lti_deployment_id": platform.deployment_id,
                }
                form = self._form(f"{platform.tool_url}/lti/login/", fields, "Open Learnwell")
                return self._page(200, "Simulated platform", form)

            def _authorise(self, query: dict[str, str]) -> None:
                """The OIDC authorisation endpoint: checks the tool's request as a platform does, then answers the
                form that posts the id_token, signed for the nonce received, and the state to redirect_uri."""
                with platform._lock:
                    platform.auth_requests.append(query)
                launch = platform.launches.get(query.get("lti_message_hint", ""))
                expected = {
                    "scope": "openid",
                    "response_type": "id_token",
                    "response_mode": "form_post",
                    "prompt": "none",
                    "client_id": platform.client_id,
                    "redirect_uri": f"{platform.tool_url}/lti/launch/",
                }
                wrong = [name for name, value in expected.items() if query.get(name) != value]
                if launch is None or not query.get("nonce") or not query.get("state") or wrong:
                    return self._page(400, "Invalid authentication request", html.escape(", ".join(wrong)))
                changes = {LTI + "target_link_uri": f"{platform.tool_url}/lti/launch/", **launch.get("changes", {})}
                if "sub" in launch:
                    changes["sub"] = launch["sub"]
                token = platform.id_token(nonce=query["nonce"], changes=changes, drop=tuple(launch.get("drop", ())))
                form = self._form(
                    query["redirect_uri"], {"id_token": token, "state": query["state"]}, "Continue to the tool"
                )
                return self._page(200, "Simulated platform: signing you in", form)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path == "/deep-link-return":
                    posted = parse_qs(body.decode()).get("JWT", [""])[0]
                    with platform._lock:
                        platform.deep_link_returns.append(posted)
                    return self._page(200, "Simulated platform: content added", "")
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
