"""Single sign-on against a real OpenID Connect provider (django-oidc-provider, started by the `identity_provider`
fixture): the whole authorisation-code flow with PKCE, the provider's signed ID tokens, and every refusal."""

import datetime as dt
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
import time_machine
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from accounts.models import ExternalIdentity, Role, User
from accounts.services import BANNED_MESSAGE
from accounts.tests.factories import UserFactory
from accounts.tests.oidc_provider_site.server import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("single_sign_on")]


class Provider:
    """The person's browser at the provider: signs in there and comes back with the redirect to Learnwell."""

    def __init__(self, provider):
        self.provider = provider
        self.browser = requests.Session()

    def authorise(self, authorize_url: str, username: str) -> str:
        """Follows the authorisation request through the provider's sign-in; returns Learnwell's callback URL."""
        answer = self.browser.get(authorize_url, allow_redirects=False)
        if answer.status_code == 302 and "/login/" in answer.headers["Location"]:
            login_url = urljoin(self.provider.url, answer.headers["Location"])
            self.browser.get(login_url)
            next_url = parse_qs(urlsplit(login_url).query)["next"][0]
            answer = self.browser.post(
                login_url,
                data={
                    "username": username,
                    "password": PASSWORD,
                    "next": next_url,
                    "csrfmiddlewaretoken": self.browser.cookies["provider_csrftoken"],
                },
                allow_redirects=False,
            )
            assert answer.status_code == 302, answer.text
            answer = self.browser.get(urljoin(self.provider.url, answer.headers["Location"]), allow_redirects=False)
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]


def start(client, **params):
    answer = client.get(reverse("accounts:sso_start"), params)
    assert answer.status_code == 302
    return answer["Location"]


def callback(client, callback_url: str):
    parts = urlsplit(callback_url)
    assert parts.path == reverse("accounts:sso_callback")
    return client.get(parts.path, parse_qs(parts.query))


def sign_in(client, identity_provider, username: str, **params):
    return callback(client, Provider(identity_provider).authorise(start(client, **params), username))


def signed_in_user(client) -> User | None:
    user_id = client.session.get(SESSION_KEY)
    return User.objects.get(pk=user_id) if user_id else None


def shown_message(client, answer) -> str:
    page = client.get(answer["Location"])
    return page.content.decode()


def test_sign_in_page_offers_the_provider(client):
    page = client.get(reverse("accounts:sign_in") + "?next=/courses/")
    assert b"Sign in with Acme ID" in page.content
    assert b"/accounts/sso/start/?next=/courses/" in page.content
    assert b"Sign in with Acme ID" in client.get(reverse("accounts:sign_up")).content


def test_without_configuration_there_is_no_button_and_no_flow(client, settings):
    settings.OIDC_ISSUER = ""
    assert b"Sign in with" not in client.get(reverse("accounts:sign_in")).content
    assert client.get(reverse("accounts:sso_start")).status_code == 404
    assert client.get(reverse("accounts:sso_callback"), {"code": "x", "state": "y"}).status_code == 404


