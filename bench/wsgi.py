"""The site, and next to it a bare Django view, in one WSGI application: what bench/wrk_pages.py serves with gunicorn.

    DJANGO_SETTINGS_MODULE=bench.settings gunicorn bench.wsgi:application

BARE_PATH goes to a Django handler with no middleware at all: Django builds the request, sends its
request_started and request_finished signals, resolves the URL and calls a view that returns "hello", and
nothing else runs. Every other path goes to the site's own application (lms_site.wsgi), whose URLs
bench/urls.py extends with /bench/minimal/, a trivial view behind the project's whole middleware stack.
Both are served by the same worker processes, so a page, the trivial view and the bare view are measured
on the same gunicorn in the same run. Choosing between them costs one string comparison per request.
"""

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpResponse
from django.urls import path

from lms_site.wsgi import application as site_application  # sets Django up with DJANGO_SETTINGS_MODULE

BARE_PATH = "/__bench/hello"


def hello(request):
    return HttpResponse(b"hello", content_type="text/plain")


# The bare handler's URLconf (this module): its one URL and nothing of the site's.
urlpatterns = [path(BARE_PATH.lstrip("/"), hello)]


class BareHandler(WSGIHandler):
    """Django's WSGI handler without MIDDLEWARE, resolving URLs against this module only."""

    def load_middleware(self, is_async=False):
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_bare_response)

    def _get_bare_response(self, request):
        request.urlconf = __name__
        return self._get_response(request)


bare_application = BareHandler()


def application(environ, start_response):
    if environ.get("PATH_INFO") == BARE_PATH:
        return bare_application(environ, start_response)
    return site_application(environ, start_response)
