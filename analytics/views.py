"""Report exports on the site: start one from the dashboard's filters, watch its progress, download it.

Only the person who asked for an export sees its page or gets its file (anyone else, admins included, is
told it does not exist), and the download link is signed for them and expires.
"""

from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_POST

from lms_site.htmx import partial_on_htmx, personal, refuse, sign_in_first

from . import selectors, services
from .forms import FilterForm, filters_query
from .models import ExportJob, ExportStatus

JOB_TEMPLATE = "analytics/exports/job.html"
JOB_PARTIAL = "export-job"


def _dashboard_url(job: ExportJob | None = None) -> str:
    url = reverse("analytics_admin:dashboard")
    if job is None:
        return url
    return f"{url}?{urlencode(filters_query(services.filters_from_json(job.filters)))}"


def _refuse(request, message: str, *, status: int):
    return refuse(request, message, status=status, back_url=_dashboard_url(), target="export-job")


def _form_message(form) -> str:
    errors = [error for field_errors in form.errors.values() for error in field_errors]
    return " ".join(errors) or "Check the filters and try again."


@require_POST
def export_start(request):
    """Starts an export of the report the dashboard's filters select (the form's fields plus `format`)."""
    if not request.user.is_authenticated:
        return sign_in_first(request, _dashboard_url())
    if not selectors.can_see_analytics(request.user):
        return _refuse(request, "Exports of analytics are for trainers and admins.", status=403)
    form = FilterForm(request.POST, viewer=request.user)
    if not form.is_valid():
        return _refuse(request, _form_message(form), status=400)
    try:
        job = services.request_export(user=request.user, filters=form.filters(), format=request.POST.get("format", ""))
    except services.ExportError as error:
        return _refuse(request, str(error), status=error.status_code)
    if request.htmx:
        job.refresh_from_db()  # with tasks run in-process (development) the export is already built
        return personal(TemplateResponse(request, f"{JOB_TEMPLATE}#{JOB_PARTIAL}", _job_context(request, job)))
    return redirect("analytics:export_status", job_id=job.pk)


def _job_context(request, job: ExportJob) -> dict:
    download_url = None
    expired = job.status == ExportStatus.DONE and (job.is_expired() or not job.file.name)
    if job.status == ExportStatus.DONE and not expired:
        token = services.download_token(job=job, user=request.user)
        download_url = reverse("analytics:export_download", args=[token])
    return {
        "job": job,
        "polling": job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING),
        "expired": expired,
        "download_url": download_url,
        "filename": services.download_filename(job),
        "period": services.filters_from_json(job.filters),
        "dashboard_url": _dashboard_url(job),
    }


@require_GET
def export_status(request, job_id: int):
    """The export's page; on htmx, its panel, which polls every second until the export is done or failed."""
    if not request.user.is_authenticated:
        return sign_in_first(request, request.get_full_path())
    try:
        job = services.job_for_requester(job_id=job_id, user=request.user)
    except services.ExportError as error:
        return _refuse(request, str(error), status=error.status_code)
    template = partial_on_htmx(request, JOB_TEMPLATE, JOB_PARTIAL)
    return personal(TemplateResponse(request, template, _job_context(request, job)))


@require_GET
def export_download(request, token: str):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        job = services.job_for_download(token=token, user=request.user)
        stored = job.file.storage.open(job.file.name, "rb")
    except services.ExportError as error:
        return _refuse(request, str(error), status=error.status_code)
    except FileNotFoundError:
        return _refuse(request, "This export's file is gone. Start a new export from the dashboard.", status=410)
    response = FileResponse(
        stored, as_attachment=True, filename=services.download_filename(job), content_type=services.content_type(job)
    )
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex"
    return response
