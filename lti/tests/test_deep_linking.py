"""Deep linking: a teacher picks Learnwell content and the platform receives it signed with the tool's key."""

import re
from html import unescape

import jwt
import pytest

from assessments.tests.factories import make_assessment

from .platform import LTI

pytestmark = pytest.mark.django_db

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
TEACHER = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]


def deep_linking_launch(browser, roles=TEACHER):
    settings = {
        "deep_link_return_url": f"{browser.platform.url}/deep-link-return",
        "accept_types": ["ltiResourceLink"],
        "accept_presentation_document_targets": ["window", "iframe"],
        "accept_multiple": True,
        "data": "platform-opaque-data",
    }
    return browser.launch(
        changes={
            LTI + "message_type": "LtiDeepLinkingRequest",
            LTI + "roles": roles,
            DL + "deep_linking_settings": settings,
            "sub": "teacher-1",
        },
        drop=(LTI + "resource_link", "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"),
    )


def test_teacher_picks_content_and_the_platform_gets_a_signed_answer(browser, course, client, platform):
    quiz = make_assessment(course, slug="dl-quiz", title="Checkpoint quiz")
    response = deep_linking_launch(browser)
    assert response.status_code == 302 and response["Location"] == "/lti/deep-link/"

    page = client.get("/lti/deep-link/")
    assert page.status_code == 200
    assert course.title.encode() in page.content and b"Checkpoint quiz" in page.content

    answer = client.post("/lti/deep-link/", {"page": [str(course.pk), str(quiz.pk)]})
    assert answer.status_code == 200
    assert f"form-action 'self' {platform.url}" in answer["Content-Security-Policy"]
    html = answer.content.decode()
    assert f'action="{platform.url}/deep-link-return"' in html
    assert "<script>" not in html and "lti-deep-link.js" in html
    token = unescape(re.search(r'name="JWT" value="([^"]+)"', html).group(1))

    # The platform checks the answer with the keys at the tool's JWKS URL.
    jwks = client.get("/lti/jwks/").json()
    header = jwt.get_unverified_header(token)
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    claims = jwt.decode(
        token, jwt.PyJWK.from_dict(key), algorithms=["RS256"], audience=platform.issuer, issuer=platform.client_id
    )
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[LTI + "deployment_id"] == platform.deployment_id
    assert claims[DL + "data"] == "platform-opaque-data"
    items = claims[DL + "content_items"]
    assert [item["custom"]["learnwell_page"] for item in items] == [str(course.pk), str(quiz.pk)]
    assert all(item["type"] == "ltiResourceLink" and item["url"] == "http://testserver/lti/launch/" for item in items)
    assert items[0]["lineItem"]["scoreMaximum"] == 100

    # The answer is given once: the picker is gone afterwards.
    assert client.get("/lti/deep-link/").status_code == 403

    # A student's launch of the placed link opens the course.
    client.logout()
    launch = browser.launch(changes={LTI + "custom": items[0]["custom"]})
    assert launch.status_code == 302 and launch["Location"] == course.url


def test_picking_nothing_or_unpublished_pages_is_refused(browser, course, client, home_page):
    deep_linking_launch(browser)
    assert client.post("/lti/deep-link/", {}).status_code == 400
    assert client.post("/lti/deep-link/", {"page": [str(home_page.pk), "x", "9" * 30]}).status_code == 400


def test_learners_cannot_pick_content(browser, client):
    response = deep_linking_launch(browser, roles=["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"])
    assert response.status_code == 403
    assert client.get("/lti/deep-link/").status_code == 403


def test_the_picker_needs_a_deep_linking_launch(client, learner):
    assert client.get("/lti/deep-link/").status_code == 403
    client.force_login(learner)
    assert client.get("/lti/deep-link/").status_code == 403
    session = client.session
    session["lti_deep_link_launch"] = "lti1p3-launch-made-up"
    session.save()
    assert client.get("/lti/deep-link/").status_code == 403
