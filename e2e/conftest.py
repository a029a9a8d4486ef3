"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server."""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import Page, ViewportSize, expect

from conftest import SERIALIZED_TEST_DB

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"

# Screenshots the tests take for people to look at (desktop 1366 x 768, phone 390 x 844); CI keeps var/.
ARTEFACTS = Path(os.environ.get("E2E_ARTEFACTS", Path(__file__).resolve().parent.parent / "var" / "e2e-artefacts"))
DESKTOP: ViewportSize = {"width": 1366, "height": 768}
PHONE: ViewportSize = {"width": 390, "height": 844}


def sign_in(page: Page, base_url: str, username: str, password: str, *, next_path: str | None = None) -> None:
    """Signs in through the sign-in form and waits until the site has moved on from it."""
    page.goto(f"{base_url}/accounts/sign-in/" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("E-mail or username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/sign-in/"))


def artefact_path(name: str) -> str:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return str(ARTEFACTS / name)


def pytest_collection_modifyitems(config, items):
    # With pytest-xdist (--dist loadgroup), every browser test goes to the same worker, so only one Chromium and
    # one live server compete for the CPU with the other worker's tests: browser waits are the most
    # timing-sensitive steps of the suite.
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(pytest.mark.xdist_group("browser"))
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("E2E_REQUIRED"):
        raise pytest.UsageError(f"E2E_REQUIRED is set but no Chromium at {CHROMIUM}")
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}: run `make system-deps` to install it")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _orm_beside_playwright():
    """Playwright's sync API keeps an event loop running in the test thread; the ORM calls the tests
    make to set up data are still synchronous, so Django's async guard has nothing to protect here."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session", autouse=True)
def _restorable_database(playwright, django_db_setup, _orm_beside_playwright):
    """Hands the playwright context's connection the copy of the migrated database (see ../conftest.py),
    so each test's setup can restore it after an earlier transactional test flushed the tables."""
    if not getattr(connection, "_test_serialized_contents", None):
        connection._test_serialized_contents = SERIALIZED_TEST_DB.get("default")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        # The machine has no internet: stop Chromium's background calls home.
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def demo_site(transactional_db, django_db_serialized_rollback, demo_content):
    """The demo content a newcomer sees after `make run` (see ../conftest.py DemoSite)."""
