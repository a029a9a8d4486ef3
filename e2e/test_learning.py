"""A learner's day in the HTMX lesson player: enrol, move between lessons, record progress, finish."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from courses.models import CoursePage, LessonPage
from e2e.conftest import sign_in
from learning import services

pytestmark = pytest.mark.e2e

PYTHON_COURSE = "python-for-data-analysis"
DJANGO_COURSE = "building-web-apps-with-django"


def lessons_of(slug: str) -> list[LessonPage]:
    course = CoursePage.objects.get(slug=slug)
    return list(LessonPage.objects.live().descendant_of(course).order_by("path"))


def url_of(base_url: str, lesson: LessonPage) -> re.Pattern:
    return re.compile(re.escape(base_url + lesson.url) + "$")


def outline(page: Page):
    return page.get_by_role("navigation", name="Course outline")


def course_progress(page: Page):
    """The header's progress bar, which htmx replaces out of band after each completion."""
    return page.locator("#course-progress").get_by_role("progressbar")


def expect_document_title(page: Page, lesson: LessonPage) -> None:
    """The tab names the lesson shown, and no <title> from a swapped partial is left in the body."""
    expect(page).to_have_title(re.compile(re.escape(lesson.title)))
    expect(page.locator("body title")).to_have_count(0)


def expect_lesson_shown(page: Page, base_url: str, lesson: LessonPage) -> None:
    expect(page).to_have_url(url_of(base_url, lesson))
    expect(page.locator("#lesson-swap").get_by_role("heading", level=1)).to_have_text(lesson.title)
    expect(outline(page).get_by_role("link", name=lesson.title)).to_have_attribute("aria-current", "page")
    # The swap sends only the new lesson's entry; the one left behind loses its mark (js/lesson-outline.js).
    expect(outline(page).locator('[aria-current="page"]')).to_have_count(1)
    expect(outline(page).locator(".outline-link-current")).to_have_count(1)


def open_from_outline(page: Page, base_url: str, lesson: LessonPage) -> None:
    """Clicks the lesson in the sidebar and checks htmx swapped the content, not the whole document."""
    page.evaluate("window.sameDocument = true")
    outline(page).get_by_role("link", name=lesson.title).click()
    expect_lesson_shown(page, base_url, lesson)
    expect_document_title(page, lesson)
    assert page.evaluate("window.sameDocument") is True, "the sidebar link reloaded the whole page"


def mark_complete(page: Page, lesson: LessonPage, percent: int) -> None:
    """Clicks "Mark complete": #lesson-actions swaps, the outline and the progress bar update out of band."""
    page.evaluate("window.sameDocument = true")
    page.get_by_role("button", name="Mark complete").click()
    expect(page.locator("#lesson-actions")).to_contain_text("Lesson completed")
    expect(page.get_by_role("button", name="Mark complete")).to_have_count(0)
    link = outline(page).get_by_role("link", name=lesson.title)
    expect(link).to_have_accessible_name(re.compile(r"\(completed\)"))
    expect(link.locator(".outline-mark")).to_have_text("✓")
    expect(course_progress(page)).to_have_attribute("aria-valuenow", str(percent))
    expect(page.get_by_role("progressbar")).to_have_count(1)  # the player shows progress once
    assert page.evaluate("window.sameDocument") is True, "marking a lesson complete reloaded the whole page"


