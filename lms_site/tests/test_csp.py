"""The Content-Security-Policy: every page sends an enforced one, the site's allows scripts and styles from this
origin only, the admin's is looser only where Wagtail needs it, and no template carries what the site's refuses."""

import json
import re
import secrets
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from assessments.tests.factories import make_assessment
from learning import services as learning_services
from lms_site.csp import PathPolicyCSPMiddleware

from .clients import as_
from .settings_probe import read_in_subprocess

ROOT = Path(__file__).resolve().parents[2]
HEADER = "Content-Security-Policy"


def directives(response) -> dict[str, list[str]]:
    assert HEADER in response, f"no {HEADER} in {response}"
    assert "Content-Security-Policy-Report-Only" not in response, "the policy must be enforced, not report-only"
    parsed = {}
    for part in response[HEADER].split(";"):
        name, *sources = part.split()
        assert name not in parsed, f"{name} twice in {response[HEADER]}"
        parsed[name] = sources
    return parsed


def assert_strict_site_policy(policy: dict[str, list[str]]) -> None:
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    for name, sources in policy.items():
        for loose in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "https:", "http:"):
            assert loose not in sources, f"{name} allows {loose}"


@pytest.fixture
def enrolled(learner, course):
    learning_services.enroll(user=learner, course=course)
    return learner


@pytest.mark.django_db
def test_the_main_pages_send_the_strict_site_policy(client, enrolled, home_page, catalogue, course, lessons):
    quiz = make_assessment(course)
    quiz.save_revision().publish()
    anonymous = ["/", catalogue.url, course.url, lessons[0].url, "/accounts/sign-in/", "/accounts/sign-up/"]
    signed_in = [
        lessons[1].url,
        "/learning/",
        quiz.url,
        "/gamification/leaderboard/",
        "/accounts/profile/",
    ]
    for user, paths in ((None, anonymous), (enrolled, signed_in)):
        as_(client, user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            assert_strict_site_policy(directives(response))


@pytest.mark.django_db
def test_error_pages_and_htmx_partials_carry_the_policy_too(client, enrolled, catalogue, course):
    as_(client, enrolled)
    assert_strict_site_policy(directives(client.get("/no-such-page/")))
    partial = client.get(catalogue.url, {"q": "testing"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and b"<html" not in partial.content
    assert_strict_site_policy(directives(partial))


@pytest.mark.django_db
def test_the_admin_gets_its_own_policy_loosened_only_for_wagtail(client, admin_user):
    as_(client, admin_user)
    response = client.get("/admin/")
    assert response.status_code == 200
    policy = directives(response)
    # What Wagtail needs: its inline scripts and styles, blob: previews, its update check.
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert "blob:" in policy["img-src"]
    # The rest stays as strict as the site's.
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]


def _middleware_response(path: str, *, xframe: str | None = None, dummy: bool = False):
    request = RequestFactory().get(path)
    if dummy:
        request.is_dummy = True  # type: ignore[attr-defined]  # what Wagtail sets on the request it sends through the middleware for a preview
    response = HttpResponse("<p>x</p>")
    if xframe:
        response["X-Frame-Options"] = xframe
    middleware = PathPolicyCSPMiddleware(lambda request: response)
    return middleware(request)


def test_framing_follows_x_frame_options():
    """Browsers ignore X-Frame-Options when frame-ancestors is present, so the two must agree: Wagtail's
    preview (SAMEORIGIN) may be framed by the editor, nothing else may be framed at all."""
    assert directives(_middleware_response("/admin/pages/3/edit/preview/", xframe="SAMEORIGIN"))["frame-ancestors"] == [
        "'self'"
    ]
    assert directives(_middleware_response("/admin/pages/3/edit/", xframe="DENY"))["frame-ancestors"] == ["'none'"]
    assert directives(_middleware_response("/courses/", xframe="DENY"))["frame-ancestors"] == ["'none'"]
    assert directives(_middleware_response("/courses/"))["frame-ancestors"] == ["'none'"]


def test_wagtails_dummy_preview_request_leaves_the_header_to_the_real_one():
    """A preview renders the page through the middleware with a dummy request; the site policy it would set
    there (frame-ancestors 'none') would stick, as the outer request never overwrites a header."""
    assert HEADER not in _middleware_response("/", dummy=True)


def test_imagekit_and_extra_hosts_reach_only_their_directives():
    script = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({"site": settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
                  "middleware": settings.MIDDLEWARE,
                  "report_only": getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)}))
