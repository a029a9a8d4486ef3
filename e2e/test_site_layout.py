"""The site's frame on a phone (390 x 844) and a desktop (1366 x 768): the header's menu button, the catalogue's
folded filters, the dashboard, sign-up and the featured courses. Screenshots go to the e2e artefacts."""

import re

import pytest
from playwright.sync_api import FloatRect, Locator, Page, expect

from accounts.tests.factories import PASSWORD, UserFactory
from courses.models import CoursePage, LessonPage
from e2e.conftest import DESKTOP, PHONE, artefact_path, check_accessibility, sign_in
from home.models import HomePage
from home.tests import factories as home_factories
from learning import services
from learning.models import EnrollmentStatus

pytestmark = pytest.mark.e2e

ADMIN = ("admin", "learnwell-admin")  # the account with the most header links
SIZES = pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])


def viewport_width(page: Page) -> int:
    size = page.viewport_size
    assert size is not None
    return size["width"]


def assert_no_sideways_scroll(page: Page) -> None:
    width = viewport_width(page)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways at {width} px ({scroll_width} px wide)"


def screenshot(page: Page, name: str) -> None:
    page.screenshot(path=artefact_path(f"{name}-{viewport_width(page)}.png"), full_page=True)


def menu_button(page: Page) -> Locator:
    return page.get_by_role("banner").get_by_role("button", name="Menu")


def main_nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Main")


def box(locator: Locator) -> FloatRect:
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not laid out"
    return found


def test_phone_menu_opens_reaches_every_link_and_closes_with_escape(page: Page, live_server, demo_site):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, *ADMIN)
    page.goto(live_server.url + "/")
    button = menu_button(page)

    # One row: the logo and the button side by side, the links folded away.
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(main_nav(page)).to_be_hidden()
    header = box(page.get_by_role("banner"))
    assert header["height"] < 80, f"the closed header is {header['height']} px tall"
    assert abs(box(button)["y"] - box(page.get_by_role("banner").get_by_role("link", name="Learnwell"))["y"]) < 20
    assert_no_sideways_scroll(page)

    # Keyboard: Enter opens, Tab walks into the menu, Escape closes it and hands the focus back to the button.
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(page.locator(f"#{button.get_attribute('aria-controls')}")).to_be_visible()
    page.keyboard.press("Tab")
    expect(main_nav(page).get_by_role("link", name="Courses")).to_be_focused()
    screenshot(page, "menu-open")
    check_accessibility(page, "the home page at phone width, menu open")
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(main_nav(page)).to_be_hidden()
    expect(button).to_be_focused()

    # Every link is on screen once open, and a click outside the menu folds it again.
    button.click()
    links = [main_nav(page).get_by_role("link", name="Courses")] + [
        page.get_by_role("banner").get_by_role("link", name=name, exact=True)
        for name in ("My learning", "Purchases", "Profile", "Teaching", "Admin")
    ]
    for link in links:
        expect(link).to_be_visible()
        assert box(link)["x"] + box(link)["width"] <= PHONE["width"]
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert_no_sideways_scroll(page)
    page.get_by_role("main").click(position={"x": 5, "y": 5})
    expect(button).to_have_attribute("aria-expanded", "false")

    button.click()
    page.get_by_role("banner").get_by_role("link", name="My learning").click()
    expect(page).to_have_url(re.compile(r"/learning/$"))
    expect(menu_button(page)).to_have_attribute("aria-expanded", "false")


def test_desktop_header_keeps_its_row_without_a_menu_button(page: Page, live_server, demo_site):
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, *ADMIN)
    page.goto(live_server.url + "/")
    expect(menu_button(page)).to_be_hidden()
    expect(main_nav(page).get_by_role("link", name="Courses")).to_be_visible()
    for name in ("My learning", "Purchases", "Profile", "Teaching", "Admin"):
        expect(page.get_by_role("banner").get_by_role("link", name=name, exact=True)).to_be_visible()
    header = box(page.get_by_role("banner"))
    assert header["height"] < 80, f"the header wraps onto a second row ({header['height']} px)"
    assert_no_sideways_scroll(page)


def test_without_scripts_the_links_stay_in_view_and_no_dead_button_shows(browser, live_server, demo_site):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(live_server.url + "/courses/")
    expect(main_nav(page).get_by_role("link", name="Courses")).to_be_visible()
    expect(menu_button(page)).to_be_hidden()
    expect(page.get_by_label("Category")).to_be_visible()
    expect(page.get_by_role("button", name="Filters")).to_be_hidden()
    context.close()


def filters_button(page: Page) -> Locator:
    return page.get_by_role("search", name="Filter courses").get_by_role("button", name=re.compile(r"^Filters"))


def test_phone_catalogue_folds_its_filters_and_still_filters(page: Page, live_server, demo_site):
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/courses/")
    results = page.locator("#catalogue-results article")
    expect(results).to_have_count(4)

    # Search stays in view; the other filters wait behind the button, so the first course is on the first screen.
    expect(page.get_by_label("Search courses")).to_be_visible()
    expect(page.get_by_label("Category")).to_be_hidden()
    expect(filters_button(page)).to_have_accessible_name("Filters")
    assert box(results.first)["y"] < PHONE["height"], "the filters push the first course off the first screen"
    assert_no_sideways_scroll(page)
    screenshot(page, "catalogue")

    page.evaluate("window.sameDocument = true")
    filters_button(page).click()
    expect(filters_button(page)).to_have_attribute("aria-expanded", "true")
    page.get_by_label("Category").select_option("business")
    expect(page).to_have_url(re.compile(r"[?&]category=business"))
    expect(results).to_have_count(2)
    expect(filters_button(page)).to_have_accessible_name("Filters 1 active")
    page.get_by_label("Price").select_option("paid")
    expect(results).to_have_count(1)
    expect(filters_button(page)).to_have_accessible_name("Filters 2 active")
    assert page.evaluate("window.sameDocument") is True, "filtering reloaded the page"
    # The panel stays open while the learner is choosing; Escape folds it and leaves the focus on the button.
    expect(page.get_by_label("Price")).to_be_visible()
    page.get_by_label("Price").focus()
    page.keyboard.press("Escape")
    expect(page.get_by_label("Price")).to_be_hidden()
    expect(filters_button(page)).to_be_focused()
    assert_no_sideways_scroll(page)

    # A shared link with filters opens folded, with its count.
    page.reload()
    expect(results).to_have_count(1)
    expect(filters_button(page)).to_have_accessible_name("Filters 2 active")
    expect(page.get_by_label("Category")).to_be_hidden()


