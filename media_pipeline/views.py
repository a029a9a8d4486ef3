"""Learner-facing media endpoints: the signed local stream and the watched-progress beacon."""

import re
import zlib
from pathlib import PurePosixPath

from django.core import signing
from django.core.cache import cache
from django.http import FileResponse, HttpResponse, HttpResponseForbidden, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods, require_POST

from courses.models import LessonPage
from learning import selectors as learning_selectors
from learning import services as learning_services
from lms_site.inputs import read_decimal, read_id, read_int

from .backends import STREAM_SALT
from .models import private_media

# By extension, not by sniffing: the private storage only holds what the upload checks let in.
STREAM_CONTENT_TYPES = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".mov": "video/quicktime",
    ".vtt": "text/vtt; charset=utf-8",
}
STREAM_CHUNK_BYTES = 64 * 1024
# Browsers may reuse the bytes they fetched while seeking; shared caches must never keep them.
STREAM_CACHE_SECONDS = 60 * 60
# ASCII digits only: \d would also take other scripts' digits, which no client means in a byte position.
_SINGLE_RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$")

BEACON_INTERVAL_SECONDS = 10


class RangeNotSatisfiable(Exception):
    pass


def _signed_path(token: str) -> str | None:
    """The storage path a valid, unexpired stream token names; None for anything else."""
    try:
        # The first load checks only the signature, so the ttl we then enforce is one we signed ourselves.
        payload = signing.loads(token, salt=STREAM_SALT)
        ttl, path = payload["ttl"], payload["path"]
        if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0 or not isinstance(path, str):
            return None
        signing.loads(token, salt=STREAM_SALT, max_age=ttl)
    except (signing.BadSignature, ValueError, TypeError, KeyError, zlib.error):
        return None
    return path if _is_safe_relative(path) else None


def _is_safe_relative(path: str) -> bool:
    # Signed by us, so never hostile today; refusing escapes anyway keeps a leaked key from reading the disk.
    if not path or "\x00" in path or "\\" in path:
        return False
    pure = PurePosixPath(path)
    return not pure.is_absolute() and ".." not in pure.parts


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
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


def _read_slice(storage, path: str, first: int, length: int):
    with storage.open(path, "rb") as file:
        file.seek(first)
        while length > 0:
            chunk = file.read(min(STREAM_CHUNK_BYTES, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk


def _stream_headers(response: HttpResponseBase, *, content_type: str) -> HttpResponseBase:
    response["Content-Type"] = content_type
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = f"private, max-age={STREAM_CACHE_SECONDS}"
    response["Content-Disposition"] = "inline"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_http_methods(["GET", "HEAD"])
def stream(request, token: str):
    """Serves a private video or captions file to whoever holds a valid signed link (see LocalBackend.url).

    The lesson player hands such links only to viewers allowed to read the lesson, and they expire.
    Browsers seek with Range requests, so a single range is answered with 206.
    """
    path = _signed_path(token)
    if path is None:
        return HttpResponseForbidden("This video link is invalid or has expired. Reload the lesson to get a new one.")
    storage = private_media()
    if not storage.exists(path):
        return HttpResponse("This file is no longer available.", status=404, content_type="text/plain")
    content_type = STREAM_CONTENT_TYPES.get(PurePosixPath(path).suffix.lower(), "application/octet-stream")
    size = storage.size(path)

    response: HttpResponseBase
    try:
        byte_range = _byte_range(request.headers.get("Range", ""), size)
    except RangeNotSatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return _stream_headers(response, content_type=content_type)

    first, last = byte_range if byte_range else (0, size - 1)
    length = max(0, last - first + 1)
    if request.method == "HEAD":
        response = HttpResponse(status=206 if byte_range else 200)
    elif byte_range:
        response = StreamingHttpResponse(_read_slice(storage, path, first, length), status=206)
    else:
        response = FileResponse(storage.open(path, "rb"))
    if byte_range:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Content-Length"] = str(length)
    return _stream_headers(response, content_type=content_type)


def _percent(raw) -> float | None:
    value = read_decimal(raw, min_value=0, max_value=100)
    return None if value is None else float(value)


def _completion_threshold(lesson: LessonPage, asset_id: int) -> int | None:
    """The lowest "complete at" percentage among the lesson's blocks that place this video, if any."""
    thresholds = [
        item["value"]["complete_at_percent"]
        for item in lesson.body.raw_data
        if item.get("type") == "video_asset"
        and isinstance(item.get("value"), dict)
        and read_id(item["value"].get("asset")) == asset_id
        and item["value"].get("complete_at_percent")
    ]
    return min(thresholds) if thresholds else None


def _refuse(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_POST
def watch_progress(request, lesson_id: int):
    """The player's beacon: how much of a video the learner has watched. Completes the lesson once the
    video's block threshold is reached; records nothing else."""
    if not request.user.is_authenticated:
        return _refuse("Sign in to record your progress.", 403)
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    percent = _percent(request.POST.get("percent"))
    if percent is None:
        return _refuse("percent must be a number from 0 to 100.", 400)
    asset_id = read_id(request.POST.get("asset"))
    if asset_id is None:
        return _refuse("asset must be the id of a video.", 400)

    course = lesson.course
    enrollment = learning_selectors.enrollment_for(user=request.user, course=course) if course else None
    if enrollment is None or not enrollment.gives_access:
        return _refuse("Enrol in this course to record your progress.", 403)
    access = learning_selectors.lesson_access(user=request.user, lesson=lesson, course=course, enrollment=enrollment)
    if not access.can_read:
        return _refuse("This lesson is not open to you yet.", 403)
    threshold = _completion_threshold(lesson, asset_id)
    if threshold is None:
        return _refuse("Watching this video does not complete the lesson.", 400)

    # One accepted beacon per learner and lesson every few seconds: cache.add is atomic, so bursts are refused.
    if not cache.add(f"media_pipeline:beacon:{request.user.pk}:{lesson.pk}", True, BEACON_INTERVAL_SECONDS):
        response = _refuse("Too many progress updates; try again in a few seconds.", 429)
        response["Retry-After"] = str(BEACON_INTERVAL_SECONDS)
        return response
    if percent < threshold:
        return JsonResponse({"completed": False})
    try:
        learning_services.complete_lesson(enrollment=enrollment, lesson=lesson)
    except learning_services.LearningError as error:
        return _refuse(str(error), error.status_code)
    return JsonResponse({"completed": True})
