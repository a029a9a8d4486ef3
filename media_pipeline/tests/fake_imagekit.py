"""A small local stand-in for ImageKit's HTTP API, so tests drive the real imagekitio SDK end to end.

It listens on 127.0.0.1 (a free port, plain http) in a background thread, records every request it
receives (method, path, query, headers, multipart form fields and uploaded file) and answers the three
endpoints media_pipeline.backends.ImageKitBackend calls when the SDK's ``base_url`` points at it:

- POST /api/v1/files/upload (multipart): an ImageKit-shaped upload response (``fileId``, ``name``,
  ``filePath`` = folder + "/" + fileName, ``url``, ``size``, ``fileType``, ...); the file is remembered.
  ``useUniqueFileName`` (ImageKit's default: true) adds a suffix to the name; with it false, an existing
  file at the same path is replaced (keeping its ``fileId``) when ``overwriteFile`` is true and refused
  otherwise, as ImageKit does;
- GET /v1/files: the remembered files in the folder ``path`` names (that folder only, not its
  subfolders), filtered by a ``searchQuery`` of ``name = "..."`` clauses (joined by AND), then ``skip``
  and ``limit``; other search fields are answered with a 400, so a query the fake does not understand
  fails loudly instead of matching everything;
- DELETE /v1/files/<fileId>: 204 and the file is forgotten (404 if it is unknown).

Every request must carry ImageKit's HTTP Basic auth (the private key as user name, any password), or it
gets a 401. ``fail_next(...)`` makes the next N matching requests answer with a status and ImageKit's
error body ``{"message": ...}`` instead, so tests see what the application does when ImageKit breaks
(500) or throttles (429). ``add_file(...)`` stores a file without a request, e.g. one a dead worker
uploaded before it could record it.

The pytest fixture that starts it lives in media_pipeline/tests/conftest.py (``fake_imagekit``).
"""

import base64
import posixpath
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl

from lms_site.tests.fake_server import FakeHandler, FakeServer, HeaderLookup

UPLOAD_PATH = "/api/v1/files/upload"
LIST_PATH = "/v1/files"
FILE_PATH_PREFIX = "/v1/files/"
DEFAULT_URL_ENDPOINT = "https://ik.imagekit.io/learnwell"


@dataclass(frozen=True)
class UploadedFile:
    """The ``file`` part of a multipart upload, as the client sent it."""

    filename: str | None
    content_type: str | None
    content: bytes


@dataclass(frozen=True)
class RecordedRequest(HeaderLookup):
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    form: dict[str, str]  # multipart text fields, by their (camelCase) names as sent
    file: UploadedFile | None
    raw_body: bytes

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        """(user name, password) from the Basic Authorization header, or None without one."""
        return _basic_credentials(self.authorization)


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header.removeprefix("Basic ")).decode().partition(":")
    except ValueError:
        return None
    return user, password


@dataclass
class _Failure:
    remaining: int | None  # None: until stop_failing()
    status: int
    message: str
    method: str | None
    path: str | None

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (self.path is None or self.path == path)


class _Handler(FakeHandler):
    server_version = "FakeImageKit/1.0"

    def answer(self) -> None:
        raw = self.read_body()
        path, _, query = self.path.partition("?")
        headers = self.lowered_headers()
        form: dict[str, str] = {}
        uploaded = None
        malformed = None
        if headers.get("content-type", "").startswith("multipart/form-data"):
            try:
                form, uploaded = _parse_multipart(headers["content-type"], raw)
            except ValueError as error:
                malformed = str(error)
        request = RecordedRequest(
            self.command, path, dict(parse_qsl(query, keep_blank_values=True)), headers, form, uploaded, raw
        )
        self.fake._record(request)
        status, body = (400, {"message": malformed}) if malformed else self.fake._answer(request)
        self.send_json(status, body, content_type="application/json; charset=utf-8")