def test_desktop_catalogue_shows_its_filters_and_filters(page: Page, live_server, demo_site):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/courses/")
    results = page.locator("#catalogue-results article")
    expect(results).to_have_count(4)
    expect(filters_button(page)).to_be_hidden()
    for label in ("Search courses", "Category", "Level", "Price"):
        expect(page.get_by_label(label)).to_be_visible()
    screenshot(page, "catalogue")
    page.evaluate("window.sameDocument = true")
    page.get_by_label("Category").select_option("business")
    expect(results).to_have_count(2)
    assert page.evaluate("window.sameDocument") is True
    assert_no_sideways_scroll(page)


def finished_everything_learner():
    """A learner whose only course is complete, with the catalogue's other courses left to suggest."""
    learner = UserFactory(username="finisher", first_name="Fin", last_name="Isher")
    course = CoursePage.objects.live().originals().order_by("path").first()
    enrollment = services.enroll(user=learner, course=course)
    for lesson in LessonPage.objects.live().descendant_of(course):
        enrollment = services.complete_lesson(enrollment=enrollment, lesson=lesson).enrollment
    assert enrollment.status == EnrollmentStatus.COMPLETED
    return learner, course


@SIZES
def test_dashboard_suggests_courses_once_everything_is_finished(page: Page, live_server, demo_site, size):
    learner, finished = finished_everything_learner()
    page.set_viewport_size(size)
    sign_in(page, live_server.url, learner.username, PASSWORD)
    page.goto(live_server.url + "/learning/")
    suggestions = page.get_by_role("region", name="What to learn next")
    expect(suggestions.get_by_role("article")).to_have_count(3)
    expect(suggestions.get_by_role("link", name=finished.title)).to_have_count(0)
    expect(
        page.get_by_role("region", name="Completed", exact=True).get_by_role("link", name=finished.title)
    ).to_be_visible()
    assert_no_sideways_scroll(page)
    screenshot(page, "dashboard")

    # Opening a suggested course is one click away.
    suggestions.get_by_role("article").first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Course outline")).to_be_visible()


@SIZES
def test_home_and_sign_up_fit_and_sign_up_starts_at_the_first_field(page: Page, live_server, demo_site, size):
    page.set_viewport_size(size)
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_sideways_scroll(page)
    screenshot(page, "home")

    page.goto(live_server.url + "/accounts/sign-up/")
    expect(page.get_by_label("First name")).to_be_focused()
    rules = page.locator("#id_password1_helptext")
    expect(rules.get_by_role("listitem").first).to_be_visible()

    def looks(locator: Locator) -> list:
        return locator.evaluate("e => [getComputedStyle(e).fontSize, getComputedStyle(e).color]")

    assert looks(rules.get_by_role("listitem").first) == looks(page.locator("#id_email_helptext"))
    assert_no_sideways_scroll(page)
    screenshot(page, "sign-up")


def card_rows(page: Page) -> tuple[FloatRect, list[list[FloatRect]]]:
    """The featured list's box and its cards' boxes, grouped by row."""
    section = page.get_by_role("region", name="Featured now")
    rows: dict[int, list[FloatRect]] = {}
    for card in section.get_by_role("listitem").all():
        found = box(card)
        rows.setdefault(round(found["y"]), []).append(found)
    return box(section.get_by_role("list")), [sorted(row, key=lambda b: b["x"]) for _, row in sorted(rows.items())]


def test_featured_courses_fill_their_rows_whatever_their_number(page: Page, live_server, demo_site):
    home = HomePage.objects.originals().get()
    courses = list(CoursePage.objects.live().originals().order_by("path"))
    assert len(courses) >= 4
    for count, expected_rows in ((1, [1]), (2, [2]), (4, [3, 1])):
        home_factories.publish_body(home, [home_factories.featured_courses(courses[:count], heading="Featured now")])
        for size in (DESKTOP, PHONE):
            page.set_viewport_size(size)
            page.goto(live_server.url + "/")
            listing, rows = card_rows(page)
            if size == PHONE:
                assert all(len(row) == 1 for row in rows) and sum(map(len, rows)) == count
                assert all(abs(row[0]["width"] - listing["width"]) < 1 for row in rows)
                continue
            assert [len(row) for row in rows] == expected_rows
            column = (listing["width"] - 2 * 24) / 3  # three columns, gap-6 between them
            for row in rows:
                # Cards keep a column's width, and a short row sits in the middle rather than leaving a hole.
                assert all(abs(card["width"] - column) < 1 for card in row)
                left = row[0]["x"] - listing["x"]
                right = listing["x"] + listing["width"] - (row[-1]["x"] + row[-1]["width"])
                assert abs(left - right) < 1, f"{count} cards: row of {len(row)} is off centre ({left} vs {right})"
            if count == 2:
                screenshot(page, "featured-two")
