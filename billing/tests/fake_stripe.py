"""A small local stand-in for Stripe's HTTP API, so tests drive the real stripe-python client end to end.

It listens on 127.0.0.1 (a free port, plain http) in a background thread, records every request it
receives (method, path, headers, form-decoded body) and answers the two endpoints billing.gateway calls:

- POST /v1/checkout/sessions: a Stripe-shaped ``checkout.session`` (``cs_test_...``, with a
  ``https://checkout.stripe.test/...`` url) that echoes the metadata it was sent;
- POST /v1/refunds: a Stripe-shaped ``refund``.

``fail_next(...)`` makes the next request answer with a Stripe error body and status instead, so tests
can see what the application does when Stripe declines (402 card_error) or breaks (500 api_error).

Stripe's client sends ``application/x-www-form-urlencoded`` bodies with bracketed keys, e.g.
``line_items[0][price_data][unit_amount]=4900``: ``RecordedRequest.form`` keeps them flat, as sent.
The pytest fixtures that start it live in billing/tests/conftest.py (``fake_stripe``).
"""

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl

import stripe

from lms_site.tests.local_server import LocalServer

CHECKOUT_HOST = "https://checkout.stripe.test"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    form: dict[str, str]  # the form-decoded body, bracketed keys kept flat as Stripe's client sent them
    raw_body: str

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def authorization(self) -> str | None:
        return self.header("Authorization")

    @property
    def idempotency_key(self) -> str | None:
        return self.header("Idempotency-Key")

    def prefixed(self, prefix: str) -> dict[str, str]:
        """The form fields under a bracketed prefix: prefixed("metadata") -> {"order_id": "7"}."""
        return _prefixed(self.form, prefix)


def _prefixed(form: dict[str, str], prefix: str) -> dict[str, str]:
    start = prefix + "["
    return {key[len(start) : -1]: value for key, value in form.items() if key.startswith(start)}


@dataclass
class _Failure:
    status: int
    body: dict


@dataclass
class FakeStripe:
    """The fake server. ``start()`` it, point ``stripe.api_base`` at ``url``, ``stop()`` it afterwards."""

    requests: list[RecordedRequest] = field(default_factory=list)
    checkout_sessions: dict[str, dict] = field(default_factory=dict)
    refunds: dict[str, dict] = field(default_factory=dict)
    _failures: list[_Failure] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: LocalServer | None = None

    # Lifecycle

    def start(self) -> "FakeStripe":
        self._server = LocalServer(_handler_for(self), name="fake-stripe")
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return self._server.url

    # What tests ask of it

    def fail_next(
        self,
        *,
        status: int = 402,
        error_type: str = "card_error",
        code: str | None = "card_declined",
        message: str = "Your card was declined.",
        **extra,
    ) -> None:
        """The next request (whatever its path) gets this Stripe error instead of its normal answer."""
        error = {"type": error_type, "message": message, **extra}
        if code:
            error["code"] = code
        with self._lock:
            self._failures.append(_Failure(status=status, body={"error": error}))

    def requests_to(self, path: str, method: str = "POST") -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path and r.method == method]

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    # What the handler calls

    def _answer(self, method: str, path: str, form: dict[str, str]) -> tuple[int, dict]:
        with self._lock:
            if self._failures:
                failure = self._failures.pop(0)
                return failure.status, failure.body
        if method == "POST" and path == "/v1/checkout/sessions":
            return 200, self._create_checkout_session(form)
        if method == "POST" and path == "/v1/refunds":
            return 200, self._create_refund(form)
        message = f"Unrecognized request URL ({method}: {path}). The fake Stripe server does not answer it."
        return 404, {"error": {"type": "invalid_request_error", "message": message}}

    def _create_checkout_session(self, form: dict[str, str]) -> dict:
        session_id = f"cs_test_{secrets.token_hex(12)}"
        quantity = int(form.get("line_items[0][quantity]", "1"))
        unit_amount = int(form.get("line_items[0][price_data][unit_amount]", "0"))
        session = {
            "id": session_id,
            "object": "checkout.session",
            "livemode": False,
            "mode": form.get("mode"),
            "status": "open",
            "payment_status": "unpaid",
            "amount_subtotal": quantity * unit_amount,
            "amount_total": quantity * unit_amount,
            "currency": form.get("line_items[0][price_data][currency]"),
            "client_reference_id": form.get("client_reference_id"),
            "customer_email": form.get("customer_email"),
            "allow_promotion_codes": form.get("allow_promotion_codes") == "true",
            "metadata": _prefixed(form, "metadata"),
            "payment_intent": None,
            "success_url": form.get("success_url"),
            "cancel_url": form.get("cancel_url"),
            "created": int(time.time()),
            "expires_at": int(time.time()) + 24 * 3600,
            "url": f"{CHECKOUT_HOST}/c/pay/{session_id}",
        }
        with self._lock:
            self.checkout_sessions[session_id] = session
        return session

    def _create_refund(self, form: dict[str, str]) -> dict:
        if not form.get("payment_intent") and not form.get("charge"):
            return {"error": {"type": "invalid_request_error", "message": "Missing payment_intent or charge."}}
        refund_id = f"re_test_{secrets.token_hex(12)}"
        refund = {
            "id": refund_id,
            "object": "refund",
            "amount": int(form["amount"]) if form.get("amount") else None,
            "charge": form.get("charge"),
            "payment_intent": form.get("payment_intent"),
            "metadata": _prefixed(form, "metadata"),
            "reason": form.get("reason"),
            "status": "pending",
            "created": int(time.time()),
        }
        with self._lock:
            self.refunds[refund_id] = refund
        return refund

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)


def _handler_for(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0: one request per connection, so no pooled connection outlives a test's server.
        server_version = "FakeStripe/1.0"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            path, _, query = self.path.partition("?")
            form = dict(parse_qsl(raw or query, keep_blank_values=True))
            headers = {name.lower(): value for name, value in self.headers.items()}
            fake._record(RecordedRequest(self.command, path, headers, form, raw))
            status, body = fake._answer(self.command, path, form)
            if status == 200 and "error" in body:
                status = 400
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Request-Id", f"req_fake_{secrets.token_hex(6)}")
            self.send_header("Stripe-Version", stripe.api_version)
            if status >= 400:
                # Belt and braces beside max_network_retries = 0: a retry would replay the same error anyway.
                self.send_header("Stripe-Should-Retry", "false")
            if headers.get("idempotency-key"):
                self.send_header("Idempotency-Key", headers["idempotency-key"])
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = _handle

        def log_message(self, format, *args):
            pass  # quiet: tests read fake.requests instead

    return Handler


def stripe_event(event_type: str, data: dict, *, event_id: str | None = None) -> dict:
    """A Stripe-shaped event envelope around ``data`` (a checkout.session, a charge, ...)."""
    return {
        "id": event_id or f"evt_test_{secrets.token_hex(12)}",
        "object": "event",
        "api_version": stripe.api_version,
        "created": int(time.time()),
        "livemode": False,
        "type": event_type,
        "data": {"object": data},
    }


def signed_payload(event: dict, secret: str) -> tuple[str, str]:
    """The JSON body and its Stripe-Signature header, as Stripe would deliver the event."""
    payload = json.dumps(event)
    return payload, stripe.WebhookSignature.generate_signature_header(payload, secret)
