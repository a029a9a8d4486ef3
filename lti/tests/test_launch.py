"""Login initiation and launch against the simulated platform: who gets in, who is refused, and how."""

import base64
import json
import time

import pytest
from django.test import Client

from accounts.models import Role, User
from learning.models import Enrollment
from lti.models import LtiLinkLaunch, LtiPlatform, LtiResourceLink, LtiUser

from .platform import LTI, new_rsa_key

pytestmark = pytest.mark.django_db


def to_course(course):
    return {LTI + "custom": {"learnwell_page": str(course.pk)}}


def signed_in_user(client):
    """Who the next request of this browser is made by, as Django's authentication sees it."""
    from django.contrib.auth import get_user
    from django.http import HttpRequest

    request = HttpRequest()
    request.session = client.session
    user = get_user(request)
    return User.objects.get(pk=user.pk) if user.is_authenticated else None


def test_login_initiation_redirects_to_the_platform_with_state_and_nonce(browser):
    state, nonce = browser.login()
    assert state.startswith("state-") and nonce


def test_login_initiation_by_get_works_too(browser):
    assert browser.start_login(method="get").status_code == 302


@pytest.mark.parametrize(
    "params",
    [{"iss": "https://unknown.example"}, {"client_id": "someone-else"}, {"login_hint": ""}, {"iss": ""}],
)
def test_login_initiation_for_an_unknown_platform_is_refused(browser, params):
    response = browser.start_login(**params)
    assert response.status_code == 400
    assert b"not registered" in response.content


def test_inactive_platform_cannot_log_in(browser, registration):
    registration.is_active = False
    registration.save()
    assert browser.start_login().status_code == 400


def test_valid_launch_provisions_a_learner_signs_in_and_lands_on_the_course(browser, course, platform):
    response = browser.launch(changes=to_course(course))

    assert response.status_code == 302
    assert response["Location"] == course.url
    user = signed_in_user(browser.client)
    assert user is not None
    assert user.role == Role.LEARNER and not user.is_staff and not user.has_usable_password()
    assert user.email == "sam@example.com"
    assert LtiUser.objects.get(user=user).sub == "student-1"
    assert Enrollment.objects.filter(user=user, course=course).exists()
    link = LtiResourceLink.objects.get()
    assert link.page_id == course.pk and link.lineitem_url == platform.lineitem_url()
    assert LtiLinkLaunch.objects.filter(resource_link=link, lti_user__user=user).exists()
    # The course page opens for them in the same browser.
    assert browser.client.get(course.url).status_code == 200


def test_second_launch_with_the_same_sub_is_the_same_user(browser, course, client):
    browser.launch(changes=to_course(course))
    first = signed_in_user(client)
    client.logout()
    browser.launch(changes={**to_course(course), "email": "changed@example.com"})
    assert signed_in_user(client) == first
    assert User.objects.filter(username__startswith="lti-").count() == 1


def test_same_email_at_another_platform_is_another_user(browser, course, client, platform, registration, learner):
    other = LtiPlatform.objects.create(
        name="Canvas of the tests",
        issuer=platform.issuer,
        client_id="another-client",
        deployment_ids=platform.deployment_id,
        auth_login_url=f"{platform.url}/auth",
        auth_token_url=f"{platform.url}/token",
        key_set_url=f"{platform.url}/jwks",
    )
    browser.launch(changes={**to_course(course), "email": learner.email})
    first = signed_in_user(client)
    # An existing Learnwell account with that address is not taken over, and keeps its address alone.
    assert first != learner and first.email != learner.email

    client.logout()
    state, nonce = browser.login()
    token = platform.id_token(
        nonce=nonce, changes={**to_course(course), "aud": other.client_id, "email": learner.email}
    )
    response = browser.post_launch(token, state)
    assert response.status_code == 302
    second = signed_in_user(client)
    assert second not in (first, learner)
    assert {link.platform_id for link in LtiUser.objects.filter(sub="student-1")} == {registration.pk, other.pk}


def test_instructor_stays_a_learner_unless_the_platform_says_otherwise(browser, course, client, registration):
    instructor = {LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]}
    browser.launch(changes={**to_course(course), **instructor, "sub": "teacher-1"})
    assert signed_in_user(client).role == Role.LEARNER

    registration.instructors_become_trainers = True
    registration.save()
    client.logout()
    admin_roles = {
        LTI + "roles": [
            "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
            "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
            "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
        ]
    }
    browser.launch(changes={**to_course(course), **admin_roles, "sub": "teacher-2"})
    user = signed_in_user(client)
    assert user.role == Role.TRAINER and not user.is_superuser


def test_launch_by_target_link_path(browser, course):
    response = browser.launch(changes={LTI + "target_link_uri": f"https://learnwell.example{course.url}"})
    assert response.status_code == 302 and response["Location"] == course.url


def test_launch_to_nothing_known_is_404(browser):
    response = browser.launch(changes={LTI + "custom": {"learnwell_page": "999999"}})
    assert response.status_code == 404
    assert signed_in_user(browser.client) is None


