import datetime as dt
import re

import lxml.html
import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.test import Client
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
    assert response["Location"] == reverse("learning:dashboard")


@pytest.mark.parametrize("target", ["/courses/", "https://evil.example/"], ids=["on the way", "elsewhere"])
def test_sign_up_goes_on_to_a_local_next_only(client, target):
    response = client.post(reverse("accounts:sign_up"), sign_up_data(next=target))
    assert response["Location"] == (target if target.startswith("/") else reverse("learning:dashboard"))


def sign_up_form(response):
    (form,) = lxml.html.fromstring(response.content.decode()).xpath("//form[.//input[@name='password1']]")
    return form


@pytest.mark.parametrize("data", [None, {"username": ""}], ids=["first visit", "after an error"])
def test_sign_up_focuses_its_first_field_only(client, data):
    url = reverse("accounts:sign_up")
    response = client.get(url) if data is None else client.post(url, sign_up_data(**data))
    form = sign_up_form(response)
    fields = form.xpath(".//input[not(@type='hidden')] | .//select | .//textarea")
    assert fields[0].get("name") == "first_name"
    assert [field.get("name") for field in form.xpath("//*[@autofocus]")] == ["first_name"]


def test_sign_up_shows_the_password_rules_as_a_hint_like_the_others(client):
    page = lxml.html.fromstring(client.get(reverse("accounts:sign_up")).content.decode())
    rules = page.get_element_by_id("id_password1_helptext")
    other_hint = page.get_element_by_id("id_email_helptext")
    # The rules are a list: inside the hint's element (a <p> would end before it), with the hint's class.
    assert rules.get("class") == other_hint.get("class") == "help"
    assert len(rules.xpath(".//li")) >= 2
    assert rules.getparent() is page.get_element_by_id("id_password1").getparent()
    assert "id_password1_helptext" in page.get_element_by_id("id_password1").get("aria-describedby", "")


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


def test_a_signed_out_session_cookie_opens_nothing_afterwards(client, settings):
    # Sessions are read from the cache (SESSION_ENGINE cached_db): signing out must empty it, not only the row.
    client.force_login(UserFactory())
    assert client.get(reverse("accounts:profile")).status_code == 200
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("accounts:sign_out"))
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:sign_in"))


def test_a_password_reset_signs_out_the_accounts_other_sessions(client, django_capture_on_commit_callbacks):
    user = UserFactory(username="forgetful", email="forgetful@example.com")
    elsewhere = Client()
    elsewhere.force_login(user)
    assert elsewhere.get(reverse("accounts:profile")).status_code == 200  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "forgetful@example.com"})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url
    client.post(form_url, {"new_password1": "brand-new-passphrase", "new_password2": "brand-new-passphrase"})

    assert elsewhere.get(reverse("accounts:profile")).status_code == 302


