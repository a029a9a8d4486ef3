"""The site's URLs plus one view that fails, for the tests of error reports and 5xx log lines."""

from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from lms_site.urls import urlpatterns as site_urlpatterns


class ProbeFailure(Exception):
    pass


@csrf_exempt
def fail(request):
    from accounts.models import User

    # A signed-in user, as an error report could find one in three places: on the request, in a local
    # variable of the failing frame and in the posted form. None of them may reach Sentry.
    email = request.POST.get("email", "")
    request.user = User(username=email.partition("@")[0], email=email)
    raise ProbeFailure("a view failed on purpose")


urlpatterns = [path("__fail__/", fail), *site_urlpatterns]