def test_banned_account_is_refused(browser, course, client):
    browser.launch(changes=to_course(course))
    user = signed_in_user(client)
    user.is_banned = True
    user.save()
    client.logout()
    assert browser.launch(changes=to_course(course)).status_code == 403
    assert signed_in_user(client) is None


def refused(response):
    assert response.status_code == 400, response.status_code
    assert b"could not be verified" in response.content
    return True


def test_replayed_nonce_is_refused(browser, course, platform, client):
    state, nonce = browser.login()
    token = platform.id_token(nonce=nonce, changes=to_course(course))
    assert browser.post_launch(token, state).status_code == 302
    client.logout()
    # The same id_token and state again, as an attacker who caught the form post would send them.
    assert refused(browser.post_launch(token, state))
    assert signed_in_user(client) is None
    # A fresh login's state with the old token: the nonce was used up all the same.
    fresh_state, _fresh_nonce = browser.login()
    assert refused(browser.post_launch(token, fresh_state))


def test_nonce_never_issued_is_refused(browser, course):
    assert refused(browser.launch(changes=to_course(course), nonce="made-up-nonce"))


def test_wrong_audience_is_refused(browser, course):
    assert refused(browser.launch(changes={**to_course(course), "aud": "someone-else"}))


def test_several_audiences_need_azp_naming_the_tool(browser, course, platform):
    audiences = {"aud": [platform.client_id, "other-tool"]}
    assert refused(browser.launch(changes={**to_course(course), **audiences}))
    assert browser.launch(changes={**to_course(course), **audiences, "azp": platform.client_id}).status_code == 302


def test_expired_token_is_refused(browser, course):
    past = int(time.time()) - 3600
    assert refused(browser.launch(changes={**to_course(course), "iat": past - 300, "exp": past}))


def test_token_without_expiry_is_refused(browser, course):
    assert refused(browser.launch(changes=to_course(course), drop=("exp",)))


def test_unknown_deployment_is_refused(browser, course):
    assert refused(browser.launch(changes={**to_course(course), LTI + "deployment_id": "deployment-unknown"}))


def test_bad_signature_is_refused(browser, course):
    assert refused(browser.launch(changes=to_course(course), key=new_rsa_key()))


def test_token_claiming_hmac_is_refused(browser, course, platform):
    """alg=HS256 with the platform's kid: a forger would "sign" with the public key everyone can read."""
    state, nonce = browser.login()
    _header, body, signature = platform.id_token(nonce=nonce, changes=to_course(course)).split(".")
    header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "kid": platform.kid}).encode()).rstrip(b"=")
    assert refused(browser.post_launch(f"{header.decode()}.{body}.{signature}", state))


def test_wrong_issuer_is_refused(browser, course):
    assert refused(browser.launch(changes={**to_course(course), "iss": "https://elsewhere.example"}))


def test_wrong_state_is_refused(browser, course, platform):
    _state, nonce = browser.login()
    token = platform.id_token(nonce=nonce, changes=to_course(course))
    assert refused(browser.post_launch(token, "state-made-up"))


def test_launch_from_another_browser_is_refused(browser, course, platform):
    state, nonce = browser.login()
    token = platform.id_token(nonce=nonce, changes=to_course(course))
    assert refused(Client().post("/lti/launch/", {"id_token": token, "state": state}))


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"id_token": "not-a-jwt"},
        {"id_token": "a.b.c"},
        {"id_token": "W10.W10.W10"},  # JSON lists where objects belong
        {"id_token": "e30.e30.e30"},
        {"id_token": "e30.e30.e30", "state": ""},
        {"id_token": "eyJhbGciOiJSUzI1NiIsImtpZCI6MX0.eyJpc3MiOjEsImF1ZCI6e30sIm5vbmNlIjpbXX0.e30"},
    ],
)
def test_garbage_launches_are_4xx(browser, data):
    state, _nonce = browser.login()
    response = browser.client.post("/lti/launch/", {"state": state, **data})
    assert response.status_code == 400


def test_garbage_claims_in_a_signed_token_are_4xx(browser, platform):
    for changes in (
        {LTI + "resource_link": "not-an-object"},
        {LTI + "roles": "Learner"},
        {"sub": ["list"]},
        {LTI + "custom": ["x"]},
        {LTI + "message_type": "LtiSomethingElse"},
        {"https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": "x"},
    ):
        response = browser.launch(changes=changes)
        assert 400 <= response.status_code < 500, (changes, response.status_code)


def test_launch_is_post_only(client, registration):
    assert client.get("/lti/launch/").status_code == 405


def test_jwks_serves_the_tool_public_key_only(client, db):
    keys = client.get("/lti/jwks/").json()["keys"]
    assert len(keys) == 1
    assert keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and keys[0]["kid"]
    assert "d" not in keys[0] and "p" not in keys[0]
    assert client.get("/lti/jwks/").json()["keys"] == keys
