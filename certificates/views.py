import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from lms_site.files import private_file_response
from lms_site.htmx import personal, refuse
from lms_site.inputs import BadInput, read_json

from . import openbadges, selectors, services
from .forms import PdfCheckForm, SerialForm
from .models import normalise_serial


def _public(response):
    # Verification pages name a person: fine to show to whoever has the serial, not for search engines.
    response["X-Robots-Tag"] = "noindex"
    patch_cache_control(response, no_cache=True)
    return response


@require_http_methods(["GET", "POST"])
def verify_lookup(request):
    """Find a certificate by its serial, or by uploading the PDF itself."""
    serial_form = SerialForm(request.GET or None)
    if serial_form.is_valid():
        return redirect("certificates:verify", serial=normalise_serial(serial_form.cleaned_data["serial"]))
    pdf_form, match, checked = PdfCheckForm(), None, False
    if request.method == "POST":
        pdf_form = PdfCheckForm(request.POST, request.FILES)
        if pdf_form.is_valid():
            checked = True
            match = selectors.certificate_with_pdf_hash(sha256=pdf_form.cleaned_data["pdf"])
    context = {"serial_form": serial_form, "pdf_form": pdf_form, "checked": checked, "match": match}
    status = 400 if request.method == "POST" and not pdf_form.is_valid() else 200
    return _public(TemplateResponse(request, "certificates/verify_lookup.html", context, status=status))


@require_http_methods(["GET", "POST"])
def verify(request, serial: str):
    result = selectors.verification(serial=serial)
    pdf_form, pdf_matches = PdfCheckForm(), None
    if request.method == "POST" and result.certificate is not None:
        pdf_form = PdfCheckForm(request.POST, request.FILES)
        if pdf_form.is_valid():
            pdf_matches = pdf_form.cleaned_data["pdf"] == result.certificate.pdf_sha256
    status = 404 if result.status == "unknown" else 200
    if request.method == "POST" and pdf_form.errors:
        status = 400
    context = {"result": result, "pdf_form": pdf_form, "pdf_matches": pdf_matches}
    return _public(TemplateResponse(request, "certificates/verify.html", context, status=status))


@require_GET
def verify_json(request, serial: str):
    result = selectors.verification(serial=serial)
    response = JsonResponse(result.as_json(), status=404 if result.status == "unknown" else 200)
    response["Access-Control-Allow-Origin"] = "*"  # any employer's tool may ask; nothing private is in it
    return _public(response)


@require_GET
def download(request, token: str):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        certificate = services.certificate_for_download(token=token, user=request.user)
        name = services.certificate_file(certificate=certificate)
        return private_file_response(
            request,
            storage=certificate.pdf_file.storage,
            name=name,
            content_type="application/pdf",
            filename=f"certificate-{certificate.serial}.pdf",
        )
    except services.CertificateError as error:
        return refuse(request, str(error), status=error.status_code, back_url="/learning/")
    except FileNotFoundError:  # deleted between the check and the answer: the next download rebuilds it
        message = gettext("This certificate's file is being restored. Try again in a moment.")
        return refuse(request, message, status=409, back_url="/learning/")


@require_GET
def panel(request, enrollment_id: int):
    """The certificate panel of one of the learner's enrollments; polled by htmx while the PDF is built."""
    enrollment = selectors.owned_enrollment(user=request.user, enrollment_id=enrollment_id)
    panel = selectors.certificate_panel(enrollment=enrollment) if enrollment else None
    if panel is None:
        raise Http404("No certificate here.")
    context = {"panel": panel}
    return personal(TemplateResponse(request, "certificates/partials/certificate_panel.html", context))


@require_POST
@login_required
def renew(request, certificate_id: int):
    """The learner renews their expiring certificate: the course opens again for a new round."""
    certificate = selectors.owned_certificate(user=request.user, certificate_id=certificate_id)
    if certificate is None:
        raise Http404("No certificate here.")
    try:
        services.start_renewal(certificate=certificate, user=request.user)
    except services.CertificateError as error:
        return refuse(request, str(error), status=error.status_code, back_url="/learning/")
    course = certificate.course
    messages.success(
        request,
        gettext("You are renewing your certificate for “%(course)s”. Complete the course again to receive a new one.")
        % {"course": course.title},
    )
    enrollment = certificate.enrollment
    enrollment.refresh_from_db(fields=["last_lesson"])
    destination = enrollment.last_lesson.url if enrollment.last_lesson else course.url
    return HttpResponseClientRedirect(destination) if request.htmx else redirect(destination)


# --- Open Badges 3.0 -------------------------------------------------------------------------------


@require_GET
def issuer(request):
    """The issuer's Open Badges Profile with its public key: what a wallet or verifier fetches to check a proof."""
    response = JsonResponse(openbadges.issuer_profile(), json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=60 * 60)
    return response


@require_GET
def badge(request, token: str):
    """The certificate as a signed Open Badges 3.0 credential, behind the same signed link as its PDF."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        certificate, credential = openbadges.credential_for_download(token=token, user=request.user)
    except services.CertificateError as error:
        return refuse(request, str(error), status=error.status_code, back_url="/learning/")
    body = json.dumps(credential, indent=2, ensure_ascii=False).encode()
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.serial}.json"'
    patch_cache_control(response, private=True, no_store=True)
    return response


# A signed credential is a few kilobytes; a verifier posting megabytes or deep nesting is refused.
BADGE_MAX_BYTES = 64 * 1024


@csrf_exempt  # changes nothing and reads no cookie: any verifier's tool may post here
@require_http_methods(["POST", "OPTIONS"])
def badge_verify(request):
    """Checks a posted Open Badges credential: is the proof ours and intact, and does the certificate stand."""
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
    else:
        try:
            data = read_json(request.body, max_bytes=BADGE_MAX_BYTES)
        except BadInput:
            response = JsonResponse({"verified": False, "error": "The body must be a JSON credential."}, status=400)
        else:
            response = JsonResponse(openbadges.credential_status(data))
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    patch_cache_control(response, no_store=True)
    return response
