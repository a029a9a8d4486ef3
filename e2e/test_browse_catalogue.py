import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_visitor_goes_from_home_to_a_filtered_catalogue_to_a_course(page: Page, live_server, demo_site):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Courses").click()
    expect(page).to_have_url(re.compile(r"/courses/$"))
    results = page.locator("#catalogue-results article")
    expect(results).to_have_count(4)

    # Mark this document: after an HTMX swap it is still here, after a full reload it is gone.
    page.evaluate("window.sameDocument = true")
    page.get_by_label("Category").select_option("business")
    expect(page).to_have_url(re.compile(r"[?&]category=business"))
    expect(results).to_have_count(2)
    expect(page.locator("#catalogue-results")).to_contain_text("Project Management Essentials")
    assert page.evaluate("window.sameDocument") is True

    page.get_by_label("Price").select_option("paid")
    expect(page).to_have_url(re.compile(r"category=business.*price=paid|price=paid.*category=business"))
    expect(results).to_have_count(1)

    # The shareable URL gives the same results on a fresh load.
    page.reload()
    expect(results).to_have_count(1)
    expect(page.get_by_label("Price")).to_have_value("paid")

    page.get_by_role("link", name="Negotiation Skills for Managers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Negotiation Skills for Managers")
    expect(page.get_by_role("heading", name="Course outline")).to_be_visible()
    expect(page.get_by_text("Know your alternative")).to_be_visible()


def test_catalogue_works_at_phone_width(page: Page, live_server, demo_site):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server.url + "/courses/")
    expect(page.locator("#catalogue-results article")).to_have_count(4)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 375, "the page scrolls sideways on a phone"