"""
    env = {
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "lms.example",
        "IMAGEKIT_URL_ENDPOINT": "https://ik.imagekit.io/learnwell/",
        "CSP_MEDIA_HOSTS": "https://videos.example",
        "STRIPE_SECRET_KEY": "sk_test_x",
    }
    settings = read_in_subprocess(script, "lms_site.settings.production", env, drop=lambda name: False)
    site = settings["site"]
    assert "lms_site.csp.PathPolicyCSPMiddleware" in settings["middleware"], "production must enforce the policy"
    assert settings["report_only"] is None
    assert site["script-src"] == ["'self'"] and site["style-src"] == ["'self'"]
    assert site["img-src"] == ["'self'", "data:", "https://ik.imagekit.io"]
    assert site["media-src"] == ["'self'", "https://ik.imagekit.io", "https://videos.example"]
    assert site["form-action"] == ["'self'", "https://checkout.stripe.com"]  # Buy redirects to Stripe Checkout


# --- The templates -------------------------------------------------------------------------------------------

TEMPLATE_ROOTS = [
    ROOT / "templates",
    *(path for path in ROOT.glob("*/templates") if path.parent.name != "node_modules"),
]
# E-mails are read in mail clients, where the site's policy does not apply (and inline styles are the norm).
NOT_UNDER_THE_POLICY = re.compile(r"(^|/)emails/")
# Template path -> why it may break the rule. Keep it empty unless there is no other way.
ALLOWED: dict[str, str] = {}

TAG = re.compile(r"<[a-zA-Z][^<>]*>")
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
DATA_SCRIPT = re.compile(r"""type\s*=\s*["']?application/(ld\+)?json""", re.I)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)
STYLE_ATTRIBUTE = re.compile(r"""\sstyle\s*=""", re.I)
HANDLER_ATTRIBUTE = re.compile(r"""\s(on[a-z]+|hx-on[:\w-]*|data-hx-on[:\w-]*)\s*=""", re.I)
JAVASCRIPT_URL = re.compile(r"""=\s*["']?\s*javascript:""", re.I)
EVAL_ATTRIBUTE = re.compile(r"""\s(data-)?hx-(vars|vals)\s*=\s*(["'])\s*(js|javascript):""", re.I)
TRIGGER = re.compile(r"""\s(?:data-)?hx-trigger\s*=\s*(["'])(.*?)\1""", re.S)


def site_templates() -> list[Path]:
    found = []
    for root in TEMPLATE_ROOTS:
        for path in root.rglob("*.html"):
            relative = path.relative_to(root).as_posix()
            if not NOT_UNDER_THE_POLICY.search(relative):
                found.append(path)
    return sorted(found)


COMMENTS = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}|<!--.*?-->", re.S)


def csp_problems(source: str) -> list[str]:
    """What in a template the strict policy would refuse (or that needs eval, which it refuses too)."""
    source = COMMENTS.sub("", source)
    problems = []
    for attributes, body in SCRIPT.findall(source):
        if body.strip() and not DATA_SCRIPT.search(attributes):
            problems.append(f"inline <script>: {body.strip()[:60]!r}")
    if STYLE_ELEMENT.search(source):
        problems.append("a <style> element")
    for tag in TAG.findall(source):
        if STYLE_ATTRIBUTE.search(tag):
            problems.append(f"style= in {tag[:80]!r}")
        if match := HANDLER_ATTRIBUTE.search(tag):
            problems.append(f"{match.group(1)}= handler in {tag[:80]!r}")
        if JAVASCRIPT_URL.search(tag):
            problems.append(f"javascript: URL in {tag[:80]!r}")
        if EVAL_ATTRIBUTE.search(tag):
            problems.append(f"htmx js: values (eval) in {tag[:80]!r}")
    for _, trigger in TRIGGER.findall(source):
        # An event filter (click[ctrlKey]) is compiled with Function(); a CSS selector after from: is not.
        for spec in trigger.split(","):
            if re.match(r"\s*[\w:.-]+\[", spec) and not re.match(r"\s*every\s", spec):
                problems.append(f"hx-trigger event filter (eval): {spec.strip()!r}")
    return problems


def test_the_scan_finds_what_the_policy_refuses():
    refused = [
        "<script>alert(1)</script>",
        '<div style="width: 10%">',
        '<button onclick="go()">',
        '<input onfocus="this.select()" id="x">',
        '<button hx-on:click="go()">',
        '<div hx-on::after-request="x()">',
        '<a href="javascript:go()">',
        "<style>.x{}</style>",
        """<form hx-vals='js:{a: 1}'>""",
        '<div hx-trigger="click[ctrlKey]">',
    ]
    for source in refused:
        assert csp_problems(source), source
    allowed = [
        '<script src="/static/js/site.js" defer></script>',
        '<script type="application/json" id="data">{"a": 1}</script>',
        '<div class="style-x" data-onclick="x" data-select-on-focus>',
        "<p>Someone = one, style = none</p>",
        "{% comment %}htmx would inject a <style> here{% endcomment %}",
        '<form hx-trigger="change, input changed delay:800ms from:find input[type=text]">',
        """<form hx-vals='{"a": 1}'>""",
    ]
    for source in allowed:
        assert not csp_problems(source), source


def test_no_template_carries_what_the_site_policy_refuses():
    templates = site_templates()
    assert len(templates) > 50, "the scan found too few templates: are the roots right?"
    found = {}
    for path in templates:
        relative = path.relative_to(ROOT).as_posix()
        problems = csp_problems(path.read_text(encoding="utf-8"))
        if problems and relative not in ALLOWED:
            found[relative] = problems
    assert not found, json.dumps(found, indent=2, ensure_ascii=False)
