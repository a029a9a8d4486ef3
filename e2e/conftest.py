"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server."""

import os
import re
import shutil
import warnings
from functools import cache
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


# axe-core, vendored (e2e/vendor/axe-core/README.md): the WCAG 2.0 and 2.1 rules of levels A and AA.
AXE_SOURCE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_FAILING_IMPACTS = {"serious", "critical"}
# Colours measured mid-transition (a message fading in) are not the page's colours: wait for finite animations
# to end, two seconds at most, before axe looks.
SETTLE_ANIMATIONS = """() => Promise.race([
  Promise.all(document.getAnimations()
    .filter(animation => animation.effect?.getComputedTiming().endTime !== Infinity)
    .map(animation => animation.finished.catch(() => null))),
  new Promise(resolve => setTimeout(resolve, 2000)),
])"""


# Violations on Wagtail's own admin screens that come from Wagtail's markup, not Learnwell's: tolerated there only
# (allow=WAGTAIL_ALLOWED), and only where every element axe names is inside the Wagtail component given by the
# CSS selector; reported like moderate findings. Rule id: (selector, why it is Wagtail's).
WAGTAIL_ALLOWED: dict[str, tuple[str, str]] = {
    "aria-input-field-name": (
        ".Draftail-Editor",
        "the page editor's rich-text fields are Draftail editors (Wagtail's), whose role=textbox element has no "
        "accessible name of its own; the field's <label> is not tied to it",
    ),
}
# wagtail-localize's translation editor (a React app it mounts in .js-translation-editor, styled by its own
# styled-components): Wagtail's allowances, plus two of wagtail-localize's own markup, on that screen only.
TRANSLATION_EDITOR_ALLOWED: dict[str, tuple[str, str]] = {
    **WAGTAIL_ALLOWED,
    "color-contrast": (
        ".js-translation-editor h3",
        "wagtail-localize's segment field labels (its BlockLabel <h3>) are drawn in Wagtail's information teal "
        "on white, 2.7:1",
    ),
    "label": (
        ".js-translation-editor input[type=file], .js-translation-editor textarea",
        "wagtail-localize's PO upload <input type=file> and the textarea it opens to translate a segment have no "
        "label; the segment's source text above says what is being translated",
    ),
}


class AccessibilityNote(UserWarning):
    """A moderate or minor axe finding: shown in the warnings summary of the test run, never a failure."""


@cache
def _axe_source() -> str:
    return AXE_SOURCE.read_text(encoding="utf-8")


def _describe(violation: dict, *, targets: int = 3) -> str:
    nodes = violation["nodes"]
    shown = ", ".join(" ".join(map(str, node["target"])) for node in nodes[:targets])
    more = f" (+{len(nodes) - targets} more)" if len(nodes) > targets else ""
    return f"{violation['id']} [{violation['impact']}] {violation['help']}: {shown}{more}"


def _first_node(violation: dict) -> str:
    """The first offending element and axe's account of what is wrong with it (the contrast ratio, the missing
    name), on one line."""
    node = violation["nodes"][0]
    summary = " ".join((node.get("failureSummary") or "").split())
    return f"{node['html'][:300]} -- {summary[:500]}"


def _allowed(page: Page, violation: dict, allow: dict[str, tuple[str, str]]) -> bool:
    if violation["id"] not in allow:
        return False
    inside = allow[violation["id"]][0]
    targets = [node["target"] for node in violation["nodes"]]
    # A target of more than one selector is inside a frame or a shadow root: never Wagtail's markup here.
    return all(len(target) == 1 for target in targets) and page.evaluate(
        "([targets, inside]) => targets.every(t => document.querySelector(t)?.closest(inside))",
        [[target[0] for target in targets], inside],
    )


def check_accessibility(page: Page, name: str, *, allow: dict[str, tuple[str, str]] | None = None) -> list[dict]:
    """Runs axe-core's WCAG 2.1 A/AA rules on what the page shows now; fails on a serious or critical violation.

    axe is evaluated through the DevTools protocol, not added as a <script>: the site's Content-Security-Policy
    refuses inline scripts, and evaluated code is not subject to it. Every frame gets its own copy, so axe
    can look inside iframes (the lesson preview, SCORM) instead of waiting for frames that never answer.
    `allow` tolerates violations that come from library markup (see WAGTAIL_ALLOWED); they are reported like
    moderate ones. Returns every violation found.
    """
    __tracebackhide__ = True  # a failure points at the test's line, with the violations as its message
    # A click just before may have started a navigation: axe must run on the page it leads to, not on a
    # document torn down half-way through the run.
    page.wait_for_load_state("load")
    source = _axe_source()
    for frame in page.frames:
        try:
            frame.evaluate(source)
        except Exception:  # noqa: BLE001, S112 -- a frame that went away or cannot run scripts is left out
            continue
    page.evaluate(SETTLE_ANIMATIONS)
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    results = page.evaluate("options => axe.run(document, options)", options)
    violations: list[dict] = results["violations"]
    allow = allow or {}
    allowed = [v["id"] for v in violations if _allowed(page, v, allow)]
    failing = [v for v in violations if v["impact"] in AXE_FAILING_IMPACTS and v["id"] not in allowed]
    for violation in violations:
        if violation not in failing:
            reason = f" (allowed: {allow[violation['id']][1]})" if violation["id"] in allowed else ""
            warnings.warn(f"{name} ({page.url}): {_describe(violation)}{reason}", AccessibilityNote, stacklevel=2)
    if failing:
        pytest.fail(
            f"{len(failing)} serious or critical accessibility violation(s) on {name} ({page.url}):\n"
            + "\n".join(f"- {_describe(v)}\n    {_first_node(v)}" for v in failing)
        )
    return violations


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
