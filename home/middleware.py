from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from wagtail.views import serve

from .selectors import site_for_request


class CachedSiteMiddleware:
    """Finds the request's Wagtail site (with its root page, as routing reads it) from the cache before Wagtail
    looks: otherwise every page Wagtail serves costs two queries to find where its tree starts.

    Only for Wagtail's page view: the admin, health checks and the apps' own views never route through the tree,
    and must not read the site (a health check answers while the database is down)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict) -> None:
        if view_func is serve:
            site_for_request(request)
