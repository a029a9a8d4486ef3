"""The Content-Security-Policy in a real browser: the main pages, anonymous and signed in, load and work (htmx
swaps, the lesson player, toasts, the Wagtail page editor) without one violation or console error."""

import re

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import Page, expect

from courses.models import CoursePage, LessonPage
from e2e.conftest import WAGTAIL_ALLOWED, check_accessibility
from lms_site.tests.stores import local_store
from media_pipeline.models import VideoAsset
from media_pipeline.services import push_to_backend

pytestmark = pytest.mark.e2e

PYTHON_COURSE = "python-for-data-analysis"
PRACTICE_QUIZ = "Practice quiz: working with data"
# An MP4 header the upload checks accept; the browser need not be able to play it for the player script to start.
FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 40

# Reports every violation from every frame back to the test; runs before any page script.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation({
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
    page: document.location.href,
  });
}, true);
"""


class CspWatch:
    def __init__(self, page: Page):
        self.page = page
        self.violations: list[dict] = []
        self.console: list[str] = []
        page.expose_function("reportCspViolation", self._violation)
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console.append(f"pageerror on {page.url}: {error}"))

    def _violation(self, report: dict):
        self.violations.append(report)

    def _console(self, message):
        text = message.text
        if (message.location.get("url") or "").endswith("/favicon.ico"):
            return  # the site has no favicon; Chromium asks for one anyway and logs the 404
        if message.type == "error" or "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.console.append(f"{message.type} on {self.page.url}: {text} ({message.location.get('url')})")

    def visit(self, url: str, *, site: bool = True):
        """Opens url, checks the policy it came with, and waits for the page's scripts to have run."""
        response = self.page.goto(url)
        assert response is not None and response.ok, f"{url} answered {response and response.status}"
        enforced = response.header_value("content-security-policy")
        assert enforced, f"{url} has no enforced Content-Security-Policy"
        assert response.header_value("content-security-policy-report-only") is None
        directives = {name: rest for name, _, rest in (part.strip().partition(" ") for part in enforced.split(";"))}
        if site:
            assert directives["script-src"] == "'self'", enforced
            assert directives["style-src"] == "'self'", enforced
        self.page.wait_for_load_state("load")
        return response

    def assert_clean(self):
        # Violations are reported asynchronously: give the last page a moment to report its own.
        self.page.wait_for_timeout(300)
        assert self.violations == [], self.violations
        assert self.console == [], self.console


@pytest.fixture
def watch(page: Page) -> CspWatch:
    return CspWatch(page)


def sign_in(watch: CspWatch, base_url: str, username: str, password: str, *, next_path: str = "/") -> None:
    page = watch.page
    watch.visit(f"{base_url}/accounts/sign-in/?next={next_path}")
    page.get_by_label("E-mail or username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/sign-in/"))


def test_anonymous_pages_load_without_violations(watch: CspWatch, live_server, demo_site):
    base = live_server.url
    page = watch.page
    course = CoursePage.objects.get(slug=PYTHON_COURSE)
    preview = LessonPage.objects.live().descendant_of(course).filter(is_free_preview=True).first()

    for path in (
        "/",
        "/for-teams/",
        "/courses/",
        course.url,
        preview.url,
        "/accounts/sign-in/",
        "/accounts/sign-up/",
        "/accounts/password-reset/",
        "/certificates/verify/",
    ):
        watch.visit(base + path)
        check_accessibility(page, path)
    # htmx is loaded and running: its own script tag and the indicator <style> it would inject are not refused.
    assert page.evaluate("typeof htmx !== 'undefined' && htmx.config.includeIndicatorStyles === false")
    # The catalogue's search filters with htmx: the page stays, the results change.
    watch.visit(base + "/courses/")
    page.evaluate("window.sameDocument = true")
    page.locator("#id_q").fill("Django")
    results = page.locator("#catalogue-results")
    expect(results.get_by_text("Python for Data Analysis")).to_have_count(0)
    expect(results.get_by_text("Building Web Apps with Django").first).to_be_visible()
    assert page.evaluate("window.sameDocument") is True, "the search reloaded the page"
    watch.assert_clean()


