"""Starts the test identity provider (Django's development server in a child process) and stops it."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

SETTINGS = "accounts.tests.oidc_provider_site.settings"
ROOT = Path(__file__).resolve().parents[3]  # the repository, so `accounts.tests...` imports in the child


PASSWORD = "provider-password"
CLIENT_SECRET = "learnwell-client-secret"
# Learnwell as the provider knows it (the test client's host), and a client whose tokens are HMAC-signed.
CLIENTS = [
    {"client_id": "learnwell", "secret": CLIENT_SECRET, "redirect_uris": ["http://testserver/accounts/sso/callback/"]},
    {
        "client_id": "learnwell-hs256",
        "secret": CLIENT_SECRET,
        "redirect_uris": ["http://testserver/accounts/sso/callback/"],
        "jwt_alg": "HS256",
    },
]


def _person(username: str, *groups: str, email: str = "") -> dict:
    return {
        "username": username,
        "password": PASSWORD,
        "email": email or f"{username}@example.com",
        "first_name": username.title(),
        "last_name": "Tester",
        "groups": list(groups),
    }


# The people at the provider; "token:..." groups make it sign a faulty token for them (claims.py).
PEOPLE = [
    _person("ada"),
    _person("grace", email="Grace.Existing@Example.com"),
    _person("tom", "lms-trainers"),
    _person("root", "lms-admins", "staff"),
    _person("banned"),
    _person("unverified", "unverified-email"),
    _person("otheraudience", "token:other-audience"),
    _person("otherissuer", "token:other-issuer"),
    _person("expired", "token:expired"),
    _person("noexpiry", "token:no-expiry"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class IdentityProvider:
    """One provider process with its own SQLite file under `directory`."""

    def __init__(self, directory: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.issuer = f"{self.url}/openid"
        self._environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "OIDC_TEST_SITE_URL": self.url,
            "OIDC_TEST_DATABASE": str(directory / "provider.sqlite3"),
            "PYTHONPATH": str(ROOT),
        }
        # The child must not inherit Learnwell's database or cache settings' meaning for itself.
        for name in ("DATABASE_URL", "REDIS_URL"):
            self._environment.pop(name, None)
        self._log = open(directory / "provider.log", "wb")  # noqa: SIM115 (closed in stop)
        self._process: subprocess.Popen | None = None

    def configure(self, *, clients=(), people=()) -> None:
        """Adds or updates clients and people; also while the provider runs (it reads them per request)."""
        spec = json.dumps({"clients": list(clients), "people": list(people)})
        subprocess.run(
            [sys.executable, "-m", "accounts.tests.oidc_provider_site.setup", spec],
            env=self._environment,
            cwd=ROOT,
            check=True,
            stdout=self._log,
            stderr=self._log,
        )

    def start(self) -> None:
        command = [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{self.port}", "--noreload"]
        self._process = subprocess.Popen(command, env=self._environment, cwd=ROOT, stdout=self._log, stderr=self._log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                discovery = f"{self.issuer}/.well-known/openid-configuration"  # always http://127.0.0.1
                with urllib.request.urlopen(discovery, timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except OSError:
                if self._process.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the test identity provider did not start; see {self._log.name}")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._log.close()