@pytest.mark.parametrize(
    ("role", "landing"),
    [("learner", "learning:dashboard"), ("trainer", "learning:teaching"), ("admin", "learning:teaching")],
)
@pytest.mark.parametrize("next_given", [None, "", "/", "https://evil.example/", "//evil.example/x"])
def test_without_a_safe_next_each_role_lands_where_its_work_is(client, role, landing, next_given):
    UserFactory(username="user-x", role=role)
    data = {"username": "user-x", "password": PASSWORD}
    if next_given is not None:
        data["next"] = next_given  # "/" is what the header's link sends from the home page
    response = client.post(reverse("accounts:sign_in"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse(landing)


@pytest.mark.parametrize("role", ["learner", "trainer", "admin"])
def test_a_safe_next_wins_over_the_roles_landing(client, role):
    UserFactory(username="user-x", role=role)
    for target in ("/courses/?level=beginner", "/admin/"):
        client.logout()
        data = {"username": "user-x", "password": PASSWORD, "next": target}
        response = client.post(reverse("accounts:sign_in"), data)
        assert response["Location"] == target
    client.logout()
    response = client.get(reverse("accounts:sign_in") + "?next=/courses/")
    assert 'name="next" value="/courses/"' in response.content.decode()


def test_the_landing_pages_open_for_their_role(client):
    """Each role's landing answers 200 for that role (no redirect loop back to sign-in)."""
    for role in ("learner", "trainer", "admin"):
        UserFactory(username=f"landing-{role}", role=role)
        client.logout()
        response = client.post(
            reverse("accounts:sign_in"), {"username": f"landing-{role}", "password": PASSWORD}, follow=True
        )
        assert response.status_code == 200
        assert response.redirect_chain[-1][0] in (reverse("learning:dashboard"), reverse("learning:teaching"))


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


# --- Finding 2: a case-variant username must not capture someone else's sign-ins ---------------------------


def test_sign_up_refuses_a_case_variant_of_an_existing_username_and_sign_in_still_reaches_the_owner(client):
    owner = UserFactory(username="learner2", email="learner2@example.com")
    response = client.post(reverse("accounts:sign_up"), sign_up_data(username="Learner2", email="newcomer@example.com"))
    assert response.status_code == 400
    assert "username already exists" in response.content.decode()
    assert not User.objects.filter(email="newcomer@example.com").exists()

    for login in ("learner2", "LEARNER2", "Learner2@Example.com"):
        client.logout()
        response = client.post(reverse("accounts:sign_in"), {"username": login, "password": PASSWORD})
        assert response.status_code == 302, login
        assert client.session[SESSION_KEY] == str(owner.pk)


def test_sign_up_refuses_a_username_that_is_another_accounts_email(client):
    UserFactory(email="sam@example.com")
    response = client.post(reverse("accounts:sign_up"), sign_up_data(username="Sam@Example.com"))
    assert response.status_code == 400
    assert not User.objects.filter(username__iexact="sam@example.com").exists()


def test_sign_in_with_a_case_variant_that_names_two_accounts_opens_neither(client):
    # One account's username is another's e-mail address: only an exact match may choose between them.
    first = UserFactory(username="sam@example.com", email="first@example.com")
    second = UserFactory(username="second", email="Sam@example.com")
    response = client.post(reverse("accounts:sign_in"), {"username": "SAM@EXAMPLE.COM", "password": PASSWORD})
    assert response.status_code == 400 and SESSION_KEY not in client.session
    response = client.post(reverse("accounts:sign_in"), {"username": "Sam@example.com", "password": PASSWORD})
    assert client.session[SESSION_KEY] == str(second.pk)
    client.logout()
    client.post(reverse("accounts:sign_in"), {"username": "sam@example.com", "password": PASSWORD})
    assert client.session[SESSION_KEY] == str(first.pk)


# --- Finding 5: overlong input is a form error, never a 500 ------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"username": "x" * 50_000, "password": PASSWORD},
        {"username": "%_" * 25_000, "password": PASSWORD},
        {"username": "user-x", "password": "p" * 50_000},
        {"username": "a" * 250 + "@example.com", "password": PASSWORD},
    ],
)
def test_sign_in_refuses_overlong_input_with_a_form_error(client, data):
    UserFactory(username="user-x")
    response = client.post(reverse("accounts:sign_in"), data)
    assert response.status_code == 400
    assert "at most" in response.content.decode() and SESSION_KEY not in client.session


def test_sign_in_accepts_an_email_longer_than_a_username(client):
    email = "a" * 200 + "@example.com"
    UserFactory(username="longmail", email=email)
    response = client.post(reverse("accounts:sign_in"), {"username": email, "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize(
    "overrides",
    [
        {"username": "x" * 50_000},
        {"email": "a" * 50_000 + "@example.com"},
        {"first_name": "x" * 50_000},
        {"password1": "p" * 50_000, "password2": "p" * 50_000},
        {"time_zone": "x" * 50_000},
    ],
)
def test_sign_up_refuses_overlong_input_with_a_form_error(client, overrides):
    response = client.post(reverse("accounts:sign_up"), sign_up_data(**overrides))
    assert response.status_code == 400
    assert not User.objects.exists()


def test_password_reset_refuses_an_overlong_address(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "a" * 50_000 + "@example.com"})
    assert response.status_code == 200 and "at most" in response.content.decode()
    assert mail.outbox == []


