"""The site's URLs behind one extra, minimal view that load tests use as their yardstick.

The minimal view goes through the same gunicorn worker and the same middleware as every page (for a
signed-in user that includes loading the session and the user), but touches no database itself and
renders no template: a page's time divided by its time is what the page costs on top of Django.
"""

from django.http import HttpResponse
from django.urls import path

from lms_site.urls import urlpatterns as site_urlpatterns


def minimal(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/minimal/", minimal, name="bench_minimal"), *site_urlpatterns]
