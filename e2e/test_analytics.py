import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from kombu import pools
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from accounts.tests.factories import UserFactory
from analytics import services
from analytics.forms import default_period
from analytics.models import ExportJob, ExportStatus
from courses.models import CoursePage
from e2e.conftest import DESKTOP, PHONE, artefact_path, check_accessibility
from e2e.test_admin import sign_in
from learning.models import Enrollment, EnrollmentStatus
from lms_site.celery import app as celery_app

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
    own = sorted(CoursePage.objects.originals().filter(trainer__username="trainer").values_list("title", flat=True))
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


# Exports built by a real worker ----------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def _test_database_url() -> str:
    """The URL of the test database the live server uses, for a process started outside the test run."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = f"{quote(db['USER'], safe='')}:{quote(db['PASSWORD'], safe='')}"
    return f"mysql://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 3306}/{db['NAME']}"


def _fresh_broker_connections():
    # Celery and kombu keep connection pools keyed by the broker's address, not its transport options: after
    # the broker changes, the next task must open a new connection rather than reuse a pooled one.
    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def export_worker(tmp_path, live_server, demo_site):
    """A real Celery worker in its own process, on the live server's database, with tasks sent through a folder
    (kombu's filesystem transport), so no Redis is needed. Tasks no longer run in the request that queues them:
    the page shows what a person sees while a worker builds the file."""
    folders = {name: tmp_path / name for name in ("queue", "control")}
    for folder in folders.values():
        folder.mkdir()
    broker = {
        "broker_url": "filesystem://",
        "broker_transport_options": {
            "data_folder_in": str(folders["queue"]),
            "data_folder_out": str(folders["queue"]),
            "control_folder": str(folders["control"]),
            "store_processed": False,
        },
        "task_always_eager": False,
    }
    # The worker takes every queue: exports are routed to `documents` (CELERY_TASK_ROUTES).
    script = (
        "from lms_site.celery import app\n"
        f"app.conf.update({broker!r})\n"
        "app.worker_main(['worker', '--pool=solo', '--without-gossip', '--without-mingle', '--without-heartbeat',"
        " '--queues=default,documents,email', '--loglevel=INFO'])\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms_site.settings.test",
        "DATABASE_URL": _test_database_url(),
    }
    log_path = tmp_path / "worker.log"
    log = log_path.open("w")
    command = [sys.executable, "-c", script]  # this interpreter, with a script written just above
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    previous = {key: celery_app.conf[key] for key in broker}
    celery_app.conf.update(broker)
    _fresh_broker_connections()
    yield log_path
    celery_app.conf.update(previous)
    _fresh_broker_connections()
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
    log.close()


def screenshots(page: Page, panel, name: str):
    # The admin scrolls inside its own layout, so a full-page picture would stop at the viewport: the panel is
    # brought into view at each size instead.
    for size, suffix in ((DESKTOP, "1366"), (PHONE, "390")):
        page.set_viewport_size(size)
        try:
            panel.scroll_into_view_if_needed()
        except PlaywrightError:
            # The panel polls and swaps itself in with htmx: it may be replaced mid-scroll. The locator finds
            # the new one.
            panel.scroll_into_view_if_needed()
        page.screenshot(path=artefact_path(f"{name}-{suffix}.png"))
    page.set_viewport_size(DESKTOP)


def test_an_export_built_by_a_worker_downloads_by_itself_inside_the_admin(page: Page, live_server, export_worker):
    base = live_server.url
    sign_in(page, base, "admin", "learnwell-admin")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.goto(f"{base}/admin/analytics/")
    page.evaluate("window.sameDocument = true")

    panels = page.locator("#analytics-export-jobs section")
    try:
        with page.expect_download(timeout=120_000) as download_info:
            page.get_by_role("button", name="CSV", exact=True).click()
            # First what a person sees while the task waits for the worker (or the worker is still building it).
            expect(panels).to_have_count(1)
            expect(panels.first).to_have_attribute("data-status", re.compile("queued|running"))
            expect(panels.first.locator("progress")).to_be_visible()
            screenshots(page, panels.first, "analytics-export-waiting")
        download = download_info.value
    except Exception:
        print(export_worker.read_text())
        raise

    # Then the finished file, downloaded by itself, and a button for another copy, on the same admin page.
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.DONE
    assert "succeeded" in export_worker.read_text(), "the worker built it, not the request"
    assert download.suggested_filename == services.download_filename(job)
    content = Path(download.path()).read_text(encoding="utf-8-sig")
    assert "Python for Data Analysis" in content
    expect(panels.first).to_have_attribute("data-status", "done")
    expect(panels.first.locator("progress")).to_have_count(0)
    expect(page.locator("#analytics-status")).to_have_text("Your export is ready and its download has started.")
    button = panels.first.get_by_role("link", name=re.compile(r"^Download learnwell-report-"))
    expect(button).to_be_visible()
    assert page.evaluate("window.sameDocument") is True, "the export left the dashboard"
    expect(page).to_have_url(re.compile(r"/admin/analytics/$"))
    screenshots(page, panels.first, "analytics-export-ready")
    check_accessibility(page, "the analytics dashboard with an export ready")

    with page.expect_download() as again:
        button.click()
    assert Path(again.value.path()).read_bytes() == Path(download.path()).read_bytes()
