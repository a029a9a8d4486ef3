"""Without a mouse, and without sight: a learner goes from signing in to the certificate with the keyboard alone,
always seeing where the focus is; the quiz timer and the points toasts speak without taking the focus; and a
reader who asked for less motion gets none.

The journey uses only Tab, Shift+Tab, Enter, Space and typing: no clicks, no fill(). Navigating to an address
(page.goto) stands for typing it in the address bar.
"""

import io
import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader

from accounts.models import User
from assessments import services as assessment_services
from assessments.models import AssessmentPage, Attempt
from assessments.tests.factories import make_assessment, option, question
from courses.models import CourseIndexPage, CoursePage, LessonPage
from courses.tests.factories import make_course
from e2e.conftest import check_accessibility, sign_in
from gamification import services as gamification_services
from learning import services as learning_services

pytestmark = pytest.mark.e2e

COURSE = "Keyboard Basics"
QUIZ = "Keyboard check"
MAX_TABS = 150  # more than any page here has focusable elements: reaching it means the target is not reachable

# What the focused element looks like: whether it is on screen and whether the focus shows on it. Each element
# is remembered when first focused, so coming back to one means Tab went round without finding the target.
FOCUS_STATE = """() => {
  const seen = (window.keyboardSeen ??= new WeakSet());
  const element = document.activeElement;
  if (!element || element === document.body || element === document.documentElement) return { body: true };
  const again = seen.has(element);
  seen.add(element);
  const style = getComputedStyle(element);
  const box = element.getBoundingClientRect();
  const onScreen = box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
    && box.top < window.innerHeight && box.left < window.innerWidth;
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const ring = style.boxShadow !== "none";
  return {
    body: false,
    again,
    frame: element.tagName === "IFRAME",
    visible: onScreen && element.checkVisibility({ opacityProperty: true, visibilityProperty: true }),
    indicator: outline || ring,
    html: element.outerHTML.slice(0, 200),
  };
}"""


def is_focused(target: Locator) -> bool:
    return target.evaluate_all("elements => elements.includes(document.activeElement)")


def tab_to(page: Page, target: Locator, *, backwards: bool = False) -> None:
    """Presses Tab (or Shift+Tab) until `target` has the focus. Every stop must be visible with a visible focus
    indicator, and every press must move the focus on (no trap); going round the page without meeting the
    target, or MAX_TABS presses, fails."""
    __tracebackhide__ = True
    key = "Shift+Tab" if backwards else "Tab"
    if is_focused(target):  # a field the page focused itself (autofocus)
        return
    page.evaluate("() => { window.keyboardSeen = new WeakSet(); }")
    left_the_page = 0
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        state = page.evaluate(FOCUS_STATE)
        if state["body"]:
            # Past the last element the focus leaves the page once (for the browser's own controls).
            left_the_page += 1
            assert left_the_page < 2, f"{key} went round {page.url} without reaching {target}"
            continue
        if state["frame"]:
            continue  # inside an embedded frame: its own document moves the focus on
        assert not state["again"], f"{key} came back to {state['html']} without reaching {target}"
        assert state["visible"], f"the focused element is not visible: {state['html']}"
        assert state["indicator"], f"the focused element shows no focus indicator: {state['html']}"
        if is_focused(target):
            return
    pytest.fail(f"{MAX_TABS} presses of {key} did not reach {target} on {page.url}")


def activate(page: Page, target: Locator, key: str = "Enter") -> None:
    tab_to(page, target)
    page.keyboard.press(key)


def type_into(page: Page, field: Locator, text: str) -> None:
    tab_to(page, field)
    page.keyboard.type(text)


def wait_for(page: Page, condition, seconds: float = 5) -> None:
    """Waits for a message from the page: an exposed function is called asynchronously, and only while
    Playwright is waiting on something (not in a plain sleep)."""
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "the page did not report in time"
        page.wait_for_timeout(50)


def saved(form: Locator) -> None:
    """Waits for the question's autosave to answer (its status says "Saved")."""
    expect(form.get_by_role("status")).to_have_text("Saved")


