"""A learner finishes a short course and downloads the certificate; a visitor verifies it by serial."""

import io
import re

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from accounts.models import User
from courses.models import CourseIndexPage, LessonPage
from courses.tests.factories import make_course
from e2e.conftest import check_accessibility

pytestmark = pytest.mark.e2e


def test_learner_downloads_the_certificate_and_a_visitor_verifies_it(
    page: Page, browser: Browser, live_server, demo_site, tmp_path
):
    base = live_server.url
    User.objects.filter(username="learner").update(first_name="Zoë", last_name="Ólafsdóttir")
    course = make_course(
        CourseIndexPage.objects.originals().get(),
        title="Certificate Sprint",
        modules=1,
        lessons_per_module=2,
        trainer=User.objects.get(username="trainer"),
    )
    first, second = LessonPage.objects.live().descendant_of(course).order_by("path")

    page.goto(base + "/accounts/sign-in/")
    page.get_by_label("E-mail or username").fill("learner")
    page.get_by_label("Password").fill("learnwell-learner")
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/sign-in/"))

    page.goto(base + course.url)
    page.get_by_role("button", name="Enrol for free").click()
    expect(page).to_have_url(re.compile(re.escape(first.url) + "$"))
    page.get_by_role("button", name="Mark complete").click()
    # Wait for the htmx answer: following the link at once can abort the request that completes the lesson.
    expect(page.locator("#lesson-actions")).to_contain_text("Lesson completed")
    page.get_by_role("link", name=re.compile("^Next lesson")).click()
    expect(page).to_have_url(re.compile(re.escape(second.url) + "$"))
    page.get_by_role("button", name="Mark complete").click()
    expect(page.get_by_text("You completed the whole course")).to_be_visible()
    expect(page.get_by_role("link", name="Download certificate (PDF)")).to_be_visible()

    page.goto(base + "/learning/")
    certificates = page.get_by_role("region", name="Certificates")
    check_accessibility(page, "the dashboard with a certificate")
    serial = re.search(r"LW-[0-9A-Z-]{19}", certificates.inner_text()).group(0)
    with page.expect_download() as download_info:
        certificates.get_by_role("link", name="Download certificate (PDF)").click()
    pdf_path = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf_path)
    text = PdfReader(io.BytesIO(pdf_path.read_bytes())).pages[0].extract_text()
    assert "Zoë Ólafsdóttir" in text and "Certificate Sprint" in text and serial in text

    # Someone without an account checks the certificate the learner sent them.
    visitor = browser.new_page()
    visitor.goto(base + "/certificates/verify/")
    check_accessibility(visitor, "the certificate verification form")
    visitor.get_by_label("Certificate serial").fill(serial.lower())
    visitor.get_by_role("button", name="Verify").click()
    expect(visitor.get_by_role("heading", name="✓ Valid certificate")).to_be_visible()
    expect(visitor.get_by_text("Zoë Ólafsdóttir")).to_be_visible()
    expect(visitor.get_by_text("Certificate Sprint")).to_be_visible()
    visitor.get_by_label("Certificate PDF").set_input_files(pdf_path)
    visitor.get_by_role("button", name="Check the file").click()
    expect(visitor.get_by_text("The file matches")).to_be_visible()
    check_accessibility(visitor, "a verified certificate")
    visitor.close()
