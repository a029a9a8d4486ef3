"""Learner-facing media endpoints: the signed local stream and the watched-progress beacon."""

import zlib
from pathlib import PurePosixPath

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from courses.models import LessonPage
from learning import selectors as learning_selectors
from learning import services as learning_services
from lms_site.files import private_file_response
from lms_site.inputs import read_decimal, read_id

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
# Browsers may reuse the bytes they fetched while seeking; shared caches must never keep them.
STREAM_CACHE_SECONDS = 60 * 60

BEACON_INTERVAL_SECONDS = 10


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


@require_http_methods(["GET", "HEAD"])
def stream(request, token: str):
    """Hands a private video or captions file to whoever holds a valid signed link (see LocalBackend.url).

    The lesson player hands such links only to viewers allowed to read the lesson, and they expire. Browsers
    seek with Range requests: Django answers them when it streams, nginx or the bucket otherwise
    (lms_site/files.py). A bucket's signed URL lasts MEDIA_SIGNED_URL_SECONDS, so a long lesson plays to its end.
    """
    path = _signed_path(token)
    if path is None:
        return HttpResponseForbidden(
            _("This video link is invalid or has expired. Reload the lesson to get a new one.")
        )
    suffix = PurePosixPath(path).suffix.lower()
    try:
        response = private_file_response(
            request,
            storage=private_media(),
            name=path,
            content_type=STREAM_CONTENT_TYPES.get(suffix, "application/octet-stream"),
            attachment=False,
            cache_control=f"private, max-age={STREAM_CACHE_SECONDS}",
            expires_in=settings.MEDIA_SIGNED_URL_SECONDS,
            ranges=True,
            # A <track> may not follow a redirect to another origin without CORS: captions stay on this one.
            same_origin=suffix == ".vtt",
        )
    except FileNotFoundError:
        return HttpResponse(_("This file is no longer available."), status=404, content_type="text/plain")
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


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
        return _refuse(_("Sign in to record your progress."), 403)
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
        return _refuse(_("Enrol in this course to record your progress."), 403)
    access = learning_selectors.lesson_access(user=request.user, lesson=lesson, course=course, enrollment=enrollment)
    if not access.can_read:
        return _refuse(_("This lesson is not open to you yet."), 403)
    threshold = _completion_threshold(lesson, asset_id)
    if threshold is None:
        return _refuse(_("Watching this video does not complete the lesson."), 400)

    # One accepted beacon per learner and lesson every few seconds: cache.add is atomic, so bursts are refused.
    if not cache.add(f"media_pipeline:beacon:{request.user.pk}:{lesson.pk}", True, BEACON_INTERVAL_SECONDS):
        response = _refuse(_("Too many progress updates; try again in a few seconds."), 429)
        response["Retry-After"] = str(BEACON_INTERVAL_SECONDS)
        return response
    if percent < threshold:
        return JsonResponse({"completed": False})
    try:
        learning_services.complete_lesson(enrollment=enrollment, lesson=lesson)
    except learning_services.LearningError as error:
        return _refuse(str(error), error.status_code)
    return JsonResponse({"completed": True})
