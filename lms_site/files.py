"""The one way a private file leaves the site, once a view has decided who may have it.

Certificates, receipts, exports, videos and Wagtail documents all answer through `private_file_response`, which
picks how the bytes travel from where the file is stored:

- in a bucket (django-storages' S3Storage): a redirect to a signed URL that works for a few minutes (videos: as
  long as a lesson plays) and names the file's type, disposition and caching in its response overrides;
- on the local disk under SENDFILE_ROOT, when nginx sends private files (SENDFILE_BACKEND): an empty answer
  whose X-Accel-Redirect points nginx at the file in its internal /_private/ location; nginx handles Range;
- otherwise Django streams the file itself, with Range requests for videos: the embedded default (runserver).

Authorising stays in each view; nothing here checks who asks.
"""

import logging
import os
import re
import sys
from collections.abc import Iterator
from typing import Any, Literal

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

from .inputs import read_int

logger = logging.getLogger(__name__)

Delivery = Literal["signed_url", "sendfile", "stream"]

STREAM_CHUNK_BYTES = 64 * 1024
# ASCII digits only: \d would also take other scripts' digits, which no client means in a byte position.
_SINGLE_RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$")

# Stores already reported as outside SENDFILE_ROOT, so the log says it once per process, not per download.
_warned_outside_root: set[str] = set()


class RangeNotSatisfiable(Exception):
    pass


def private_file_response(
    request: HttpRequest,
    *,
    storage: Storage,
    name: str,
    content_type: str,
    filename: str = "",
    attachment: bool = True,
    cache_control: str = "private, no-store",
    expires_in: int | None = None,
    ranges: bool = False,
    same_origin: bool = False,
) -> HttpResponseBase:
    """The response that hands `name` from `storage` to the person `request` comes from.

    `filename` is the name a browser saves it under ("" for none); `attachment` False shows it in place.
    `cache_control` applies to the file's bytes wherever they come from. `expires_in` is a signed URL's lifetime
    in seconds (PRIVATE_FILES_SIGNED_URL_SECONDS unless given). `ranges` answers Range requests when Django
    streams (nginx and the bucket always do). `same_origin` keeps the bytes on this origin, for what a browser
    fetches without following a redirect elsewhere (a <track>'s captions), so bucket files are streamed.

    Raises FileNotFoundError when the storage has no such file, for the view to answer as it sees fit.
    """
    disposition = _disposition(attachment, filename)
    how = delivery(storage, name, same_origin=same_origin)
    if how == "signed_url":
        if not storage.exists(name):
            raise FileNotFoundError(name)
        url = signed_url(
            storage,
            name,
            expires_in=expires_in or settings.PRIVATE_FILES_SIGNED_URL_SECONDS,
            overrides={
                "ResponseContentType": content_type,
                "ResponseContentDisposition": disposition,
                "ResponseCacheControl": cache_control,
            },
        )
        response: HttpResponseBase = HttpResponseRedirect(url)
        # The redirect must not outlive its signature in any cache; the file's own caching travels in the URL.
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response
    if how == "sendfile":
        response = _sendfile(request, storage.path(name), content_type=content_type)
    elif ranges:
        response = _stream_ranges(request, storage, name)
    else:
        response = FileResponse(storage.open(name, "rb"))
    response["Content-Type"] = content_type
    response["Content-Disposition"] = disposition
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    if ranges:
        response["Accept-Ranges"] = "bytes"
    return response


def delivery(storage: Storage, name: str, *, same_origin: bool = False) -> Delivery:
    """How `private_file_response` sends this file under the current settings."""
    if _is_bucket(storage):
        return "stream" if same_origin else "signed_url"
    if settings.SENDFILE_BACKEND and isinstance(storage, FileSystemStorage):
        path = os.path.realpath(storage.path(name))
        root = os.path.realpath(settings.SENDFILE_ROOT)
        if os.path.commonpath([path, root]) == root:
            return "sendfile"
        location = os.path.realpath(storage.location)
        if location not in _warned_outside_root:
            _warned_outside_root.add(location)
            logger.warning(
                "Private files under %s are outside SENDFILE_ROOT (%s): Django streams them instead of nginx. "
                "Move them under it, or set PRIVATE_ROOT to a directory that holds every private store.",
                location,
                root,
            )
    return "stream"


