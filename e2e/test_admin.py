import re

import pytest
from playwright.sync_api import Page, expect

from courses.models import CourseIndexPage, CoursePage
from e2e.conftest import WAGTAIL_ALLOWED, check_accessibility

pytestmark = pytest.mark.e2e


def sign_in(page: Page, base_url: str, username: str, password: str):
    page.goto(base_url + "/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/\?next=/admin/"))
    page.get_by_label("E-mail or username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_editor_signs_in_and_sees_the_course_tree(page: Page, live_server, demo_site):
    sign_in(page, live_server.url, "admin", "learnwell-admin")
    expect(page).to_have_url(re.compile(r"/admin/$"))

    catalogue = CourseIndexPage.objects.get(slug="courses")
    page.goto(f"{live_server.url}/admin/pages/{catalogue.pk}/")
    listing = page.locator("main")
    for title in ("Python for Data Analysis", "Building Web Apps with Django", "Project Management Essentials"):
        expect(listing.get_by_role("link", name=title, exact=True).first).to_be_visible()

    course = CoursePage.objects.get(slug="python-for-data-analysis")
    page.goto(f"{live_server.url}/admin/pages/{course.pk}/")
    expect(page.locator("main").get_by_role("link", name="Getting started", exact=True).first).to_be_visible()


def test_trainer_edits_their_course_but_not_the_catalogue(page: Page, live_server, demo_site):
    sign_in(page, live_server.url, "trainer", "learnwell-trainer")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    course = CoursePage.objects.get(slug="python-for-data-analysis")
    page.goto(f"{live_server.url}/admin/pages/{course.pk}/edit/")
    expect(page.locator("#id_title")).to_have_value("Python for Data Analysis")
    check_accessibility(page, "the page editor, as a trainer", allow=WAGTAIL_ALLOWED)

    catalogue = CourseIndexPage.objects.get(slug="courses")
    page.goto(f"{live_server.url}/admin/pages/{catalogue.pk}/edit/")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_text("Sorry, you do not have permission")).to_be_visible()
    check_accessibility(page, "the admin home with a permission message", allow=WAGTAIL_ALLOWED)


def test_learner_is_kept_out_of_the_admin(page: Page, live_server, demo_site):
    sign_in(page, live_server.url, "learner", "learnwell-learner")
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/"))
    expect(page.get_by_text("You do not have permission to access the admin")).to_be_visible()
    check_accessibility(page, "the sign-in page with an error")


# Learnwell's own admin screens (its viewsets, snippets and reports inside Wagtail's admin), as an admin sees them
# with the demo content. Their markup is mostly Wagtail's listing templates, so Wagtail's allowances apply.
OWN_ADMIN_LISTINGS = (
    "/admin/analytics/",
    "/admin/webhooks/endpoints/",
    "/admin/webhooks/deliveries/",
    "/admin/lti/platforms/",
    "/admin/xapi/statements/",
    "/admin/snippets/scorm/scormpackage/",
    "/admin/snippets/media_pipeline/videoasset/",
    "/admin/orders/",
    "/admin/coupons/",
    "/admin/certificates/",
    "/admin/live-sessions/",
    "/admin/organisations/",
    "/admin/gamification/badges/",
    "/admin/gamification/point-rules/",
    "/admin/gamification/ledger/",
)


def test_the_admin_screens_of_learnwell_pass_the_accessibility_checks(page: Page, live_server, demo_site):
    sign_in(page, live_server.url, "admin", "learnwell-admin")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    for path in OWN_ADMIN_LISTINGS:
        response = page.goto(live_server.url + path)
        assert response is not None and response.ok, f"{path} answered {response and response.status}"
        expect(page).to_have_url(re.compile(re.escape(path) + "$"))
        check_accessibility(page, path, allow=WAGTAIL_ALLOWED)
    page.goto(live_server.url + "/admin/webhooks/endpoints/new/")
    check_accessibility(page, "a new webhook endpoint form", allow=WAGTAIL_ALLOWED)