@dataclass
class FakeImageKit(FakeServer[RecordedRequest]):
    """The fake server. ``start()`` it, point the SDK's ``base_url`` at ``url``, ``stop()`` it afterwards."""

    handler = _Handler
    thread_name = "fake-imagekit"

    private_key: str = "private_test_key"
    url_endpoint: str = DEFAULT_URL_ENDPOINT
    files: dict[str, dict] = field(default_factory=dict)  # by fileId: the ImageKit file object
    contents: dict[str, bytes] = field(default_factory=dict)  # by fileId: the bytes uploaded
    _failures: list[_Failure] = field(default_factory=list)

    # What tests ask of it

    def fail_next(
        self,
        times: int | None = 1,
        *,
        status: int = 500,
        message: str = "We are experiencing an internal issue. Please try again later.",
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        """The next ``times`` requests matching method and path (any, if not given) get this error instead.

        ``times=None`` fails every matching request until ``stop_failing()``.
        """
        with self._lock:
            self._failures.append(_Failure(times, status, message, method, path))

    def fail_uploads(self, times: int | None = 1, **options) -> None:
        self.fail_next(times, method="POST", path=UPLOAD_PATH, **options)

    def stop_failing(self) -> None:
        with self._lock:
            self._failures.clear()

    def add_file(self, name: str, *, folder: str = "/", content: bytes = b"", **extra) -> dict:
        """Stores a file as if it had been uploaded earlier; returns its ImageKit file object."""
        with self._lock:
            return self._store(name, _normalise_folder(folder), content, extra)

    def file_named(self, name: str) -> dict | None:
        with self._lock:
            return next((file for file in self.files.values() if file["name"] == name), None)

    @property
    def uploads(self) -> list[RecordedRequest]:
        return self.requests_to(UPLOAD_PATH, "POST")

    @property
    def listings(self) -> list[RecordedRequest]:
        return self.requests_to(LIST_PATH, "GET")

    @property
    def deletions(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == "DELETE"]

    # What the handler calls

    def _answer(self, request: RecordedRequest) -> tuple[int, dict | list | None]:
        with self._lock:
            failure = next((f for f in self._failures if f.matches(request.method, request.path)), None)
            if failure is not None:
                if failure.remaining is not None:
                    failure.remaining -= 1
                    if failure.remaining <= 0:
                        self._failures.remove(failure)
                return failure.status, {"message": failure.message, "help": "For support kindly contact us."}
        credentials = request.basic_auth
        if credentials is None or credentials[0] != self.private_key:
            return 401, {"message": "Your request does not contain private API key.", "help": ""}
        if request.method == "POST" and request.path == UPLOAD_PATH:
            return self._upload(request)
        if request.method == "GET" and request.path == LIST_PATH:
            return self._list(request.query)
        if request.method == "DELETE" and request.path.startswith(FILE_PATH_PREFIX):
            return self._delete(request.path.removeprefix(FILE_PATH_PREFIX))
        return 404, {"message": f"The fake ImageKit server does not answer {request.method} {request.path}."}

    def _upload(self, request: RecordedRequest) -> tuple[int, dict]:
        form = request.form
        if request.file is None or not form.get("fileName"):
            return 400, {"message": "Missing file parameter or fileName parameter for upload."}
        folder = _normalise_folder(form.get("folder", "/"))
        name = form["fileName"]
        if _flag(form.get("useUniqueFileName"), default=True):
            stem, dot, extension = name.rpartition(".")
            name = f"{stem}_{secrets.token_hex(4)}{dot}{extension}" if dot else f"{name}_{secrets.token_hex(4)}"
        extra = {
            "isPrivateFile": _flag(form.get("isPrivateFile"), default=False),
            "tags": form["tags"].split(",") if form.get("tags") else None,
        }
        with self._lock:
            existing = self._at_path(_file_path(folder, name))
            if existing is not None and not _flag(form.get("overwriteFile"), default=True):
                return 400, {"message": "A file with the same name already exists at the exact location."}
            stored = self._store(
                name, folder, request.file.content, extra, file_id=existing["fileId"] if existing else None
            )
        upload_fields = ("fileId", "name", "filePath", "url", "thumbnailUrl", "size", "fileType", "isPrivateFile")
        response = {key: stored[key] for key in upload_fields}
        response |= {"tags": stored["tags"], "versionInfo": {"id": stored["fileId"], "name": "Version 1"}}
        return 200, response

    def _list(self, query: dict[str, str]) -> tuple[int, list | dict]:
        with self._lock:
            found = list(self.files.values())
        if query.get("path"):
            folder = _normalise_folder(query["path"])
            found = [file for file in found if posixpath.dirname(file["filePath"]) == folder]
        if query.get("searchQuery"):
            try:
                clauses = _parse_search_query(query["searchQuery"])
            except ValueError as error:
                return 400, {"message": f"Your request contains invalid syntax for the searchQuery parameter: {error}"}
            for key, value in clauses:
                found = [file for file in found if file[key] == value]
        skip = int(query.get("skip") or 0)
        limit = int(query.get("limit") or 1000)
        return 200, found[skip : skip + limit]

    def _delete(self, file_id: str) -> tuple[int, dict | None]:
        with self._lock:
            if self.files.pop(file_id, None) is None:
                return 404, {"message": "The requested file does not exist.", "help": ""}
            self.contents.pop(file_id, None)
        return 204, None

    # Storage (callers hold the lock)

    def _at_path(self, file_path: str) -> dict | None:
        return next((file for file in self.files.values() if file["filePath"] == file_path), None)

    def _store(self, name: str, folder: str, content: bytes, extra: dict, file_id: str | None = None) -> dict:
        file_id = file_id or secrets.token_hex(12)
        file_path = _file_path(folder, name)
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        file = {
            "type": "file",
            "fileId": file_id,
            "name": name,
            "filePath": file_path,
            "url": self.url_endpoint.rstrip("/") + file_path,
            "thumbnailUrl": "",
            "size": len(content),
            "fileType": "image" if name.lower().endswith((".jpg", ".jpeg", ".png", ".webp", ".gif")) else "non-image",
            "isPrivateFile": False,
            "isPublished": True,
            "tags": None,
            "createdAt": now,
            "updatedAt": now,
        }
        file.update({key: value for key, value in extra.items() if value is not None})
        self.files[file_id] = file
        self.contents[file_id] = content
        return dict(file)


def _normalise_folder(folder: str) -> str:
    """ImageKit's folder paths: "/learnwell/videos/" and "learnwell/videos" both mean "/learnwell/videos"."""
    return "/" + folder.strip("/") if folder.strip("/") else "/"


def _file_path(folder: str, name: str) -> str:
    return f"{folder.rstrip('/')}/{name}"


def _flag(value: str | None, *, default: bool) -> bool:
    return default if value is None else value.lower() == "true"


_CLAUSE = re.compile(r'\s*(\w+)\s*=\s*"([^"]*)"\s*')


def _parse_search_query(search_query: str) -> list[tuple[str, str]]:
    """The subset of ImageKit's Lucene-like search the fake understands: ``name = "..."`` joined by AND."""
    clauses = []
    for part in re.split(r"\s+AND\s+", search_query.strip()):
        match = _CLAUSE.fullmatch(part)
        if match is None or match[1] != "name":
            raise ValueError(f"unsupported clause {part!r}")
        clauses.append((match[1], match[2]))
    return clauses


def _parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, str], UploadedFile | None]:
    """Text fields by name, and the part named ``file``, from a multipart/form-data body (bytes kept exact)."""
    boundary = _header_params(f"Content-Type: {content_type}", "content-type").get("boundary")
    if not boundary:
        raise ValueError("multipart body without a boundary")
    delimiter = b"--" + boundary.encode()
    form: dict[str, str] = {}
    uploaded = None
    # The body is: preamble, delimiter CRLF part CRLF, delimiter CRLF part CRLF, ..., delimiter "--".
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, separator, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not separator:
            raise ValueError("multipart part without a blank line after its headers")
        content = content.removesuffix(b"\r\n")
        headers = BytesParser(policy=HTTP).parsebytes(head + b"\r\n\r\n", headersonly=True)
        disposition = headers.get("Content-Disposition")
        name = disposition.params.get("name") if disposition is not None else None
        filename = disposition.params.get("filename") if disposition is not None else None
        if name == "file" and filename is not None:
            uploaded = UploadedFile(filename, headers.get_content_type(), content)
        elif name is not None:
            form[name] = content.decode()
    return form, uploaded


def _header_params(header_line: str, name: str) -> dict[str, str]:
    headers = BytesParser(policy=HTTP).parsebytes(header_line.encode() + b"\r\n\r\n", headersonly=True)
    return dict(headers[name].params) if headers[name] is not None else {}
