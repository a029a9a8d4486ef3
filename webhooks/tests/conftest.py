"""A real HTTP receiver on 127.0.0.1, started for the test: it records every request and can be told to answer
500 to the first N."""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from webhooks.models import EventType, WebhookEndpoint


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str = ""
    fail_first: int = 0
    requests: list[Received] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)

    @property
    def types(self) -> list[str]:
        """Event types of the requests answered 2xx, in the order they arrived."""
        return [r.json["type"] for r, code in zip(self.requests, self.answered, strict=True) if code < 300]


@pytest.fixture
def receiver():
    state = Receiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                state.requests.append(Received(self.path, dict(self.headers.items()), body))
                code = 500 if len(state.requests) <= state.fail_first else 200
                state.answered.append(code)
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def endpoint(receiver, admin_user):
    return WebhookEndpoint.objects.create(
        url=receiver.url, owner=admin_user, event_types=[EventType.ENROLLMENT_CREATED, EventType.ENROLLMENT_COMPLETED]
    )
