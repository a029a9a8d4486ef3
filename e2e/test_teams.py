"""A manager buys 5 seats through the payment simulator, invites three people from a CSV file, assigns the course
to the one who accepts; she completes it, and the manager sees it on the team's progress grid and downloads the
invoice. Default settings: no Stripe key, so Checkout is the simulator page."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, FilePayload, Page, expect

from accounts.models import User
from courses.models import CourseIndexPage
from courses.tests.factories import make_course
from e2e.conftest import DESKTOP, artefact_path, check_accessibility, sign_in
from organisations import services
from organisations.models import Invitation, MemberRole, Membership, Organisation, SeatPool

pytestmark = pytest.mark.e2e

COURSE_TITLE = "Forklift Safety"
CSV = (
    "email,first_name,last_name,role,group\n"
    "nina@example.com,Nina,North,member,Warehouse\n"
    "omar@example.com,Omar,Ost,member,Warehouse\n"
    "pia@example.com,Pia,Park,member,Office\n"
)


def test_a_manager_buys_seats_invites_from_csv_and_follows_a_member_to_her_certificate(
    page: Page, browser: Browser, live_server, demo_site
):
    base = live_server.url
    course = make_course(
        CourseIndexPage.objects.originals().get(),
        title=COURSE_TITLE,
        modules=1,
        lessons_per_module=2,
        price=Decimal("40.00"),
        trainer=User.objects.get(username="trainer"),
    )
    boss = User.objects.create_user(username="boss", email="boss@example.com", password="boss-password-123")
    organisation = Organisation.objects.create(name="Harbour Freight", slug="harbour-freight", tax_id="NL999")
    services.add_member(organisation=organisation, user=boss, role=MemberRole.MANAGER)
    page.set_viewport_size(DESKTOP)

    # The manager finds the team from the dashboard and buys 5 seats by card through the simulator.
    sign_in(page, base, "boss", "boss-password-123")
    page.goto(f"{base}/learning/")
    page.get_by_role("link", name=re.compile("Harbour Freight")).click()
    expect(page.get_by_role("heading", name="Harbour Freight")).to_be_visible()
    check_accessibility(page, "a team's dashboard")
    page.get_by_role("navigation", name="Team pages").get_by_role("link", name="Seats and orders").click()
    page.get_by_label(COURSE_TITLE).fill("5")
    page.get_by_label("Card").check()
    page.get_by_role("button", name="Continue to payment").click()
    expect(page).to_have_url(re.compile(r"/billing/simulator/\d+/$"))
    page.get_by_role("button", name="Pay now (card succeeds)").click()
    expect(page.get_by_role("table", name="Seats per course")).to_contain_text(COURSE_TITLE)
    assert SeatPool.objects.get(organisation=organisation, course=course).seats == 5

    # Three people from a CSV file: every row checked and shown first, then invited in one go.
    page.get_by_role("link", name="Members").click()
    page.get_by_role("link", name=re.compile("CSV")).click()
    page.get_by_label("CSV file").set_input_files(
        files=FilePayload(name="team.csv", mimeType="text/csv", buffer=CSV.encode())
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("pia@example.com")).to_be_visible()
    check_accessibility(page, "a team's CSV import, checked")
    page.get_by_role("button", name="Invite 3 people").click()
    expect(page.get_by_text("nina@example.com")).to_be_visible()
    check_accessibility(page, "a team's members and invitations")
    assert Invitation.objects.filter(organisation=organisation, accepted_at__isnull=True).count() == 3

    # Nina opens her link (the e-mail's), creates her account from it and joins.
    nina_page = browser.new_page(viewport=DESKTOP)
    invitation = Invitation.objects.get(email="nina@example.com")
    nina_page.goto(base + reverse("organisations:accept", args=[services.invitation_token(invitation)]))
    expect(nina_page.get_by_role("heading", name="Join Harbour Freight")).to_be_visible()
    check_accessibility(nina_page, "an invitation to join a team")
    nina_page.get_by_label("First name").fill("Nina")
    nina_page.get_by_label("Last name").fill("North")
    nina_page.get_by_label("Username").fill("nina")
    nina_page.locator("#id_password1").fill("a-long-enough-passphrase-1")
    nina_page.locator("#id_password2").fill("a-long-enough-passphrase-1")
    nina_page.get_by_role("button", name="Create my account and join").click()
    expect(nina_page).to_have_url(f"{base}/learning/")
    nina = Membership.objects.get(organisation=organisation, user__username="nina")

    # The manager assigns her the course: it takes one seat.
    page.get_by_role("navigation", name="Team pages").get_by_role("link", name="Assignments").click()
    page.get_by_label("Course:").select_option(label=COURSE_TITLE)
    page.get_by_label("Nina North").check()
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_text("Nina North").first).to_be_visible()
    assert services.seats_in_use(organisation_id=organisation.pk, course_id=course.pk) == 1
    check_accessibility(page, "a team's assignments")

    # Nina finds it first on her dashboard and completes it.
    nina_page.goto(f"{base}/learning/")
    assigned = nina_page.get_by_test_id("assigned-course")
    expect(assigned).to_contain_text(COURSE_TITLE)
    assigned.get_by_role("link", name=COURSE_TITLE).click()
    nina_page.get_by_role("link", name=re.compile("Start|Continue")).first.click()
    for lesson_number in range(2):
        nina_page.wait_for_load_state("load")  # htmx is running: the completion is an htmx post
        nina_page.get_by_role("button", name="Mark complete").click()
        expect(nina_page.locator("#lesson-actions")).to_contain_text("Lesson completed")
        if lesson_number == 0:
            nina_page.get_by_role("link", name=re.compile("^Next lesson")).click()
    nina_page.goto(f"{base}/learning/")
    expect(nina_page.get_by_test_id("assigned-course")).to_contain_text("Completed")
    assert nina.user.enrollments.get(course=course).progress_percent == 100

    # The manager sees it on the progress grid and downloads the invoice.
    page.get_by_role("navigation", name="Team pages").get_by_role("link", name="Progress").click()
    expect(page.locator("main")).to_contain_text("Nina North")
    expect(page.locator("main")).to_contain_text("Completed")
    check_accessibility(page, "a team's progress grid")
    page.screenshot(path=artefact_path("teams-progress-desktop.png"), full_page=True)
    page.get_by_role("navigation", name="Team pages").get_by_role("link", name="Seats and orders").click()
    expect(page.get_by_role("heading", name="Orders")).to_be_visible()
    check_accessibility(page, "a team's seats and orders")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Invoice")).first.click()
    invoice = download.value
    with open(invoice.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
    page.screenshot(path=artefact_path("teams-seats-desktop.png"), full_page=True)
