from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .selectors import site_for_request


class CachedSiteMiddleware:
    """Finds the request's Wagtail site (with its root page, as routing reads it) from the cache before Wagtail
    looks: otherwise every page served by Wagtail costs two queries to find where its tree starts."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        site_for_request(request)
        return self.get_response(request)
