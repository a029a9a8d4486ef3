"""Arabic, read right to left: the pages say so (lang, dir), stay accessible, and their layout is mirrored."""

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from courses.models import CoursePage, LessonPage
from e2e.conftest import check_accessibility, sign_in
from learning import services as learning_services
from lms_site.i18n import url_in

pytestmark = pytest.mark.e2e

PYTHON_COURSE = "python-for-data-analysis"


def assert_arabic(page: Page) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")


def box(page: Page, selector: str) -> dict:
    element = page.locator(selector).first
    expect(element).to_be_visible()
    found = element.bounding_box()
    assert found is not None, selector
    return dict(found)


def assert_logo_on_the_right(page: Page) -> None:
    """The header's first item, the logo, starts the line: at the right edge in Arabic."""
    logo = box(page, "header a")
    viewport = page.viewport_size
    assert viewport is not None
    width = viewport["width"]
    assert logo["x"] > width / 2, f"the logo starts at x={logo['x']} of {width}: not on the right"


def test_arabic_pages_read_right_to_left(page: Page, live_server, demo_site):
    base = live_server.url
    course = CoursePage.objects.get(slug=PYTHON_COURSE)

    for path, name in [("/ar/", "the Arabic home page"), ("/ar/courses/", "the Arabic catalogue")]:
        page.goto(base + path)
        assert_arabic(page)
        assert_logo_on_the_right(page)
        check_accessibility(page, name)

    page.goto(base + url_in(course.url, "ar"))
    assert_arabic(page)
    assert_logo_on_the_right(page)
    check_accessibility(page, "an Arabic course page")
    # The scripts' strings come from the Arabic catalogue, loaded before the scripts that use them.
    catalogue = page.locator("head script[src$='/jsi18n/']")
    expect(catalogue).to_have_attribute("src", "/ar/jsi18n/")
    assert page.evaluate("() => typeof window.gettext === 'function' && typeof window.ngettext === 'function'")
    assert page.evaluate(
        "() => [...document.scripts].findIndex(s => s.src.endsWith('/jsi18n/'))"
        " < [...document.scripts].findIndex(s => s.src.includes('/js/site'))"
    )


def test_arabic_lesson_and_dashboard_are_mirrored(page: Page, live_server, demo_site):
    base = live_server.url
    learner = User.objects.get(username="learner")
    course = CoursePage.objects.get(slug=PYTHON_COURSE)
    learning_services.enroll(user=learner, course=course)
    # The second lesson has both a previous and a next lesson.
    lesson = LessonPage.objects.live().descendant_of(course).order_by("path")[1]
    sign_in(page, base, "learner", "learnwell-learner")

    page.goto(base + url_in(lesson.url, "ar"))
    assert_arabic(page)
    assert_logo_on_the_right(page)
    previous, following = box(page, "a[rel=prev]"), box(page, "a[rel=next]")
    # Reading from the right, "next" comes after "previous": further left.
    assert following["x"] + following["width"] <= previous["x"], (previous, following)
    # The arrows point the way the reader goes: mirrored, so "next" points left.
    arrow = page.locator("a[rel=next] span[aria-hidden=true]")
    assert arrow.evaluate("el => getComputedStyle(el).scale") == "-1 1"
    check_accessibility(page, "an Arabic lesson")

    page.goto(base + "/ar/learning/")
    assert_arabic(page)
    assert_logo_on_the_right(page)
    check_accessibility(page, "the Arabic learner dashboard")


def test_the_switcher_keeps_the_page(page: Page, live_server, demo_site):
    base = live_server.url
    course = CoursePage.objects.get(slug=PYTHON_COURSE)
    page.goto(base + course.url)
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    page.locator("header a[hreflang=ar]").click()
    expect(page).to_have_url(base + url_in(course.url, "ar"))
    assert_arabic(page)
    # The demo's Python course is translated (lms_site/demo_texts): the same course, in Arabic.
    expect(page.get_by_role("heading", level=1)).to_have_text("بايثون لتحليل البيانات")

    page.locator("footer a[hreflang=de]").click()
    expect(page).to_have_url(base + url_in(course.url, "de"))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Python für die Datenanalyse")

    page.locator("header a[hreflang=en]").click()
    expect(page).to_have_url(base + course.url)
    expect(page.locator("html")).to_have_attribute("lang", "en")
