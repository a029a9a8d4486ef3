"""A learner completes a lesson, sees the points and badge toasts without a reload, and finds the badge on
the dashboard; the leaderboard shows their place."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from courses.models import CourseIndexPage, LessonPage
from courses.tests.factories import make_course

pytestmark = pytest.mark.e2e


def test_a_completed_lesson_shows_points_and_a_badge(page: Page, live_server, demo_site):
    base = live_server.url
    course = make_course(
        CourseIndexPage.objects.originals().get(),
        title="Toast Course",
        modules=1,
        lessons_per_module=2,
        trainer=User.objects.get(username="trainer"),
    )
    first = LessonPage.objects.live().descendant_of(course).order_by("path").first()

    page.goto(base + "/accounts/sign-in/")
    page.get_by_label("E-mail or username").fill("learner")
    page.get_by_label("Password").fill("learnwell-learner")
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/sign-in/"))

    page.goto(base + course.url)
    page.get_by_role("button", name="Enrol for free").click()
    expect(page).to_have_url(re.compile(re.escape(first.url) + "$"))
    page.wait_for_load_state("load")  # htmx has run: "Mark complete" no longer submits a plain form
    page.evaluate("window.__sameDocument = true")  # gone if anything reloads the page

    page.get_by_role("button", name="Mark complete").click()
    toasts = page.locator("#toasts")
    expect(toasts.get_by_text("Lesson completed")).to_be_visible()
    expect(toasts.get_by_text("+10")).to_be_visible()
    expect(toasts.get_by_text("First steps")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True

    page.goto(base + "/learning/")
    expect(page.get_by_test_id("points-total")).to_have_text("10")
    first_steps = page.locator('[data-badge="First steps"]')
    expect(first_steps).to_have_attribute("data-earned", "yes")
    expect(first_steps.get_by_text("Earned")).to_be_visible()
    expect(page.locator('[data-badge="Bookworm"]').get_by_text("1 of 10")).to_be_visible()
    expect(page.locator("#toasts .toast")).to_have_count(0)  # each toast is shown once

    page.get_by_role("link", name="Leaderboards").click()
    expect(page.get_by_test_id("own-rank")).to_contain_text("with 10 points")
    # axe-core's link-in-text-block: the link in the sentence stands out by its underline, not colour alone.
    expect(page.get_by_role("link", name="your profile", exact=True)).to_have_css("text-decoration-line", "underline")