def test_learner_enrols_walks_the_lessons_and_completes_the_course(page: Page, live_server, demo_site):
    base = live_server.url
    first, second, third, fourth = lessons_of(PYTHON_COURSE)
    sign_in(page, base, "learner", "learnwell-learner")

    page.goto(base + CoursePage.objects.get(slug=PYTHON_COURSE).url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Python for Data Analysis")
    page.get_by_role("button", name="Enrol for free").click()
    # The htmx POST answers with HX-Redirect: the browser lands on the first lesson.
    expect_lesson_shown(page, base, first)
    expect_document_title(page, first)
    expect(page.get_by_text("You are enrolled in “Python for Data Analysis”")).to_be_visible()
    expect(course_progress(page)).to_have_attribute("aria-valuenow", "0")
    for lesson in (first, second, third, fourth):
        expect(outline(page).get_by_role("link", name=lesson.title)).not_to_have_accessible_name(
            re.compile(r"\(completed\)")
        )

    mark_complete(page, first, 25)

    open_from_outline(page, base, second)
    page.go_back()
    expect_lesson_shown(page, base, first)
    expect_document_title(page, first)
    expect(page.locator("#lesson-actions")).to_contain_text("Lesson completed")
    open_from_outline(page, base, second)
    mark_complete(page, second, 50)

    open_from_outline(page, base, third)
    page.go_back()
    expect_lesson_shown(page, base, second)
    expect_document_title(page, second)
    expect(page.locator("#lesson-actions")).to_contain_text("Lesson completed")
    open_from_outline(page, base, third)
    mark_complete(page, third, 75)
    expect(page.locator("#lesson-actions")).not_to_contain_text("You completed the whole course")

    page.evaluate("window.sameDocument = true")
    page.get_by_role("link", name=re.compile(r"^Next lesson")).click()
    expect_lesson_shown(page, base, fourth)
    expect_document_title(page, fourth)
    assert page.evaluate("window.sameDocument") is True, "the Next lesson button reloaded the whole page"
    mark_complete(page, fourth, 100)
    expect(page.get_by_text("You completed the whole course")).to_be_visible()
    for lesson in (first, second, third, fourth):
        expect(outline(page).get_by_role("link", name=lesson.title)).to_have_accessible_name(
            re.compile(r"\(completed\)")
        )

    # A third walk through the sidebar, back to the start of the finished course.
    open_from_outline(page, base, first)
    expect(page.locator("#lesson-actions")).to_contain_text("Lesson completed")
    expect(course_progress(page)).to_have_attribute("aria-valuenow", "100")

    page.goto(base + "/learning/")
    completed = page.get_by_role("region", name="Completed")
    expect(completed.get_by_role("link", name="Python for Data Analysis")).to_be_visible()
    expect(page.get_by_role("region", name="In progress")).to_have_count(0)


def test_visitor_reads_the_free_preview_but_not_the_enrolled_lessons(page: Page, live_server, demo_site):
    base = live_server.url
    preview, members_only, *_ = lessons_of(PYTHON_COURSE)
    assert preview.title == "Why Python for data?" and preview.is_free_preview
    assert not members_only.is_free_preview

    response = page.goto(base + members_only.url)
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(members_only.title)
    expect(page.get_by_text("This lesson is for enrolled learners")).to_be_visible()
    expect(page.get_by_role("button", name="Mark complete")).to_have_count(0)
    expect(page.locator(".lesson-body")).to_have_count(0)

    response = page.goto(base + preview.url)
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Why Python for data?")
    expect(page.get_by_role("heading", name="A language for questions")).to_be_visible()
    expect(page.get_by_text("This lesson is for enrolled learners")).to_have_count(0)
    # Visitors read, but there is no progress to record.
    expect(page.get_by_role("button", name="Mark complete")).to_have_count(0)


def test_paid_course_shows_its_price_and_no_free_enrolment(page: Page, live_server, demo_site):
    base = live_server.url
    course = CoursePage.objects.get(slug=DJANGO_COURSE)
    assert not course.is_free
    price = f"{course.price} {course.currency}"
    sign_in(page, base, "learner", "learnwell-learner")

    # The demo Django course requires the Python course first: the panel asks for it before selling.
    page.goto(base + course.url)
    expect(page.get_by_role("heading", level=1)).to_have_text(course.title)
    expect(page.get_by_text(price).first).to_be_visible()
    call_to_action = page.locator("#course-call-to-action")
    expect(call_to_action).to_contain_text("Complete these courses first")
    expect(call_to_action.get_by_role("link", name="Python for Data Analysis")).to_be_visible()
    expect(page.get_by_role("button", name="Enrol for free")).to_have_count(0)

    # Once the prerequisite is done, the panel offers the purchase.
    learner = User.objects.get(username="learner")
    python_course = CoursePage.objects.get(slug=PYTHON_COURSE)
    enrollment = services.enroll(user=learner, course=python_course)
    for lesson in lessons_of(PYTHON_COURSE):
        services.complete_lesson(enrollment=enrollment, lesson=lesson)

    page.reload()
    expect(call_to_action).to_contain_text(price)
    expect(call_to_action.get_by_role("button", name="Buy course")).to_be_enabled()
    expect(page.get_by_role("button", name="Enrol for free")).to_have_count(0)
    expect(page.get_by_text("Complete these courses first")).to_have_count(0)