def test_authorisation_request_uses_pkce_a_nonce_and_a_state(client, identity_provider):
    query = parse_qs(urlsplit(start(client)).query)
    assert urlsplit(start(client)).path == "/openid/authorize"
    assert query["response_type"] == ["code"]
    assert query["client_id"] == ["learnwell"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43  # base64url of a SHA-256 digest
    assert query["nonce"] and query["state"]
    assert set(query["scope"][0].split()) >= {"openid", "email", "profile"}


def test_first_sign_in_creates_a_learner_and_lands_on_the_dashboard(client, identity_provider):
    answer = sign_in(client, identity_provider, "ada")

    assert answer.status_code == 302
    assert answer["Location"] == reverse("learning:dashboard")
    user = signed_in_user(client)
    assert user is not None
    assert (user.username, user.email, user.first_name, user.role) == ("ada", "ada@example.com", "Ada", Role.LEARNER)
    assert not user.has_usable_password()
    identity = ExternalIdentity.objects.get(user=user)
    assert identity.issuer == identity_provider.issuer
    assert client.get(reverse("learning:dashboard")).status_code == 200


def test_existing_account_is_matched_by_verified_email_ignoring_case(client, identity_provider):
    grace = UserFactory(username="grace_local", email="grace.existing@example.com")
    users_before = User.objects.count()

    sign_in(client, identity_provider, "grace")

    assert signed_in_user(client) == grace
    assert User.objects.count() == users_before
    assert ExternalIdentity.objects.filter(user=grace).count() == 1


def test_a_linked_account_is_found_by_subject_after_its_address_changes(client, identity_provider):
    grace = UserFactory(username="grace_local", email="grace.existing@example.com")
    sign_in(client, identity_provider, "grace")
    client.logout()
    grace.email = "grace.renamed@example.com"
    grace.save()

    sign_in(client, identity_provider, "grace")

    assert signed_in_user(client) == grace
    assert not User.objects.filter(email_lower="grace.existing@example.com").exists()


def test_role_comes_from_the_groups_claim(client, identity_provider):
    answer = sign_in(client, identity_provider, "tom")

    tom = signed_in_user(client)
    assert tom.role == Role.TRAINER and tom.is_staff and not tom.is_superuser
    assert tom.groups.filter(name="Trainers").exists()
    assert answer["Location"] == reverse("learning:teaching")


def test_role_claim_demotes_and_promotes_on_each_sign_in(client, identity_provider):
    root = UserFactory(username="root_local", email="root@example.com", role=Role.LEARNER)
    sign_in(client, identity_provider, "root")
    root.refresh_from_db()
    assert root.role == Role.ADMIN and root.is_superuser

    tom = UserFactory(username="tom_local", email="tom@example.com", role=Role.ADMIN)
    client.logout()
    sign_in(client, identity_provider, "tom")
    tom.refresh_from_db()
    assert tom.role == Role.TRAINER and not tom.is_superuser


def test_without_a_role_claim_setting_roles_stay_as_they_are(client, identity_provider, settings):
    settings.OIDC_ROLE_CLAIM = ""
    tom = UserFactory(username="tom_local", email="tom@example.com", role=Role.LEARNER)
    sign_in(client, identity_provider, "tom")
    tom.refresh_from_db()
    assert signed_in_user(client) == tom and tom.role == Role.LEARNER


def test_safe_next_is_kept_and_an_outside_one_ignored(client, identity_provider):
    assert sign_in(client, identity_provider, "ada", next="/courses/")["Location"] == "/courses/"
    client.logout()
    assert sign_in(client, identity_provider, "ada", next="https://evil.example/")["Location"] == reverse(
        "learning:dashboard"
    )


def test_banned_account_is_refused_with_the_password_message(client, identity_provider):
    UserFactory(username="banned_local", email="banned@example.com", is_banned=True)

    answer = sign_in(client, identity_provider, "banned")

    assert answer["Location"].startswith(reverse("accounts:sign_in"))
    assert signed_in_user(client) is None
    assert str(BANNED_MESSAGE) in shown_message(client, answer)


def test_unverified_address_is_refused_and_nothing_is_created(client, identity_provider):
    UserFactory(username="victim", email="unverified@example.com")
    users_before = User.objects.count()

    answer = sign_in(client, identity_provider, "unverified")

    assert signed_in_user(client) is None
    assert User.objects.count() == users_before
    assert not ExternalIdentity.objects.exists()
    assert "is not confirmed" in shown_message(client, answer)


def test_no_account_is_created_when_settings_forbid_it(client, identity_provider, settings):
    settings.OIDC_CREATE_USERS = False

    answer = sign_in(client, identity_provider, "ada")

    assert signed_in_user(client) is None
    assert not User.objects.filter(email="ada@example.com").exists()
    assert "Ask an administrator" in shown_message(client, answer)


@pytest.mark.parametrize("username", ["otheraudience", "otherissuer", "expired", "noexpiry"])
def test_faulty_id_tokens_are_refused(client, identity_provider, username):
    answer = sign_in(client, identity_provider, username)

    assert signed_in_user(client) is None
    assert not User.objects.filter(email=f"{username}@example.com").exists()
    assert "could not be trusted" in shown_message(client, answer)


def test_token_that_expired_on_the_way_is_refused(client, identity_provider):
    callback_url = Provider(identity_provider).authorise(start(client), "ada")
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=1)):
        answer = callback(client, callback_url)
    assert signed_in_user(client) is None
    assert "could not be trusted" in shown_message(client, answer)


