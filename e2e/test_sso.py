"""Single sign-on in Chromium against the real test identity provider: a newcomer follows "Sign in with Acme ID",
signs in at the provider and arrives on their dashboard with an account; a banned person is turned back with the
same message a password sign-in gives."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import ExternalIdentity, User
from accounts.services import BANNED_MESSAGE
from accounts.tests.factories import UserFactory
from accounts.tests.oidc_provider_site.server import CLIENT_SECRET, CLIENTS, PASSWORD
from e2e.conftest import DESKTOP, artefact_path

pytestmark = pytest.mark.e2e


@pytest.fixture
def provider_for_live_server(single_sign_on, live_server):
    """The provider accepts the live server's callback too (the test client's stays for the other tests)."""
    callback = f"{live_server.url}/accounts/sso/callback/"
    clients = [{**client, "redirect_uris": [*client["redirect_uris"], callback]} for client in CLIENTS]
    single_sign_on.configure(clients=clients)
    return single_sign_on


def sign_in_at_provider(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/sign-in/")
    page.get_by_role("link", name="Sign in with Acme ID").click()
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()


def test_newcomer_signs_in_with_the_provider_and_a_banned_person_is_refused(
    page: Page, live_server, provider_for_live_server, demo_site
):
    assert CLIENT_SECRET  # the provider and Learnwell share the client's secret (conftest's single_sign_on)
    base = live_server.url
    page.set_viewport_size(DESKTOP)

    sign_in_at_provider(page, base, "ada")
    expect(page).to_have_url(re.compile(r"/learning/$"))
    page.screenshot(path=artefact_path("sso-dashboard-desktop.png"), full_page=True)
    ada = User.objects.get(email="ada@example.com")
    assert ExternalIdentity.objects.filter(user=ada).exists()
    expect(page.get_by_role("banner")).to_contain_text("Ada")

    page.context.clear_cookies()
    UserFactory(username="banned_local", email="banned@example.com", is_banned=True)
    sign_in_at_provider(page, base, "banned")
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/"))
    expect(page.get_by_text(str(BANNED_MESSAGE))).to_be_visible()
    page.screenshot(path=artefact_path("sso-banned-desktop.png"), full_page=True)
