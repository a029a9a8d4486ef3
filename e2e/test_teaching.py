"""A trainer's home after signing in, and the gradebook on a desktop and on a phone."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from assessments import services as assessment_services
from assessments.models import AssessmentPage
from courses.models import CoursePage
from e2e.conftest import DESKTOP, PHONE, artefact_path
from learning.models import Enrollment
from scheduling.models import LiveSession

pytestmark = pytest.mark.e2e

DJANGO_COURSE = "building-web-apps-with-django"


def sign_in(page: Page, base_url: str, username: str, password: str) -> None:
    """Signs in from the sign-in page itself, with no page to go back to."""
    page.goto(base_url + "/accounts/sign-in/")
    page.get_by_label("E-mail or username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def essay_waiting(username: str, course: CoursePage) -> None:
    final = AssessmentPage.objects.child_of(course).get(title="Final assessment")
    user = User.objects.get(username=username)
    Enrollment.objects.get_or_create(
        user=user, course=course, defaults={"status": "active", "enrolled_at": timezone.now()}
    )
    attempt = assessment_services.start_attempt(user=user, assessment=final)
    essay = next(q for q in attempt.snapshot["questions"] if q["type"] == "essay")
    assessment_services.save_answer(attempt=attempt, question_id=essay["id"], answer="A service checks the room.")
    assert assessment_services.submit_attempt(attempt=attempt).pending_manual


def test_a_trainer_lands_on_their_home_and_finds_what_waits(page: Page, live_server, demo_site):
    base = live_server.url
    course = CoursePage.objects.get(slug=DJANGO_COURSE)
    essay_waiting("learner", course)
    now = timezone.now()
    running = LiveSession.objects.create(
        course=course, title="Office hour", starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(minutes=30)
    )

    sign_in(page, base, "trainer", "learnwell-trainer")
    expect(page).to_have_url(f"{base}/learning/teaching/")
    expect(page.get_by_role("heading", name="Teaching", level=1)).to_be_visible()

    essays = page.locator('section[data-panel="grading"]')
    expect(essays.get_by_role("link", name=course.title)).to_be_visible()
    expect(essays).to_contain_text("1 attempt waiting for an essay grade")
    sessions = page.locator('section[data-panel="sessions"]')
    expect(sessions.locator('[data-group="today"]')).to_contain_text("Office hour")
    expect(sessions.locator('[data-group="today"]')).to_contain_text("happening now")
    inactive = page.locator('section[data-panel="inactive"]')
    expect(inactive.get_by_role("link").first).to_be_visible()  # the demo's history learners have gone quiet

    page.screenshot(path=artefact_path("trainer-home-1366.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=artefact_path("trainer-home-390.png"), full_page=True)
    page.set_viewport_size(DESKTOP)

    sessions.get_by_role("link", name="Office hour").click()
    expect(page).to_have_url(re.compile(rf"/scheduling/sessions/{running.pk}/roster/$"))
    page.go_back()
    essays.get_by_role("link", name=course.title).click()
    expect(page).to_have_url(re.compile(rf"/assessments/courses/{course.pk}/grading/$"))
    expect(page.locator("#queue-count")).to_have_text("1 attempt waiting for an essay grade")


def test_a_learner_lands_on_their_dashboard(page: Page, live_server, demo_site):
    sign_in(page, live_server.url, "learner", "learnwell-learner")
    expect(page).to_have_url(f"{live_server.url}/learning/")


def test_the_gradebook_fits_a_phone_and_keeps_the_learners_in_view(page: Page, live_server, demo_site):
    base = live_server.url
    course = CoursePage.objects.get(slug=DJANGO_COURSE)
    sign_in(page, base, "trainer", "learnwell-trainer")
    expect(page).to_have_url(f"{base}/learning/teaching/")
    page.locator(f'li[data-course="{course.pk}"]').get_by_role("link", name="Gradebook").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Gradebook: {course.title}")
    headers = page.locator("#gradebook-scroll thead th")
    expect(headers.nth(1)).to_have_text(re.compile("Lessons", re.IGNORECASE))
    expect(page.locator("wagtail-userbar")).to_have_count(0)  # nothing floats over the table
    page.screenshot(path=artefact_path("gradebook-1366.png"), full_page=True)

    page.set_viewport_size(PHONE)
    box = page.locator("#gradebook-scroll")
    # The table is wider than the phone: it scrolls inside its box, which stays within the screen.
    assert box.evaluate("element => element.scrollWidth > element.clientWidth")
    right_edge = box.evaluate("element => element.getBoundingClientRect().right")
    assert right_edge <= PHONE["width"]
    first_learner = page.locator("#gradebook-scroll tbody th").first
    before = first_learner.bounding_box()
    last_column = headers.last
    box.evaluate("element => { element.scrollLeft = element.scrollWidth; }")
    expect(last_column).to_be_in_viewport()
    after = first_learner.bounding_box()
    assert before and after and abs(after["x"] - before["x"]) < 1, "the learners' column scrolled away"
    page.screenshot(path=artefact_path("gradebook-390.png"), full_page=True)
