from urllib.parse import parse_qs, urlsplit

import pytest

from lti.models import LtiPlatform

from .platform import SimulatedPlatform


@pytest.fixture(scope="session")
def simulated_platform():
    platform = SimulatedPlatform()
    yield platform
    platform.stop()


@pytest.fixture
def platform(simulated_platform):
    simulated_platform.scores.clear()
    simulated_platform.token_requests.clear()
    return simulated_platform


@pytest.fixture
def registration(db, platform):
    return LtiPlatform.objects.create(
        name="Moodle of the tests",
        issuer=platform.issuer,
        client_id=platform.client_id,
        deployment_ids=f"other-deployment\n{platform.deployment_id}\n",
        auth_login_url=f"{platform.url}/auth",
        auth_token_url=f"{platform.url}/token",
        key_set_url=f"{platform.url}/jwks",
    )


class Browser:
    """A person's browser going through the platform's login and launch, as the platform would drive it."""

    def __init__(self, client, platform):
        self.client = client
        self.platform = platform

    def start_login(self, *, method="post", **params):
        data = {
            "iss": self.platform.issuer,
            "login_hint": "hint-1",
            "target_link_uri": "https://learnwell.example/",
            "client_id": self.platform.client_id,
            "lti_message_hint": "message-hint",
            **params,
        }
        return getattr(self.client, method)("/lti/login/", data)

    def login(self):
        """The login initiation; returns the state and nonce the platform received in the redirect."""
        response = self.start_login()
        assert response.status_code == 302, response.content
        location = urlsplit(response["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == f"{self.platform.url}/auth"
        query = {name: values[0] for name, values in parse_qs(location.query).items()}
        assert query["client_id"] == self.platform.client_id
        assert query["redirect_uri"] == "http://testserver/lti/launch/"
        assert query["response_mode"] == "form_post"
        return query["state"], query["nonce"]

    def launch(self, *, changes=None, drop=(), key=None, nonce=None, state=None):
        login_state, login_nonce = self.login()
        token = self.platform.id_token(nonce=nonce or login_nonce, key=key, changes=changes, drop=drop)
        return self.post_launch(token, state or login_state)

    def post_launch(self, token, state):
        return self.client.post("/lti/launch/", {"id_token": token, "state": state})


@pytest.fixture
def browser(client, platform, registration):
    return Browser(client, platform)
