"""Report exports on the site: the signed download of a finished export.

Exports are asked for and watched in the admin (admin_views); the file leaves through this view, only to the
person who asked for it, through a link signed for them that expires.
"""

from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lms_site.files import private_file_response
from lms_site.htmx import refuse

from . import services


def _refuse(request, message: str, *, status: int):
    return refuse(request, message, status=status, back_url=reverse("analytics_admin:dashboard"))


@require_GET
def export_download(request, token: str):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        job = services.job_for_download(token=token, user=request.user)
        response = private_file_response(
            request,
            storage=job.file.storage,
            name=job.file.name,
            content_type=services.content_type(job),
            filename=services.download_filename(job),
        )
    except services.ExportError as error:
        return _refuse(request, str(error), status=error.status_code)
    except FileNotFoundError:
        return _refuse(request, _("This export's file is gone. Start a new export from the dashboard."), status=410)
    response["X-Robots-Tag"] = "noindex"
    return response