def signed_url(storage: Any, name: str, *, expires_in: int, overrides: dict[str, str] | None = None) -> str:
    """A GET URL of the bucket object behind `name`, signed with the storage's credentials.

    Signed here rather than by storage.url(), which gives an unsigned or CDN address when the storage is set
    up for public files: a private file is always signed and always fetched from the bucket itself.
    """
    from storages.utils import clean_name

    params = {"Bucket": storage.bucket_name, "Key": storage._normalize_name(clean_name(name)), **(overrides or {})}
    url: str = storage.connection.meta.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)
    return url


def _is_bucket(storage: Storage) -> bool:
    # boto3 is loaded only where a bucket storage exists: if django-storages' S3 module was never imported,
    # no storage of this process can be one of its storages.
    s3 = sys.modules.get("storages.backends.s3")
    return s3 is not None and isinstance(storage, s3.S3Storage)


def _disposition(attachment: bool, filename: str) -> str:
    return content_disposition_header(attachment, filename) or ("attachment" if attachment else "inline")


def _sendfile(request: HttpRequest, path: str, *, content_type: str) -> HttpResponseBase:
    from django_sendfile import sendfile

    if not os.path.exists(path):
        raise FileNotFoundError(path)
    response: HttpResponseBase = sendfile(request, path, mimetype=content_type)
    # The body is empty; nginx sets the file's length. A stale length would hang a client if nginx were bypassed.
    del response["Content-Length"]
    return response


def _stream_ranges(request: HttpRequest, storage: Storage, name: str) -> HttpResponseBase:
    """Django streaming a file with single-range requests answered (206), as browsers seek in videos."""
    if not storage.exists(name):
        raise FileNotFoundError(name)
    size = storage.size(name)
    response: HttpResponseBase
    try:
        byte_range = byte_range_of(request.headers.get("Range", ""), size)
    except RangeNotSatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    first, last = byte_range if byte_range else (0, size - 1)
    length = max(0, last - first + 1)
    if request.method == "HEAD":
        response = HttpResponse(status=206 if byte_range else 200)
    elif byte_range:
        response = StreamingHttpResponse(_read_slice(storage, name, first, length), status=206)
    else:
        response = FileResponse(storage.open(name, "rb"))
    if byte_range:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Content-Length"] = str(length)
    return response


def byte_range_of(header: str, size: int) -> tuple[int, int] | None:
    """The inclusive (first, last) byte positions of a single-range request; None to send the whole file.

    Malformed and multi-range headers are ignored, as RFC 9110 allows, and so is a position too long to be a
    byte position (lms_site.inputs reads at most 30 digits); a range past the end is unsatisfiable.
    """
    match = _SINGLE_RANGE.match(header.strip()) if header else None
    if not match or match.groups() == ("", ""):
        return None
    first_text, last_text = match.groups()
    first = read_int(first_text, min_value=0, max_value=None) if first_text else None
    last = read_int(last_text, min_value=0, max_value=None) if last_text else None
    if (first_text and first is None) or (last_text and last is None):
        return None
    if first is None:
        assert last is not None  # a range with neither position was refused above
        if last == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(0, size - last), size - 1
    if last is not None and last < first:
        return None
    if first >= size:
        raise RangeNotSatisfiable
    return first, min(last, size - 1) if last is not None else size - 1


def _read_slice(storage: Storage, name: str, first: int, length: int) -> Iterator[bytes]:
    with storage.open(name, "rb") as file:
        file.seek(first)
        while length > 0:
            chunk = file.read(min(STREAM_CHUNK_BYTES, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk


@receiver(setting_changed)
def _forget_sendfile_backend(*, setting: str, **kwargs: Any) -> None:
    # django-sendfile2 caches the backend it loaded; tests switch it.
    if setting in {"SENDFILE_BACKEND", "SENDFILE_ROOT"}:
        from django_sendfile.utils import _get_sendfile

        _get_sendfile.cache_clear()
        _warned_outside_root.clear()
