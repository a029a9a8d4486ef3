"""A placed package's files, and the run-time data of a learner's session, for those who may read the lesson.

Every answer is a 404 for anyone else, so package and lesson ids reveal nothing."""

import mimetypes
import os
import posixpath

from csp.constants import NONE, SELF, UNSAFE_EVAL, UNSAFE_INLINE
from csp.decorators import csp
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods

from lms_site.files import private_file_response
from lms_site.htmx import personal
from lms_site.inputs import BadInput, read_json

from . import selectors, services
from .models import ScormAttempt, private_media

# Packages are authored elsewhere and always run inline scripts and styles; they run only inside their own
# sandboxed frame, under this policy, never in the site's pages.
PACKAGE_POLICY = {
    "default-src": [SELF],
    "script-src": [SELF, UNSAFE_INLINE, UNSAFE_EVAL],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:"],
    "media-src": [SELF],
    "font-src": [SELF, "data:"],
    "connect-src": [SELF],
    "frame-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [SELF],
    "sandbox": ["allow-scripts", "allow-same-origin", "allow-forms"],
}
# Types by extension, for what packages hold; anything else is sent as bytes the browser will not run.
EXTRA_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".xml": "application/xml",
    ".xsd": "application/xml",
}
TEXT_TYPES = ("text/", "application/javascript", "application/json", "application/xml", "image/svg+xml")


def content_type_of(path: str) -> str:
    suffix = posixpath.splitext(path)[1].lower()
    content_type = EXTRA_TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"
    return f"{content_type}; charset=utf-8" if content_type.startswith(TEXT_TYPES) else content_type


@require_http_methods(["GET", "HEAD"])
@xframe_options_sameorigin
@csp(PACKAGE_POLICY)  # type: ignore[arg-type]  # django-csp's decorator is typed for request-only views
def content(request, package_id: int, lesson_id: int, path: str):
    """A file of a package placed in a lesson the user may read; the relative URLs inside the package resolve
    under the same prefix. A path that leaves the package is a 404, like a file it does not hold."""
    placed = selectors.placed_package(user=request.user, package_id=package_id, lesson_id=lesson_id)
    if placed is None:
        raise Http404
    name = services.stored_name(package=placed.package, path=path)
    if name is None or not _is_file(private_media(), name):
        raise Http404
    try:
        response = private_file_response(
            request,
            storage=private_media(),
            name=name,
            content_type=content_type_of(name),
            attachment=False,
            cache_control="private, no-cache",
            # The package must run on this origin to reach the run-time API in its parent page.
            same_origin=True,
        )
    except OSError:  # no such file, or a folder of the package: nothing to send
        raise Http404 from None
    response["X-Robots-Tag"] = "noindex"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@require_http_methods(["GET", "POST"])
def state(request, package_id: int, lesson_id: int):
    """GET: what the run-time API starts from (resume). POST {"values": {...}, "finish": bool}: LMSCommit /
    Commit / LMSFinish / Terminate; answers the stored state, or 400/403 with the reason."""
    placed = selectors.placed_package(user=request.user, package_id=package_id, lesson_id=lesson_id)
    if placed is None:
        raise Http404
    if request.method == "POST":
        try:
            body = read_json(request.body)
        except BadInput as error:
            return _refuse(str(error), 400)
        if not isinstance(body, dict) or not isinstance(body.get("finish", False), bool):
            return _refuse(_("Send an object with the values and whether the session finished."), 400)
        if not placed.recorded:
            return _refuse(_("Progress in this package is not recorded here."), 403)
        try:
            result = services.commit_values(
                user=request.user,
                lesson=placed.lesson,
                package=placed.package,
                values=body.get("values", {}),
                finish=body.get("finish", False),
            )
        except services.ScormError as error:
            return _refuse(str(error), error.status_code)
        attempt: ScormAttempt | None = result.attempt
        completed = result.lesson_completed
    else:
        attempt = selectors.attempt_for(user=request.user, lesson=placed.lesson, package=placed.package)
        completed = False
    payload = services.runtime_state(
        user=request.user, package=placed.package, attempt=attempt, recorded=placed.recorded
    )
    payload["lesson_completed"] = completed
    return personal(JsonResponse(payload))


def _is_file(storage, name: str) -> bool:
    """Whether the name is a file, not one of the package's folders (which nginx would be asked to send).
    A bucket has no folders: its objects are checked when they are sent."""
    try:
        return os.path.isfile(storage.path(name))
    except NotImplementedError:
        return True


def _refuse(message: str, status: int) -> HttpResponse:
    return personal(JsonResponse({"error": message}, status=status))
