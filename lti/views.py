"""The LTI 1.3 endpoints platforms call: login initiation, launch, the tool's JWKS, and the deep-linking picker.

Login and launch skip CSRF: the platform posts them from its own site. The launch's proof is the id_token the
platform signed, bound to this browser by the state cookie set at login and to one use by its nonce.
"""

import logging
from urllib.parse import urlsplit

import jwt
from django.contrib.auth import login as sign_in
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.lineitem import LineItem
from wagtail.models import Site

from courses.models import CoursePage
from lms_site.htmx import personal

from . import selectors, services, tool

logger = logging.getLogger(__name__)

DEEP_LINK_SESSION_KEY = "lti_deep_link_launch"
# What a hostile or broken id_token can make the library raise besides its own errors (it reads claims from
# whatever JSON the token holds before the signature is checked).
LAUNCH_ERRORS = (LtiException, OIDCException, jwt.PyJWTError, ValueError, TypeError, AttributeError, KeyError)


def refused(request: HttpRequest, message: str, *, status: int = 400) -> HttpResponse:
    response = TemplateResponse(request, "lti/refused.html", {"message": message}, status=status)
    return personal(response)


def _backend() -> str:
    # The session keeps the backend that reloads the user on each request (and signs banned users out).
    return "accounts.backends.EmailOrUsernameBackend"


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def login_initiation(request: HttpRequest) -> HttpResponse:
    conf = tool.LearnwellToolConf(services.tool_key())
    try:
        return tool.oidc_login(request, conf).redirect(request.build_absolute_uri(reverse("lti:launch")))
    except LAUNCH_ERRORS as error:
        logger.info("LTI login refused: %s", error)
        return refused(request, _("This platform is not registered with Learnwell, or its request was incomplete."))


@csrf_exempt
@never_cache
@require_http_methods(["POST"])
def launch(request: HttpRequest) -> HttpResponse:
    conf = tool.LearnwellToolConf(services.tool_key())
    message = tool.message_launch(request, conf)
    try:
        message.validate()
        claims = dict(message.get_launch_data())
        is_deep_link = message.is_deep_link_launch()
        is_resource = message.is_resource_launch()
    except LAUNCH_ERRORS as error:
        logger.info("LTI launch refused: %s", error)
        return refused(request, _("This launch could not be verified. Open Learnwell again from your platform."))
    platform = conf.platform
    if platform is None or not (is_deep_link or is_resource):
        return refused(request, _("Learnwell cannot open this kind of launch."))
    if is_deep_link and not services.may_pick_content(claims):
        return refused(request, _("Only the course's teachers may add Learnwell content."), status=403)
    try:
        user = services.user_for_launch(platform=platform, claims=claims)
        if is_deep_link:
            sign_in(request, user, backend=_backend())
            request.session[DEEP_LINK_SESSION_KEY] = message.get_launch_id()
            return redirect("lti:deep_link")
        page = selectors.target_page(platform=platform, claims=claims, site=Site.find_for_request(request))
        if page is None:
            return refused(request, _("The content this link points to is not available."), status=404)
        services.record_launch(platform=platform, claims=claims, user=user, page=page)
        sign_in(request, user, backend=_backend())
        services.open_for(user=user, page=page)
    except services.LtiError as error:
        return refused(request, error.message, status=error.status_code)
    return redirect(page.get_url(request) or "/")


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    services.tool_key()  # the first request makes it, so the URL answers before any launch
    response = JsonResponse(selectors.jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def deep_link(request: HttpRequest) -> HttpResponse:
    """The teacher picks Learnwell content; the signed answer goes back to the platform in a posted form."""
    launch_id = request.session.get(DEEP_LINK_SESSION_KEY)
    if not request.user.is_authenticated or not isinstance(launch_id, str):
        return refused(request, _("Start from your platform's “add content” page."), status=403)
    conf = tool.LearnwellToolConf(services.tool_key())
    try:
        message = tool.restored_launch(launch_id, request, conf)
        deep_link_settings = message.get_launch_data().get(
            "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
        )
        return_url = str(deep_link_settings["deep_link_return_url"])  # type: ignore[index]
        link = message.get_deep_link()
    except LAUNCH_ERRORS as error:
        logger.info("LTI deep linking refused: %s", error)
        return refused(request, _("This selection has expired. Start again from your platform."), status=403)
    if urlsplit(return_url).scheme not in ("https", "http"):
        return refused(request, _("The platform gave no address to send your choice back to."))
    pages = selectors.launchable_pages()
    choices = [(page, _("Course") if isinstance(page, CoursePage) else _("Assessment")) for page in pages]
    if request.method == "GET":
        return personal(TemplateResponse(request, "lti/deep_link.html", {"choices": choices}))
    chosen = [page for page in pages if str(page.pk) in request.POST.getlist("page")]
    if not chosen:
        return personal(
            TemplateResponse(
                request, "lti/deep_link.html", {"choices": choices, "error": _("Pick at least one.")}, status=400
            )
        )
    launch_url = request.build_absolute_uri(reverse("lti:launch"))
    resources = [
        DeepLinkResource()
        .set_url(launch_url)
        .set_title(page.title)
        .set_custom_params({selectors.PAGE_PARAMETER: str(page.pk)})
        .set_lineitem(LineItem().set_score_maximum(100).set_label(page.title).set_resource_id(str(page.pk)))
        for page in chosen
    ]
    token = link.get_response_jwt(resources)
    del request.session[DEEP_LINK_SESSION_KEY]
    response = TemplateResponse(request, "lti/deep_link_return.html", {"return_url": return_url, "jwt": token})
    # The site's policy lets forms post to this origin only; this one form goes to the platform.
    parts = urlsplit(return_url)
    response._csp_update = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}  # type: ignore[attr-defined]
    return personal(response)