@pytest.fixture
def keyboard_course(demo_site) -> CoursePage:
    """A free course of two lessons and a required quiz; completing it gives a certificate."""
    course = make_course(
        CourseIndexPage.objects.originals().get(),
        title=COURSE,
        modules=1,
        lessons_per_module=2,
        trainer=User.objects.get(username="trainer"),
    )
    quiz = make_assessment(
        course,
        title=QUIZ,
        slug="keyboard-check",
        questions=[
            question(
                "single_choice",
                prompt="<p>Which key moves the focus on?</p>",
                options=[option("Tab", True), option("Alt")],
            ),
            question(
                "short_text", prompt="<p>Which key ticks a checkbox?</p>", accepted=["space"], case_sensitive=False
            ),
        ],
        pass_mark=50,
        is_required=True,
    )
    quiz.save_revision().publish()
    assert course.issues_certificate
    return course


def test_keyboard_only_from_sign_in_to_certificate(page: Page, live_server, keyboard_course, tmp_path):
    base = live_server.url
    first, second = LessonPage.objects.live().descendant_of(keyboard_course).order_by("path")

    page.goto(base + "/accounts/sign-in/")
    type_into(page, page.get_by_label("E-mail or username"), "learner")
    type_into(page, page.get_by_label("Password"), "learnwell-learner")
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/accounts/sign-in/"))

    page.goto(base + "/courses/")
    activate(page, page.locator("main").get_by_role("link", name=COURSE))
    expect(page.get_by_role("heading", level=1)).to_have_text(COURSE)
    activate(page, page.get_by_role("button", name="Enrol for free"))
    expect(page).to_have_url(re.compile(re.escape(first.url) + "$"))

    activate(page, page.get_by_role("button", name="Mark complete"))
    expect(page.locator("#lesson-actions")).to_contain_text("Lesson completed")
    activate(page, page.get_by_role("link", name=re.compile("^Next lesson")))
    expect(page.locator("#lesson-swap").get_by_role("heading", level=1)).to_have_text(second.title)
    activate(page, page.get_by_role("button", name="Mark complete"))
    expect(page.locator("#lesson-actions")).to_contain_text("Lesson completed")

    outline = page.get_by_role("navigation", name="Course outline")
    activate(page, outline.get_by_role("link", name=re.compile(QUIZ)))
    expect(page.get_by_role("heading", level=1)).to_have_text(QUIZ)
    activate(page, page.get_by_role("button", name="Start the assessment"))
    expect(page.get_by_role("heading", name="Attempt 1")).to_be_visible()

    choice = page.locator("#attempt-questions form").filter(has_text="moves the focus")
    tab_to(page, choice.get_by_label("Tab", exact=True))
    page.keyboard.press("Space")
    saved(choice)
    expect(choice.get_by_label("Tab", exact=True)).to_be_checked()
    text = page.locator("#attempt-questions form").filter(has_text="ticks a checkbox")
    type_into(page, text.get_by_label("Your answer"), "Space")
    page.keyboard.press("Tab")  # leaving the field saves it
    saved(text)
    activate(page, page.get_by_role("button", name="Submit attempt"))
    expect(page.get_by_text("Passed", exact=True).first).to_be_visible()

    activate(page, page.locator("header").get_by_role("link", name="My learning"))
    certificates = page.get_by_role("region", name="Certificates")
    download_link = certificates.get_by_role("link", name="Download certificate (PDF)")
    expect(download_link).to_be_visible(timeout=10_000)
    tab_to(page, download_link)
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    pdf_path = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf_path)
    assert COURSE in PdfReader(io.BytesIO(pdf_path.read_bytes())).pages[0].extract_text()


def test_shift_tab_walks_back_visibly(page: Page, live_server, demo_site):
    """Shift+Tab from the end of the sign-in form reaches the skip link, every stop visibly focused."""
    page.goto(live_server.url + "/accounts/sign-in/")
    tab_to(page, page.get_by_role("button", name="Sign in"))
    tab_to(page, page.get_by_role("link", name="Skip to main content"), backwards=True)


# The live region's text each time it changes, with the visible clock at that moment; kept in Python so the
# record survives the page going to the result when the time is up.
WATCH_ANNOUNCER = """() => {
  const region = document.querySelector("[data-countdown-announcer]");
  const clock = document.querySelector("[data-countdown]");
  new MutationObserver(() => window.recordAnnouncement(region.textContent, clock.textContent))
    .observe(region, { childList: true, characterData: true, subtree: true });
}"""


