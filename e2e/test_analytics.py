import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from accounts.tests.factories import UserFactory
from analytics.forms import default_period
from courses.models import CoursePage
from e2e.test_admin import sign_in
from learning.models import Enrollment, EnrollmentStatus

pytestmark = pytest.mark.e2e

PYTHON = "Python for Data Analysis"


def filters(page: Page):
    return page.get_by_role("search", name="Filter the report")


def kpi_value(page: Page, key: str):
    return page.locator(f'#analytics-report [data-kpi="{key}"] .analytics-kpi__value')


def enrolments_now(**filters) -> int:
    """Enrolments in the default period (the last twelve months up to today), as the KPI defines them:
    enrollments started in the period, those still awaiting payment not counted."""
    return Enrollment.objects.filter(**filters).exclude(status=EnrollmentStatus.PENDING_PAYMENT).count()


def test_admin_filters_the_dashboard_without_reloading_the_page(page: Page, live_server, demo_site):
    python = CoursePage.objects.get(title=PYTHON)
    # Three learners who enrolled in the Python course in spring 2025, on top of the demo's recent enrolments.
    for day in (3, 14, 25):
        Enrollment.objects.create(  # type: ignore[misc]  # factory_boy types UserFactory() as the factory
            user=UserFactory(role="learner"), course=python, enrolled_at=datetime(2025, 4, day, 12, tzinfo=UTC)
        )
    start, _today = default_period()
    everything = enrolments_now(enrolled_at__date__gte=start)
    # The demo's history learners may have started the course in December 2025 too.
    python_2025 = enrolments_now(course=python, enrolled_at__year=2025)
    assert python_2025 >= 3

    sign_in(page, live_server.url, "admin", "learnwell-admin")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.get_by_role("link", name="Analytics").click()
    expect(page).to_have_url(re.compile(r"/admin/analytics/$"))
    expect(page.get_by_role("heading", name="Analytics", level=1)).to_be_visible()
    expect(page.locator("#analytics-scope")).to_contain_text("All courses")
    expect(kpi_value(page, "enrolments")).to_have_text(str(everything))
    expect(page.locator("#analytics-report figure svg").first).to_be_visible()

    page.evaluate("window.analyticsMarker = 'still the same page'")
    filters(page).get_by_label("Courses", exact=True).select_option(label=PYTHON)
    filters(page).get_by_label("From", exact=True).fill("2025-01-01")
    filters(page).get_by_label("To", exact=True).fill("2025-12-31")
    page.get_by_role("button", name="Show the report").click()

    expect(page.locator("#analytics-scope")).to_contain_text("1 Jan 2025 to 31 Dec 2025")
    expect(kpi_value(page, "enrolments")).to_have_text(str(python_2025))
    for parameter in ("start=2025-01-01", "end=2025-12-31", f"course={python.pk}"):  # in the address, for sharing
        expect(page).to_have_url(re.compile(rf"\?(.*&)?{parameter}(&|$)"))
    assert page.evaluate("window.analyticsMarker") == "still the same page"
    rows = page.locator('[data-table="courses"] tbody tr')
    expect(rows).to_have_count(1)
    expect(rows.first.locator("th")).to_have_text(PYTHON)

    # The numbers behind the chart, for anybody who cannot read the picture.
    chart = page.locator('figure[data-chart="enrolments_completions"]')
    chart.get_by_text("Show the numbers").click()
    april = chart.locator("tbody tr", has_text="2025-04")
    expect(april.locator("td").first).to_have_text("3")

    # Back shows the report as it was, in a working admin page.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/admin/analytics/$"))
    expect(kpi_value(page, "enrolments")).to_have_text(str(everything))
    # Back reloads the page (no history snapshots); Forward is handled by htmx, which listens for it only once
    # the reloaded page has loaded. A person cannot press Forward sooner; the test can, so it waits.
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined")
    page.go_forward()
    expect(kpi_value(page, "enrolments")).to_have_text(str(python_2025))
    expect(page.get_by_role("link", name="Analytics")).to_be_visible()
    page.evaluate("window.analyticsMarker = 'still the same page'")

    # A range the dashboard refuses says why, in place.
    filters(page).get_by_label("From", exact=True).fill("2025-12-31")
    filters(page).get_by_label("To", exact=True).fill("2025-01-01")
    page.get_by_role("button", name="Show the report").click()
    expect(page.locator("#analytics-report")).to_contain_text("The end date must be on or after the start date")
    assert page.evaluate("window.analyticsMarker") == "still the same page"


def test_trainer_sees_only_their_own_courses(page: Page, live_server, demo_site):
    other = UserFactory(role="trainer", first_name="Olga", last_name="Other")
    CoursePage.objects.filter(title="Project Management Essentials").update(trainer=other)
    own = sorted(CoursePage.objects.filter(trainer__username="trainer").values_list("title", flat=True))
    assert own and "Project Management Essentials" not in own

    sign_in(page, live_server.url, "trainer", "learnwell-trainer")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.get_by_role("link", name="Analytics").click()
    expect(page.locator("#analytics-scope")).to_contain_text("Courses taught by Tom Trainer")
    options = filters(page).get_by_label("Courses", exact=True).locator("option")
    expect(options).to_have_text(own)
    expect(filters(page).get_by_label("Trainer", exact=True)).to_have_count(0)
    expect(page.locator('[data-table="courses"] tbody th')).to_have_text(own)


def test_learner_has_no_analytics(page: Page, live_server, demo_site):
    sign_in(page, live_server.url, "learner", "learnwell-learner")
    page.goto(f"{live_server.url}/admin/analytics/")
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/"))
    expect(page.get_by_text("Analytics")).to_have_count(0)
