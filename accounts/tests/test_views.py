import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.urls import reverse

from accounts.models import Role, User
from accounts.services import ban_user
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def sign_up_data(**overrides):
    data = {
        "first_name": "Grace",
        "last_name": "Hopper",
        "email": "grace@example.com",
        "username": "grace",
        "password1": "a-long-unusual-passphrase",
        "password2": "a-long-unusual-passphrase",
    }
    return data | overrides


def test_sign_up_creates_a_signed_in_learner(client):
    response = client.post(reverse("accounts:sign_up"), sign_up_data())
    assert response.status_code == 302
    user = User.objects.get(username="grace")
    assert user.role == Role.LEARNER and not user.is_staff
    assert client.session[SESSION_KEY] == str(user.pk)


def test_sign_up_refuses_an_email_already_used_in_any_case(client):
    UserFactory(email="grace@example.com")
    response = client.post(reverse("accounts:sign_up"), sign_up_data(email="Grace@Example.com"))
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert not User.objects.filter(username="grace").exists()


def test_sign_up_refuses_mismatched_passwords_and_keeps_the_input(client):
    response = client.post(reverse("accounts:sign_up"), sign_up_data(password2="something-else-entirely"))
    assert response.status_code == 400
    assert 'value="grace@example.com"' in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.parametrize("login_name", ["user-x", "USER-X@example.com"])
def test_sign_in_with_username_or_email(client, login_name):
    UserFactory(username="user-x", email="user-x@example.com")
    response = client.post(reverse("accounts:sign_in"), {"username": login_name, "password": PASSWORD})
    assert response.status_code == 302
    assert SESSION_KEY in client.session


def test_wrong_password_is_refused(client):
    UserFactory(username="user-x")
    response = client.post(reverse("accounts:sign_in"), {"username": "user-x", "password": "nope"})
    assert response.status_code == 400
    assert SESSION_KEY not in client.session


def test_banned_user_cannot_sign_in_and_is_told_why(client):
    UserFactory(username="troll", is_banned=True)
    response = client.post(reverse("accounts:sign_in"), {"username": "troll", "password": PASSWORD})
    assert response.status_code == 400
    assert "suspended" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_banned_user_is_not_told_without_the_right_password(client):
    UserFactory(username="troll", is_banned=True)
    response = client.post(reverse("accounts:sign_in"), {"username": "troll", "password": "guess"})
    assert "suspended" not in response.content.decode()


def test_user_banned_while_signed_in_is_signed_out_on_next_request(client, admin_user):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/").wsgi_request.user == user

    ban_user(user=user, banned_by=admin_user)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:sign_in")
    assert SESSION_KEY not in client.session
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_admin_cannot_ban_themselves(admin_user):
    from accounts.services import AccountError

    with pytest.raises(AccountError):
        ban_user(user=admin_user, banned_by=admin_user)


def test_sign_out_needs_a_post(client):
    client.force_login(UserFactory())
    assert client.get(reverse("accounts:sign_out")).status_code == 405
    client.post(reverse("accounts:sign_out"))
    assert SESSION_KEY not in client.session


def test_sign_in_next_parameter_cannot_leave_the_site(client):
    UserFactory(username="user-x")
    response = client.post(
        reverse("accounts:sign_in"), {"username": "user-x", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_password_reset_round_trip(client, django_capture_on_commit_callbacks):
    UserFactory(username="forgetful", email="forgetful@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "forgetful@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)

    form_url = client.get(link).url  # Django swaps the token for a session-held one
    response = client.post(form_url, {"new_password1": "brand-new-passphrase", "new_password2": "brand-new-passphrase"})
    assert response.status_code == 302
    assert client.login(username="forgetful", password="brand-new-passphrase")


def test_password_reset_sends_nothing_to_unknown_or_banned_addresses(client, django_capture_on_commit_callbacks):
    UserFactory(email="troll@example.com", is_banned=True)
    for email in ("nobody@example.com", "troll@example.com"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("accounts:password_reset"), {"email": email})
        assert response.status_code == 302  # same answer either way: no account probing
    assert mail.outbox == []


def test_pages_show_times_in_the_signed_in_users_time_zone(learner, rf):
    from django.http import HttpResponse
    from django.utils import timezone

    from accounts.middleware import UserTimeZoneMiddleware

    seen = []
    middleware = UserTimeZoneMiddleware(
        lambda request: seen.append(timezone.get_current_timezone_name()) or HttpResponse()
    )
    learner.time_zone = "Asia/Tokyo"
    request = rf.get("/")
    request.user = learner
    middleware(request)
    request.user = AnonymousUser()
    middleware(request)
    assert seen == ["Asia/Tokyo", "UTC"]
    assert timezone.get_current_timezone_name() == "UTC"  # only for that request
