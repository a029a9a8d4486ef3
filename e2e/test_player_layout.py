"""The lesson player and the course page at desktop and phone widths: progress and the way on shown once each
(also after htmx swaps), the outline behind a disclosure on phones, assessments in the course page's outline,
and staff previewing a course as a learner. Screenshots land in the e2e artefacts."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from courses.models import CoursePage, LessonPage
from e2e.conftest import DESKTOP, PHONE, artefact_path, check_accessibility, sign_in
from learning import services
from learning.models import Enrollment, LessonProgress

pytestmark = pytest.mark.e2e

PYTHON_COURSE = "python-for-data-analysis"
DJANGO_COURSE = "building-web-apps-with-django"
PRACTICE_QUIZ = "Practice quiz: working with data"


def lessons_of(slug: str) -> list[LessonPage]:
    course = CoursePage.objects.get(slug=slug)
    return list(LessonPage.objects.live().descendant_of(course).order_by("path"))


def enrol_the_learner_in_python() -> None:
    services.enroll(user=User.objects.get(username="learner"), course=CoursePage.objects.get(slug=PYTHON_COURSE))


def outline(page: Page):
    return page.get_by_role("navigation", name="Course outline")


def next_lesson(page: Page):
    return page.get_by_role("link", name=re.compile(r"^Next lesson"))


def expect_one_progress_and_one_way_on(page: Page, percent: int) -> None:
    """One progress bar on the whole page, one control leading to the next lesson, one outline."""
    bars = page.get_by_role("progressbar")
    expect(bars).to_have_count(1)
    expect(bars).to_have_attribute("aria-valuenow", str(percent))
    expect(page.locator("#course-progress")).to_have_count(1)
    expect(page.locator("#lesson-outline")).to_have_count(1)
    expect(next_lesson(page)).to_have_count(1)
    expect(page.locator("a[rel=next]")).to_have_count(1)
    expect(page.get_by_text("Skip to next lesson")).to_have_count(0)


def expect_lesson(page: Page, base_url: str, lesson: LessonPage) -> None:
    expect(page).to_have_url(re.compile(re.escape(base_url + lesson.url) + r"(\?preview=1)?$"))
    expect(page.locator("#lesson-swap").get_by_role("heading", level=1)).to_have_text(lesson.title)


def test_the_player_shows_progress_and_the_next_lesson_once_through_htmx_swaps(page: Page, live_server, demo_site):
    base = live_server.url
    first, second, third, _fourth = lessons_of(PYTHON_COURSE)
    enrol_the_learner_in_python()
    page.set_viewport_size(DESKTOP)
    sign_in(page, base, "learner", "learnwell-learner")
    page.goto(base + first.url)
    expect_lesson(page, base, first)
    expect_one_progress_and_one_way_on(page, 0)
    page.screenshot(path=artefact_path("lesson-page-1366.png"), full_page=True)

    page.evaluate("window.sameDocument = true")
    page.get_by_role("button", name="Mark complete").click()
    expect(page.locator("#lesson-actions")).to_contain_text("Lesson completed")
    expect_one_progress_and_one_way_on(page, 25)
    # Once the lesson is done, the way on is the page's main button.
    expect(next_lesson(page)).to_have_class(re.compile(r"\bbtn-primary\b"))

    next_lesson(page).click()
    expect_lesson(page, base, second)
    expect_one_progress_and_one_way_on(page, 25)
    expect(next_lesson(page)).not_to_have_class(re.compile(r"\bbtn\b"))  # a quiet link until this one is done

    outline(page).get_by_role("link", name=third.title).click()
    expect_lesson(page, base, third)
    expect_one_progress_and_one_way_on(page, 25)
    page.go_back()
    expect_lesson(page, base, second)
    expect_one_progress_and_one_way_on(page, 25)
    assert page.evaluate("window.sameDocument") is True, "a step of the walk reloaded the whole page"

    # The desktop keeps its sidebar: no disclosure to open, the whole outline in view.
    expect(page.locator("#outline-disclosure > summary")).to_be_hidden()
    expect(outline(page).get_by_role("link", name=PRACTICE_QUIZ)).to_be_visible()


def test_on_a_phone_the_lesson_comes_first_and_the_outline_opens_whole(page: Page, live_server, demo_site):
    base = live_server.url
    first, second, *_ = lessons_of(PYTHON_COURSE)
    enrol_the_learner_in_python()
    page.set_viewport_size(PHONE)
    sign_in(page, base, "learner", "learnwell-learner")
    page.goto(base + first.url)
    expect_lesson(page, base, first)

    disclosure = page.locator("#outline-disclosure")
    summary = disclosure.locator("summary")
    heading = page.locator("#lesson-swap").get_by_role("heading", level=1)
    expect(summary).to_have_text("Course outline")
    expect(outline(page)).to_be_hidden()
    expect(heading).to_be_in_viewport()
    heading_top = heading.bounding_box()["y"]  # type: ignore[index]
    assert heading_top < PHONE["height"] / 2, "the lesson starts below the first half of the screen"
    expect_one_progress_and_one_way_on(page, 0)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "the page scrolls sideways"
    page.screenshot(path=artefact_path("lesson-page-390.png"), full_page=True)

    # The keyboard opens and closes it; opened, the last section shows whole, with no scroll box around it.
    summary.focus()
    page.keyboard.press("Enter")
    expect(disclosure).to_have_js_property("open", True)
    expect(outline(page)).to_be_visible()
    last_step = outline(page).get_by_role("link", name=PRACTICE_QUIZ)
    expect(last_step).to_be_visible()
    assert page.evaluate(
        """() => [...document.querySelectorAll('#outline-disclosure, #outline-disclosure *, aside')]
                 .every((element) => element.scrollHeight <= element.clientHeight + 1
                                     || getComputedStyle(element).overflowY === 'visible')"""
    ), "part of the outline is cut off inside a scroll box"
    box, item = disclosure.bounding_box(), last_step.bounding_box()
    assert box and item and item["y"] + item["height"] <= box["y"] + box["height"]
    page.screenshot(path=artefact_path("lesson-page-outline-open-390.png"), full_page=True)
    check_accessibility(page, "a lesson at phone width, outline open")  # axe moves no focus: Space still closes it
    page.keyboard.press("Space")
    expect(disclosure).to_have_js_property("open", False)

    # Opening a lesson from the outline brings the lesson, with the outline folded away again.
    page.keyboard.press("Enter")
    page.evaluate("window.sameDocument = true")
    outline(page).get_by_role("link", name=second.title).click()
    expect_lesson(page, base, second)
    expect(disclosure).to_have_js_property("open", False)
    expect(heading).to_be_in_viewport()
    expect_one_progress_and_one_way_on(page, 0)
    assert page.evaluate("window.sameDocument") is True, "the outline link reloaded the whole page"


@pytest.mark.parametrize(("size", "name"), [(DESKTOP, "1366"), (PHONE, "390")])
def test_the_course_page_outline_lists_the_assessments(page: Page, live_server, demo_site, size, name):
    base = live_server.url
    page.set_viewport_size(size)

    page.goto(base + CoursePage.objects.get(slug=DJANGO_COURSE).url)
    section = page.get_by_role("region", name="Course outline")
    final = section.locator("#course-steps")
    expect(final.get_by_role("heading", name="Final steps")).to_be_visible()
    expect(final.get_by_role("link", name="Final assessment")).to_be_visible()
    expect(final.get_by_text("Assessment", exact=True)).to_be_visible()
    # After every module, as in the player's sidebar.
    modules = section.locator("ol > li[id^=module-]")
    assert modules.last.bounding_box()["y"] < final.bounding_box()["y"]  # type: ignore[index]
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], "the page scrolls sideways"
    page.screenshot(path=artefact_path(f"course-page-{name}.png"), full_page=True)

    page.goto(base + CoursePage.objects.get(slug=PYTHON_COURSE).url)
    section = page.get_by_role("region", name="Course outline")
    module = section.locator("li[id^=module-]", has_text="Working with data")
    quiz = module.locator("li", has=page.get_by_role("link", name=PRACTICE_QUIZ))
    expect(quiz).to_be_visible()
    expect(quiz.get_by_text("Quiz", exact=True)).to_be_visible()


def test_the_trainer_previews_the_course_as_a_learner(page: Page, live_server, demo_site):
    base = live_server.url
    course = CoursePage.objects.get(slug=PYTHON_COURSE)
    first, second, *_ = lessons_of(PYTHON_COURSE)
    trainer = User.objects.get(username="trainer")
    assert course.trainer_id == trainer.pk
    page.set_viewport_size(DESKTOP)
    sign_in(page, base, "trainer", "learnwell-trainer")

    page.goto(base + course.url)
    page.get_by_role("link", name="Preview as a learner").click()
    expect_lesson(page, base, first)
    expect(page).to_have_url(re.compile(r"\?preview=1$"))
    expect(page.get_by_role("status").filter(has_text="your progress is not recorded")).to_be_visible()
    expect(page.get_by_role("button", name="Mark complete")).to_be_disabled()
    page.screenshot(path=artefact_path("lesson-preview-1366.png"), full_page=True)

    # Moving on through htmx keeps the preview.
    next_lesson(page).click()
    expect_lesson(page, base, second)
    expect(page).to_have_url(re.compile(r"\?preview=1$"))
    expect(page.get_by_role("button", name="Mark complete")).to_be_disabled()

    page.get_by_role("link", name="Leave preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(course.title)
    assert not Enrollment.objects.filter(user=trainer).exists()
    assert not LessonProgress.objects.filter(enrollment__user=trainer).exists()
