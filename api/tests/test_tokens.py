"""Token lifecycle: shown once, hashed at rest, expiry, revocation, last use, bans; the profile panel."""

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from api import services
from api.models import AccessToken
from api.tests.conftest import make_token


def test_secret_is_stored_only_as_its_sha256(learner):
    new = services.create_token(
        user=learner, name="HR sync", scope="read", expires_at=timezone.now() + timedelta(days=30)
    )
    row = AccessToken.objects.get(pk=new.token.pk)
    assert new.secret.startswith("lw_") and len(new.secret) > 40
    assert row.digest == hashlib.sha256(new.secret.encode()).hexdigest()
    assert row.prefix == new.secret[:11]
    for value in row.__dict__.values():
        assert value != new.secret


@pytest.mark.parametrize("days", [0, -1, 367])
def test_expiry_is_required_in_the_future_and_within_a_year(learner, days):
    with pytest.raises(services.ApiError):
        services.create_token(user=learner, name="x", scope="read", expires_at=timezone.now() + timedelta(days=days))


def test_banned_user_cannot_create_tokens(learner):
    learner.is_banned = True
    learner.save()
    with pytest.raises(services.ApiError):
        make_token(learner)


def test_last_use_is_recorded(api_get, learner):
    secret = make_token(learner)
    assert AccessToken.objects.get().last_used_at is None
    assert api_get("/me", secret).status_code == 200
    first = AccessToken.objects.get().last_used_at
    assert first is not None
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert api_get("/me", secret).status_code == 200
    assert AccessToken.objects.get().last_used_at > first


def _assert_problem(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail"}
    assert body["status"] == status
    return body


def test_expired_token_is_refused(api_get, learner):
    secret = make_token(learner, days=1)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        body = _assert_problem(api_get("/me", secret), 401)
    assert "expired" in body["detail"]


def test_revoked_token_is_refused_and_revoking_twice_keeps_the_first_time(api_get, learner):
    secret = make_token(learner)
    token = AccessToken.objects.get()
    services.revoke_token(token=token)
    first = token.revoked_at
    services.revoke_token(token=token)
    assert token.revoked_at == first
    _assert_problem(api_get("/me", secret), 401)


def test_banned_users_token_is_refused(api_get, learner):
    secret = make_token(learner)
    learner.is_banned = True
    learner.save()
    _assert_problem(api_get("/me", secret), 401)


@pytest.mark.parametrize(
    "header", ["", "Bearer", "Bearer lw_nope", "Bearer " + "x" * 500, "Basic dXNlcjpwYXNz", "Bearer lw_\u00e9\u0000"]
)
def test_bad_credentials_are_401_problems(client, db, header):
    headers = {"Authorization": header} if header else {}
    _assert_problem(client.get("/api/v1/me", headers=headers), 401)


def test_unknown_route_and_validation_errors_are_problems(api_get, learner):
    secret = make_token(learner)
    _assert_problem(api_get("/courses/999999", secret), 404)
    _assert_problem(api_get("/courses", secret, limit="lots"), 422)
    _assert_problem(api_get("/courses", secret, cursor="!!notacursor"), 422)
    _assert_problem(api_get("/courses/0", secret), 422)


def test_rate_limit_answers_429_with_retry_after(api_get, learner, settings):
    settings.API_RATE_LIMIT = (3, 60)
    secret = make_token(learner)
    other = make_token(learner)
    with time_machine.travel(timezone.now().replace(second=10), tick=False):
        for _ in range(3):
            assert api_get("/me", secret).status_code == 200
        response = api_get("/me", secret)
        _assert_problem(response, 429)
        assert 1 <= int(response["Retry-After"]) <= 60
        # Per token: another token of the same person has its own counter.
        assert api_get("/me", other).status_code == 200
    with time_machine.travel(timezone.now().replace(second=10) + timedelta(minutes=1), tick=False):
        assert api_get("/me", secret).status_code == 200


# The profile panel


def test_profile_lists_tokens_with_last_use_and_create_shows_the_secret_once(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("api:create_token"),
        {"name": "HR sync", "scope": "write", "lifetime": "90"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    token = AccessToken.objects.get(user=learner)
    assert token.scope == "write"
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)
    secret = response.context["new_secret"]
    assert secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert "HR sync" in profile and token.prefix in profile
    assert secret not in profile
    assert "never used" in profile


def test_create_refuses_bad_input(client, learner):
    client.force_login(learner)
    response = client.post(reverse("api:create_token"), {"name": "", "scope": "root", "lifetime": "9999"})
    assert response.status_code == 400
    assert not AccessToken.objects.exists()


def test_revoke_only_your_own_tokens(client, learner, other_learner):
    make_token(other_learner)
    theirs = AccessToken.objects.get()
    client.force_login(learner)
    assert client.post(reverse("api:revoke_token", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    client.force_login(other_learner)
    assert client.post(reverse("api:revoke_token", args=[theirs.pk])).status_code == 200
    theirs.refresh_from_db()
    assert theirs.revoked_at is not None


def test_token_views_need_sign_in_and_post(client, learner):
    assert client.post(reverse("api:create_token"), {"name": "x"}).status_code == 302
    client.force_login(learner)
    assert client.get(reverse("api:create_token")).status_code == 405