# --- Finding 7: passwords never reach error reports ---------------------------------------------------------

SECRET = "my-secret-passphrase-4242"


def error_report(request, view, **kwargs):
    """The HTML of Django's technical 500 page for the exception view raises on request."""
    import sys

    from django.views.debug import ExceptionReporter

    request._dont_enforce_csrf_checks = True  # as the test client does
    with pytest.raises(RuntimeError):
        try:
            view(request, **kwargs)
        except RuntimeError:
            html = ExceptionReporter(request, *sys.exc_info()).get_traceback_html()
            raise
    return html


@pytest.mark.parametrize("debug", [True, False])
def test_sign_in_error_report_hides_the_password(rf, monkeypatch, settings, debug):
    settings.DEBUG = debug  # Django's own filter hides nothing under DEBUG
    from accounts import backends, views

    def broken_lookup(*, login):
        raise RuntimeError("database went away")

    monkeypatch.setattr(backends, "user_for_sign_in", broken_lookup)
    request = rf.post(reverse("accounts:sign_in"), {"username": "user-x", "password": SECRET})
    html = error_report(request, views.SignInView.as_view())
    assert "database went away" in html and "user-x" in html  # the report is there, and it shows the request
    assert SECRET not in html


@pytest.mark.parametrize("debug", [True, False])
def test_sign_up_error_report_hides_the_passwords(rf, monkeypatch, settings, debug):
    settings.DEBUG = debug
    from accounts import views
    from accounts.models import User as UserModel

    def broken_save(self, *args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(UserModel, "save", broken_save)
    request = rf.post(reverse("accounts:sign_up"), sign_up_data(password1=SECRET, password2=SECRET))
    request.user = AnonymousUser()
    html = error_report(request, views.sign_up)
    assert "database went away" in html and "grace@example.com" in html
    assert SECRET not in html


def test_password_reset_confirm_marks_its_passwords_sensitive(client, django_capture_on_commit_callbacks):
    UserFactory(username="forgetful", email="forgetful@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "forgetful@example.com"})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url
    response = client.post(form_url, {"new_password1": SECRET, "new_password2": "mismatch-" + SECRET})
    assert response.status_code == 200
    marked = response.wsgi_request.sensitive_post_parameters
    assert marked == "__ALL__" or {"new_password1", "new_password2"} <= set(marked)


def test_sign_in_and_sign_up_mark_their_passwords_sensitive(client):
    response = client.post(reverse("accounts:sign_in"), {"username": "nobody", "password": SECRET})
    assert response.wsgi_request.sensitive_post_parameters  # LoginView: "__ALL__"
    response = client.post(reverse("accounts:sign_up"), sign_up_data(password2="other"))
    assert {"password1", "password2"} <= set(response.wsgi_request.sensitive_post_parameters)


# --- Finding 3: throttling -----------------------------------------------------------------------------------

THROTTLE_START = dt.datetime(2026, 3, 2, 12, 0, 0, tzinfo=dt.UTC)  # a window boundary


@pytest.fixture
def small_limits(settings):
    settings.ACCOUNTS_THROTTLE = {
        "sign_in_account": (3, 300),
        "sign_in_address": (8, 300),
        "sign_up_address": (2, 600),
        "password_reset_address": (2, 600),
    }
    with time_machine.travel(THROTTLE_START, tick=False) as traveller:
        yield traveller


def sign_in(client, password, username="victim", address="203.0.113.1"):
    return client.post(reverse("accounts:sign_in"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_repeated_wrong_passwords_are_throttled_with_429_and_retry_after(client, small_limits):
    UserFactory(username="victim")
    for _ in range(3):
        assert sign_in(client, "wrong").status_code == 400
    small_limits.shift(60)
    response = sign_in(client, "wrong")
    assert response.status_code == 429
    assert response["Retry-After"] == "240"
    assert "Too many attempts. Please wait 4 minutes" in response.content.decode()


def test_during_the_cool_down_even_the_right_password_is_refused_but_only_from_that_address(client, small_limits):
    victim = UserFactory(username="victim", email="victim@example.com")
    for _ in range(3):
        sign_in(client, "wrong")
    # Another spelling of the same account shares its counter.
    assert sign_in(client, PASSWORD, username="VICTIM@example.com").status_code == 429
    assert sign_in(client, PASSWORD).status_code == 429
    assert SESSION_KEY not in client.session

    response = sign_in(client, PASSWORD, address="198.51.100.7")  # the real user, elsewhere
    assert response.status_code == 302 and client.session[SESSION_KEY] == str(victim.pk)


def test_sign_in_works_again_after_the_cool_down(client, small_limits):
    UserFactory(username="victim")
    for _ in range(3):
        sign_in(client, "wrong")
    assert sign_in(client, PASSWORD).status_code == 429
    small_limits.shift(300)
    assert sign_in(client, PASSWORD).status_code == 302


def test_a_successful_sign_in_resets_the_accounts_counter(client, small_limits):
    UserFactory(username="victim")
    for _ in range(2):
        sign_in(client, "wrong")
    assert sign_in(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(2):
        assert sign_in(client, "wrong").status_code == 400  # a fresh allowance of three
    assert sign_in(client, PASSWORD).status_code == 302


def test_one_address_trying_many_accounts_is_throttled(client, small_limits):
    UserFactory(username="victim")
    for number in range(8):
        assert sign_in(client, "wrong", username=f"guess{number}").status_code == 400
    assert sign_in(client, PASSWORD).status_code == 429
    assert sign_in(client, PASSWORD, address="198.51.100.7").status_code == 302


def test_sign_up_is_throttled_per_address(client, small_limits):
    for number in range(2):
        client.post(reverse("accounts:sign_up"), sign_up_data(username=f"u{number}", email=f"u{number}@example.com"))
        client.logout()
    response = client.post(reverse("accounts:sign_up"), sign_up_data(username="u9", email="u9@example.com"))
    assert response.status_code == 429 and int(response["Retry-After"]) == 600
    assert not User.objects.filter(username="u9").exists()
    response = client.post(
        reverse("accounts:sign_up"), sign_up_data(username="u9", email="u9@example.com"), REMOTE_ADDR="198.51.100.7"
    )
    assert response.status_code == 302


def test_password_reset_is_throttled_per_address(client, small_limits, django_capture_on_commit_callbacks):
    UserFactory(email="forgetful@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            assert (
                client.post(reverse("accounts:password_reset"), {"email": "forgetful@example.com"}).status_code == 302
            )
        response = client.post(reverse("accounts:password_reset"), {"email": "forgetful@example.com"})
    assert response.status_code == 429 and response.has_header("Retry-After")
    assert "Too many attempts" in response.content.decode()
    assert len(mail.outbox) == 2
    small_limits.shift(600)
    assert client.post(reverse("accounts:password_reset"), {"email": "forgetful@example.com"}).status_code == 302


def test_sign_in_still_works_when_the_cache_is_down(client, monkeypatch, caplog):
    from unittest import mock

    from accounts import throttling

    broken = mock.Mock(**{f"{name}.side_effect": ConnectionError("down") for name in ("get", "add", "incr", "delete")})
    monkeypatch.setattr(throttling, "cache", broken)
    UserFactory(username="victim")
    assert sign_in(client, "wrong").status_code == 400
    assert sign_in(client, PASSWORD).status_code == 302
    assert "Throttle cache unavailable" in caplog.text
