"""Admins register platforms in the Wagtail admin and read the tool's addresses there; nobody else gets in."""

import pytest
from django.urls import reverse

from lti.models import LtiPlatform

pytestmark = pytest.mark.django_db

INDEX = reverse("lti_platforms:index")
ADD = reverse("lti_platforms:add")

FORM = {
    "name": "Moodle",
    "issuer": "https://moodle.example.org",
    "client_id": "abc123",
    "deployment_ids": "1\n2",
    "auth_login_url": "https://moodle.example.org/mod/lti/auth.php",
    "auth_token_url": "https://moodle.example.org/mod/lti/token.php",
    "auth_audience": "",
    "key_set_url": "https://moodle.example.org/mod/lti/certs.php",
    "is_active": "on",
}


def test_an_admin_adds_a_platform_and_sees_the_tool_urls(client, admin_user):
    client.force_login(admin_user)
    form = client.get(ADD)
    assert form.status_code == 200
    for url in ("/lti/login/", "/lti/launch/", "/lti/jwks/"):
        assert f"http://testserver{url}".encode() in form.content
    response = client.post(ADD, FORM)
    assert response.status_code == 302
    platform = LtiPlatform.objects.get()
    assert platform.deployment_id_list == ["1", "2"] and not platform.instructors_become_trainers
    assert client.get(INDEX).status_code == 200
    assert client.get(reverse("lti_platforms:edit", args=[platform.pk])).status_code == 200


def test_the_same_issuer_and_client_id_twice_is_refused(client, admin_user):
    client.force_login(admin_user)
    client.post(ADD, FORM)
    response = client.post(ADD, FORM)
    assert response.status_code == 200
    assert LtiPlatform.objects.count() == 1


@pytest.mark.parametrize("who", ["trainer", "learner"])
def test_others_reach_none_of_it(client, request, who):
    client.force_login(request.getfixturevalue(who))
    for url in (INDEX, ADD):
        assert client.get(url).status_code in (302, 403)
    assert client.post(ADD, FORM).status_code in (302, 403)
    assert not LtiPlatform.objects.exists()