def test_hmac_signed_token_is_refused_where_rs256_is_expected(client, identity_provider, settings):
    settings.OIDC_RP_CLIENT_ID = "learnwell-hs256"
    answer = sign_in(client, identity_provider, "ada")
    assert signed_in_user(client) is None
    assert "could not be trusted" in shown_message(client, answer)


def test_wrong_pkce_verifier_is_refused_by_the_provider(client, identity_provider):
    authorize_url = start(client)
    session = client.session
    state = parse_qs(urlsplit(authorize_url).query)["state"][0]
    session["oidc_states"][state]["code_verifier"] = "x" * 64
    session.save()

    answer = callback(client, Provider(identity_provider).authorise(authorize_url, "ada"))

    assert signed_in_user(client) is None
    assert "did not confirm the sign-in" in shown_message(client, answer)


def test_a_code_is_used_once(client, identity_provider):
    callback_url = Provider(identity_provider).authorise(start(client), "ada")
    callback(client, callback_url)
    client.logout()
    answer = callback(client, callback_url)
    assert signed_in_user(client) is None
    assert "expired or was started in another browser" in shown_message(client, answer)


def test_callback_from_another_browser_is_refused(client, identity_provider):
    from django.test import Client

    callback_url = Provider(identity_provider).authorise(start(Client()), "ada")
    answer = callback(client, callback_url)
    assert answer.status_code == 302
    assert signed_in_user(client) is None


def test_cancelled_at_the_provider_keeps_whoever_is_signed_in(client, identity_provider, learner):
    client.force_login(learner)
    authorize_url = start(client)
    state = parse_qs(urlsplit(authorize_url).query)["state"][0]

    answer = client.get(reverse("accounts:sso_callback"), {"error": "access_denied", "state": state})

    assert signed_in_user(client) == learner
    assert "cancelled or refused" in shown_message(client, answer)


def test_unreachable_provider_gives_a_message(client, settings):
    settings.OIDC_ISSUER = "http://127.0.0.1:9/openid"
    answer = client.get(reverse("accounts:sso_start"))
    assert answer.status_code == 302
    assert "could not be reached" in shown_message(client, answer)


def test_banned_after_signing_in_is_signed_out(client, identity_provider):
    sign_in(client, identity_provider, "ada")
    ada = signed_in_user(client)
    ada.is_banned = True
    ada.save()
    client.get(reverse("learning:dashboard"))
    assert signed_in_user(client) is None


@pytest.mark.parametrize(
    "query",
    [
        {"code": "x", "state": "\x00" * 3},
        {"code": "x" * 1500, "state": "y" * 1500},  # longer values are refused (400) by lms_site middleware
        {"code": ["a", "b"], "state": ["c", "d"]},
        {"state": "only-a-state"},
        {"error": "<script>", "state": "' OR 1=1"},
        {},
    ],
)
def test_hostile_callbacks_send_people_back_to_sign_in(client, query):
    start(client)  # a real sign-in waits in this session; none of these may finish it
    answer = client.get(reverse("accounts:sso_callback"), query)
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("accounts:sign_in"))
    assert signed_in_user(client) is None


def test_role_values_are_read_from_the_environment():
    from lms_site.tests.settings_probe import read_in_subprocess

    script = "import django, json; django.setup(); from django.conf import settings; " + (
        "print(json.dumps({k: sorted(v) for k, v in settings.OIDC_ROLE_VALUES.items()}))"
    )
    values = read_in_subprocess(
        script,
        "lms_site.settings.dev",
        {"OIDC_ROLE_VALUES": "trainer=lms-trainers, trainer=teachers,admin=lms-admins"},
        lambda name: name.startswith("OIDC_"),
    )
    assert values == {"trainer": ["lms-trainers", "teachers"], "admin": ["lms-admins"]}
    with pytest.raises(RuntimeError, match="OIDC_ROLE_VALUES"):
        read_in_subprocess(script, "lms_site.settings.dev", {"OIDC_ROLE_VALUES": "owner=boss"}, lambda name: False)
