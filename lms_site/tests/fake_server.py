"""What every fake HTTP API of the tests shares (billing's fake Stripe, media_pipeline's fake ImageKit).

A fake is a ``FakeServer`` dataclass: ``start()`` serves it on a free port of 127.0.0.1 in a background thread
(``LocalServer``), ``url`` says where, ``stop()`` shuts it down, and ``requests`` logs what it received, under
``_lock`` since the server answers from its own threads. Its ``handler`` is a ``FakeHandler`` subclass, bound
to the running fake at ``start()`` (``self.fake`` in the handler); it reads the request, records it with
``fake._record(...)`` (a dataclass with ``method`` and ``path``, and ``HeaderLookup`` for its headers), and
answers with ``send_json``.
"""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

from lms_site.tests.local_server import LocalServer


class Recorded(Protocol):
    """What a fake records of each request (its own dataclass): at least the method and the path."""

    @property
    def method(self) -> str: ...

    @property
    def path(self) -> str: ...


Request = TypeVar("Request", bound=Recorded)


class HeaderLookup:
    """For a fake's recorded request, whose ``headers`` have lower-cased names: lookups by a name in any case."""

    headers: dict[str, str]

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def authorization(self) -> str | None:
        return self.header("Authorization")


class FakeHandler(BaseHTTPRequestHandler):
    """Answers GET, POST and DELETE with ``answer()``. HTTP/1.0 (BaseHTTPRequestHandler's default): one request
    per connection, so no pooled connection outlives a test's server."""

    fake: Any  # the FakeServer this class was bound to by FakeServer.start()

    def answer(self) -> None:
        raise NotImplementedError

    def do_GET(self) -> None:
        self.answer()

    do_POST = do_DELETE = do_GET

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def lowered_headers(self) -> dict[str, str]:
        return {name.lower(): value for name, value in self.headers.items()}

    def send_json(
        self, status: int, body: Any, *, content_type: str = "application/json", headers: dict[str, str] | None = None
    ) -> None:
        """The status, then ``body`` as JSON with its Content-Type, Content-Length and ``headers``; with a body of
        None, only an empty Content-Length."""
        self.send_response(status)
        if body is None:
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        payload = json.dumps(body).encode()
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        pass  # quiet: tests read fake.requests instead


@dataclass(kw_only=True)
class FakeServer(Generic[Request]):
    """The lifecycle and request log of a fake API. ``start()`` it, point the client at ``url``, ``stop()`` it
    afterwards. Subclasses set ``handler`` and ``thread_name``."""

    handler: ClassVar[type[FakeHandler]]
    thread_name: ClassVar[str]

    requests: list[Request] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _server: LocalServer | None = field(default=None, init=False, repr=False)

    def start(self) -> Self:
        bound = type(self.handler.__name__, (self.handler,), {"fake": self})
        self._server = LocalServer(bound, name=self.thread_name)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def url(self) -> str:
        return self._server.url

    def requests_to(self, path: str, method: str | None = None) -> list[Request]:
        """The requests received at ``path``, with ``method`` if given, oldest first."""
        with self._lock:
            return [r for r in self.requests if r.path == path and (method is None or r.method == method)]

    def clear(self) -> None:
        """Forgets the recorded requests (nothing else the fake holds)."""
        with self._lock:
            self.requests.clear()

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)
