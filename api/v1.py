"""The REST API v1: one NinjaAPI under /api/v1/, its OpenAPI document and docs, error handlers.

Every operation needs a personal access token (auth.TokenAuth), which also carries the per-token rate
limit; errors are problem+json (problems.py). The operations live in resources.py.
"""

from functools import wraps

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from accounts.services import AccountError
from learning.services import LearningError
from organisations.services import OrganisationError

from .auth import NotAllowed, RateLimited, TokenAuth
from .problems import CONTENT_TYPE, problem
from .services import ApiError


class LearnwellAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        # Error answers are problem+json (RFC 9457); ninja names every response application/json.
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        response["content"] = {CONTENT_TYPE: content["application/json"]}
                    if int(status) == 429:
                        response["headers"] = {
                            "Retry-After": {
                                "description": "Seconds until the token may call again.",
                                "schema": {"type": "integer"},
                                "required": True,
                            }
                        }
        return schema


api = LearnwellAPI(
    title="Learnwell API",
    version="1.0.0",
    description="Catalogue, your learning, teaching and administration. "
    "Authenticate with a personal access token from your profile page.",
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=TokenAuth(),
    # Swagger UI's own scripts come from this origin (ninja's static files); it sets inline styles.
    docs_decorator=csp_update({"style-src": [UNSAFE_INLINE]}),
)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return problem(401, _("Send a personal access token: Authorization: Bearer lw_..."))


@api.exception_handler(ApiError)
def _api_error(request, exc):
    return problem(exc.status_code, str(exc))


@api.exception_handler(NotAllowed)
def _not_allowed(request, exc):
    return problem(403, str(exc))


@api.exception_handler(RateLimited)
def _rate_limited(request, exc):
    detail = _("Too many requests for this token; try again later.")
    return problem(429, detail, headers={"Retry-After": str(exc.retry_after)})


@api.exception_handler(LearningError)
def _learning_error(request, exc):
    return problem(exc.status_code if exc.status_code in (403, 404, 409) else 422, str(exc))


@api.exception_handler(AccountError)
def _account_error(request, exc):
    return problem(422, str(exc))


@api.exception_handler(OrganisationError)
def _organisation_error(request, exc):
    # 409: seats in use cannot be taken back; the rest are refused input (the API's errors have no 400).
    return problem(exc.status_code if exc.status_code in (403, 404, 409) else 422, str(exc))


@api.exception_handler(ValidationError)
def _validation(request, exc):
    details = "; ".join(
        f"{'.'.join(str(part) for part in error.get('loc', []))}: {error.get('msg', '')}" for error in exc.errors
    )
    return problem(422, details or _("The request is not valid."))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problem(404, str(exc) or _("Not found."))


@api.exception_handler(HttpError)
def _http_error(request, exc):
    return problem(exc.status_code, str(exc))


def _problem_for_405(view):
    """ninja answers a wrong method with a plain 405 (and its root with Django's 404 page); the API's errors are
    problem+json, Allow kept."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404:  # ninja's own root path raises it outside the operations' handlers
            return problem(404, _("No such operation. The operations are listed at /api/v1/docs."))
        if response.status_code == 405:
            allowed = response.get("Allow", "")
            return problem(405, _("Allowed methods: %(methods)s.") % {"methods": allowed}, headers={"Allow": allowed})
        return response

    return wrapped


def urls():
    """The API's URL patterns for lms_site/urls.py; any other path under /api/v1/ is a problem+json 404."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback = _problem_for_405(pattern.callback)
    patterns = [*patterns, path("<path:rest>", _unknown_path, name="unknown")]
    return patterns, app_name, namespace


def _unknown_path(request, *args, **kwargs):
    return problem(404, _("No such operation. The operations are listed at /api/v1/docs."))


from . import admin_resources, resources  # noqa: E402,F401  (register the operations on api)