def test_learner_pages_htmx_and_the_lesson_player_work_under_the_policy(
    watch: CspWatch, live_server, demo_site, settings, tmp_path
):
    local_store(settings, "media_private", tmp_path)
    settings.IMAGEKIT_PRIVATE_KEY = settings.IMAGEKIT_URL_ENDPOINT = ""
    base = live_server.url
    page = watch.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    course = CoursePage.objects.get(slug=PYTHON_COURSE)
    first, second, *_ = LessonPage.objects.live().descendant_of(course).order_by("path")
    asset = VideoAsset(title="Welcome video", content_type="video/mp4", size_bytes=len(FAKE_MP4))
    asset.file.save("clip.mp4", ContentFile(FAKE_MP4), save=False)
    asset.save()
    asset = push_to_backend(asset=asset, final_attempt=True)
    second.body = [
        *[{"type": block.block_type, "value": block.block.get_prep_value(block.value)} for block in second.body],
        {"type": "video_asset", "value": {"asset": asset.pk, "complete_at_percent": 90}},
    ]
    second.save_revision().publish()

    sign_in(watch, base, "learner", "learnwell-learner")
    watch.visit(base + course.url)
    page.get_by_role("button", name="Enrol for free").click()  # htmx POST answered with HX-Redirect
    expect(page).to_have_url(re.compile(re.escape(base + first.url) + "$"))
    # The URL changes as soon as the new document starts: until htmx has run, "Mark complete" is a plain form
    # that reloads the page, which is what this test must catch, not cause.
    page.wait_for_load_state("load")

    # Mark complete swaps the lesson's actions and the outline with htmx, then toasts arrive by htmx too.
    page.evaluate("window.sameDocument = true")
    page.get_by_role("button", name="Mark complete").click()
    expect(page.locator("#lesson-actions")).to_contain_text("Lesson completed")
    expect(page.locator("#course-progress").get_by_role("progressbar")).to_have_attribute("aria-valuenow", "25")
    toasts = page.locator("#toasts .toast")
    expect(toasts.first).to_be_visible()
    before = toasts.count()
    toasts.first.get_by_role("button", name="Dismiss").click()  # a listener in toasts.js, not onclick=
    expect(toasts).to_have_count(before - 1)

    # The sidebar opens the next lesson with htmx; its video player script starts.
    page.get_by_role("navigation", name="Course outline").get_by_role("link", name=second.title).click()
    expect(page).to_have_url(re.compile(re.escape(base + second.url) + "$"))
    expect(page.locator("figure[data-video-player] video")).to_have_count(1)
    page.wait_for_function("() => window.learnwellVideoPlayers !== undefined")
    assert page.evaluate("window.sameDocument") is True, "the htmx navigation reloaded the page"

    # The same lesson loaded as a whole page: the player script from its own <script src>.
    watch.visit(base + second.url)
    page.wait_for_function("() => window.learnwellVideoPlayers !== undefined")
    check_accessibility(page, "a lesson with a video")

    # The dashboard's progress bars and badge progress are SVG, not style="width: …".
    watch.visit(base + "/learning/")
    bar = page.locator("#main [role=progressbar] rect").first
    expect(bar).to_be_attached()
    check_accessibility(page, "the learner's dashboard")
    watch.visit(base + "/gamification/leaderboard/")
    check_accessibility(page, "the leaderboard")

    # The assessment page, an attempt started and an answer autosaved with htmx.
    quiz = course.get_descendants().live().get(title=PRACTICE_QUIZ)
    watch.visit(base + quiz.url)
    check_accessibility(page, "an assessment before an attempt")
    page.get_by_role("button", name="Start the assessment").click()
    expect(page.get_by_role("heading", name="Attempt 1")).to_be_visible()
    # Starting is a plain POST and a new document: the heading shows before htmx has run and bound the autosave.
    page.wait_for_load_state("load")
    form = page.locator("#attempt-questions form").filter(has_text="Which module reads CSV files")

    # Only the answer's own save: the page also POSTs for point toasts whenever it likes.
    def is_answer_save(response):
        return response.request.method == "POST" and response.url.endswith("/answer/")

    with page.expect_response(is_answer_save) as saved:
        form.get_by_label("csv", exact=True).check()
    assert saved.value.status == 200
    expect(form.get_by_role("status")).to_have_text("Saved")

    # The profile's calendar feed: copying the address is a listener in site.js, not onclick=.
    watch.visit(base + "/accounts/profile/")
    check_accessibility(page, "the profile")
    copy = page.get_by_role("button", name="Copy")
    copy.click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()").startswith("http")
    watch.assert_clean()


def test_admin_and_page_editor_load_without_violations(watch: CspWatch, live_server, demo_site):
    base = live_server.url
    page = watch.page
    course = CoursePage.objects.get(slug=PYTHON_COURSE)
    lesson = LessonPage.objects.live().descendant_of(course).order_by("path").first()

    sign_in(watch, base, "admin", "learnwell-admin", next_path="/admin/")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    for path, allow in (
        ("/admin/", WAGTAIL_ALLOWED),
        (f"/admin/pages/{course.pk}/", WAGTAIL_ALLOWED),
        ("/admin/analytics/", None),  # Learnwell's own view: nothing allowed
    ):
        watch.visit(base + path, site=False)
        check_accessibility(page, path, allow=allow)

    # The page editor, with its StreamField, date pickers (inline scripts of Wagtail's) and the preview panel.
    watch.visit(f"{base}/admin/pages/{lesson.pk}/edit/", site=False)
    expect(page.locator("#id_title")).to_have_value(lesson.title)
    check_accessibility(page, "the page editor", allow=WAGTAIL_ALLOWED)
    page.get_by_role("button", name="Toggle preview").click()
    preview = page.frame_locator("#w-preview-iframe")
    expect(preview.get_by_role("heading", level=1)).to_have_text(lesson.title)

    # The site as an editor sees it, with Wagtail's user bar.
    watch.visit(base + lesson.url)
    expect(page.locator("wagtail-userbar")).to_be_attached()
    check_accessibility(page, "a lesson with Wagtail's user bar")
    watch.assert_clean()


def test_trainer_pages_load_without_violations(watch: CspWatch, live_server, demo_site):
    base = live_server.url
    course = CoursePage.objects.get(slug=PYTHON_COURSE)
    sign_in(watch, base, "trainer", "learnwell-trainer")
    expect(watch.page).to_have_url(f"{base}/learning/teaching/")  # the trainer home, reached from sign-in
    for path in (
        "/learning/teaching/",
        f"/learning/courses/{course.pk}/learners/?show=inactive&sort=activity",
        f"/assessments/courses/{course.pk}/grading/",
        f"/assessments/courses/{course.pk}/gradebook/",
    ):
        watch.visit(base + path)
        check_accessibility(watch.page, path)
    watch.assert_clean()
