"""LTI 1.3 in Chromium against the simulated platform of lti/tests: the browser carries the login initiation, the
platform's authorisation answer and the deep-linking response between the two sites, as it does with Moodle or
Canvas. A learner lands signed in and enrolled on a free course; a teacher places a course in the platform, which
receives the choice signed with the key the tool publishes."""

import re
from urllib.parse import urlsplit

import jwt
import pytest
import requests
from playwright.sync_api import Page, expect

from courses.models import CoursePage
from e2e.conftest import DESKTOP, artefact_path
from learning.models import Enrollment
from lti.models import LtiPlatform, LtiUser
from lti.tests.platform import LTI, SimulatedPlatform

pytestmark = pytest.mark.e2e

PYTHON_COURSE = "python-for-data-analysis"  # free in the demo
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


@pytest.fixture
def platform(live_server):
    """The platform under the live server's host name, on its own port: one site for the browser, as a port does
    not make another site and a host name does. pylti1p3 marks its OIDC state cookie SameSite=None; Secure only
    over https (as production is, behind its proxy header); over the tests' plain http it sets no SameSite at all,
    which Chromium treats as Lax. Such a cookie reaches another site's POST only through Chromium's allowance for
    cookies younger than two minutes (checked: an explicit Lax cookie is not sent), meant to be temporary. Same
    site, the launch depends on nothing a real https deployment does not have."""
    simulated = SimulatedPlatform(host=urlsplit(live_server.url).hostname or "localhost")
    simulated.tool_url = live_server.url
    yield simulated
    simulated.stop()


@pytest.fixture
def registration(platform, demo_site):
    return LtiPlatform.objects.create(
        name="Simulated Moodle",
        issuer=platform.issuer,
        client_id=platform.client_id,
        deployment_ids=platform.deployment_id,
        auth_login_url=f"{platform.url}/auth",
        auth_token_url=f"{platform.url}/token",
        key_set_url=f"{platform.url}/jwks",
    )


def launch_from_the_platform(page: Page, platform: SimulatedPlatform, hint: str) -> None:
    """What a person's clicks at the platform do: the link to the tool, then the platform's own sign-in answer."""
    page.goto(f"{platform.url}/launch-start?launch={hint}")
    page.get_by_role("button", name="Open Learnwell").click()
    # The tool sent the browser to the platform's authorisation endpoint with its state and nonce.
    expect(page.get_by_role("heading", name="Simulated platform: signing you in")).to_be_visible()
    page.get_by_role("button", name="Continue to the tool").click()


def test_learner_launch_lands_signed_in_and_enrolled_on_the_course(page: Page, live_server, platform, registration):
    course = CoursePage.objects.get(slug=PYTHON_COURSE)
    platform.launches["learner-week-1"] = {"changes": {LTI + "custom": {"learnwell_page": str(course.pk)}}}
    page.set_viewport_size(DESKTOP)

    launch_from_the_platform(page, platform, "learner-week-1")

    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server.url)}{re.escape(course.url)}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(course.title)
    expect(page.get_by_role("link", name="Continue learning")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("Sam")
    page.screenshot(path=artefact_path("lti-launch-desktop.png"), full_page=True)

    [auth] = platform.auth_requests
    assert auth["login_hint"] == "student-1" and auth["lti_message_hint"] == "learner-week-1"
    learner = LtiUser.objects.get(platform=registration, sub="student-1").user
    assert Enrollment.objects.filter(user=learner, course=course).exists()


def test_teacher_places_a_course_and_the_platform_receives_it_signed(page: Page, live_server, platform, registration):
    course = CoursePage.objects.get(slug=PYTHON_COURSE)
    platform.launches["add-content"] = {
        "sub": "teacher-1",
        "changes": {
            LTI + "message_type": "LtiDeepLinkingRequest",
            LTI + "roles": [INSTRUCTOR],
            DL + "deep_linking_settings": {
                "deep_link_return_url": f"{platform.url}/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["window"],
                "accept_multiple": True,
                "data": "moodle-section-3",
            },
        },
        "drop": (LTI + "resource_link", "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"),
    }
    page.set_viewport_size(DESKTOP)

    launch_from_the_platform(page, platform, "add-content")

    expect(page).to_have_url(f"{live_server.url}/lti/deep-link/")
    expect(page.get_by_role("heading", name="Pick Learnwell content")).to_be_visible()
    page.get_by_role("checkbox", name=re.compile(re.escape(course.title))).check()
    page.screenshot(path=artefact_path("lti-deep-link-picker-desktop.png"), full_page=True)
    page.get_by_role("button", name="Add to the platform").click()

    # Learnwell's page posts the signed answer to the platform by itself (its script, its CSP's form-action).
    expect(page.get_by_role("heading", name="Simulated platform: content added")).to_be_visible()
    expect(page).to_have_url(f"{platform.url}/deep-link-return")
    [token] = platform.deep_link_returns

    # The platform checks the answer with the keys at the tool's JWKS URL, as it would with Learnwell's.
    keys = requests.get(f"{live_server.url}/lti/jwks/", timeout=10).json()["keys"]
    key = next(k for k in keys if k["kid"] == jwt.get_unverified_header(token)["kid"])
    claims = jwt.decode(
        token, jwt.PyJWK.from_dict(key), algorithms=["RS256"], audience=platform.issuer, issuer=platform.client_id
    )
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[DL + "data"] == "moodle-section-3"
    [item] = claims[DL + "content_items"]
    assert item["type"] == "ltiResourceLink" and item["title"] == course.title
    assert item["custom"] == {"learnwell_page": str(course.pk)}
    assert item["url"] == f"{live_server.url}/lti/launch/"