def timed_attempt(page: Page, live_server) -> tuple[AssessmentPage, Attempt]:
    """The demo learner, signed in, with a six-minute attempt just started."""
    learner = User.objects.get(username="learner")
    course = make_course(
        CourseIndexPage.objects.originals().get(), title="Timed course", trainer=User.objects.get(username="trainer")
    )
    quiz = make_assessment(course, title="Timed check", slug="timed-check", time_limit_minutes=6)
    quiz.save_revision().publish()
    learning_services.enroll(user=learner, course=course)
    attempt = assessment_services.start_attempt(user=learner, assessment=quiz)
    sign_in(page, live_server.url, "learner", "learnwell-learner")
    return quiz, attempt


def test_the_timer_speaks_at_thresholds_only(page: Page, live_server, demo_site):
    quiz, attempt = timed_attempt(page, live_server)

    heard: list[tuple[str, str]] = []
    page.expose_function("recordAnnouncement", lambda text, clock: heard.append((text, clock)))
    # The page's clock, started now: running it on makes the six minutes pass in no time.
    page.clock.install(time=timezone.now())
    page.goto(live_server.url + quiz.url)
    clock = page.locator("[data-countdown]")
    announcer = page.locator("[data-countdown-announcer]")
    expect(clock).to_have_attribute("aria-live", "off")  # the visible seconds are not read out
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(announcer).to_have_text("")
    assert attempt.deadline_at is not None and attempt.deadline_at - timezone.now() > timedelta(minutes=5)
    page.evaluate(WATCH_ANNOUNCER)
    focused_before = page.evaluate("() => document.activeElement.outerHTML.slice(0, 80)")

    page.clock.run_for("04:30")
    wait_for(page, lambda: len(heard) >= 1)
    assert heard == [("5 minutes left", "5:00")], heard
    assert page.evaluate("() => document.activeElement.outerHTML.slice(0, 80)") == focused_before
    page.clock.run_for("01:00")
    wait_for(page, lambda: len(heard) >= 2)
    assert heard[1:] == [("1 minute left", "1:00")], heard
    page.clock.run_for("01:00")
    wait_for(page, lambda: len(heard) >= 3)
    assert heard[2:] == [("Time is up", "0:00")], heard
    # When the time is up the attempt goes in by itself.
    expect(page.get_by_role("button", name="Submit attempt")).to_have_count(0)
    assert len(heard) == 3, heard


def test_the_timer_works_without_the_catalogue(page: Page, live_server, demo_site):
    """The strings' catalogue failing to load leaves the timer working, in English."""
    quiz, _ = timed_attempt(page, live_server)
    page.route(re.compile(r"/jsi18n/$"), lambda route: route.abort())
    page.clock.install(time=timezone.now())
    page.goto(live_server.url + quiz.url)
    assert page.evaluate("() => typeof window.gettext") == "undefined"
    expect(page.locator("[data-countdown]")).to_have_text(re.compile(r"^[56]:\d\d$"))
    page.clock.run_for("01:30")
    expect(page.locator("[data-countdown-announcer]")).to_have_text("5 minutes left")


def test_toasts_speak_politely_and_hold_still_when_asked(page: Page, live_server, demo_site):
    learner = User.objects.get(username="learner")
    gamification_services.adjust_points(user=learner, points=5, reason="Kind words", by=None)
    page.emulate_media(reduced_motion="reduce")
    sign_in(page, live_server.url, "learner", "learnwell-learner")
    page.goto(live_server.url + "/learning/")
    focused_before = page.evaluate("() => document.activeElement.outerHTML.slice(0, 80)")

    toasts = page.locator("#toasts")
    expect(toasts).to_have_attribute("aria-live", "polite")
    toast = toasts.locator(".toast").filter(has_text="Kind words")
    expect(toast).to_be_visible()
    expect(toast).to_have_attribute("role", "status")
    assert page.evaluate("() => document.activeElement.outerHTML.slice(0, 80)") == focused_before
    style = toast.evaluate(
        "el => { const s = getComputedStyle(el); return [s.animationName, s.animationDuration, s.transitionDuration]; }"
    )
    assert style[0] == "none" and style[2] == "0s", style
    button = toast.locator("[data-dismiss-toast]")
    assert button.evaluate("el => getComputedStyle(el).transitionDuration") == "0s"
    check_accessibility(page, "the dashboard with a toast, less motion")

    # Without the wish for less motion the toast rises into view: the rule above is what stops it.
    page.emulate_media(reduced_motion="no-preference")
    assert toast.evaluate("el => getComputedStyle(el).animationName") == "toast-in"
