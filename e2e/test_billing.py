"""A learner buys a course through the local payment simulator and studies; an admin refunds the order and
the learner's access ends. Another buys with a coupon and billing details and finds both on the receipt.
Default settings: no Stripe key, so Checkout is the simulator page."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from billing.models import Order, OrderStatus
from courses.models import CourseIndexPage, LessonPage
from courses.tests.factories import make_course
from e2e.conftest import DESKTOP, PHONE, artefact_path, check_accessibility, sign_in
from learning.models import Enrollment, EnrollmentStatus

pytestmark = pytest.mark.e2e

COURSE_TITLE = "Checkout Sprint"


def call_to_action(page: Page):
    return page.locator("#course-call-to-action")


def test_learner_buys_a_course_studies_and_loses_access_when_an_admin_refunds(
    page: Page, browser: Browser, live_server, demo_site
):
    base = live_server.url
    course = make_course(
        CourseIndexPage.objects.originals().get(),
        title=COURSE_TITLE,
        modules=1,
        lessons_per_module=2,
        price=Decimal("49.00"),
        trainer=User.objects.get(username="trainer"),
    )
    assert not course.prerequisites.exists()
    preview, members_only = LessonPage.objects.live().descendant_of(course).order_by("path")
    assert preview.is_free_preview and not members_only.is_free_preview

    # The learner buys the course: Checkout is the local simulator, which says no money moves.
    sign_in(page, base, "learner", "learnwell-learner")
    page.goto(base + course.url)
    expect(call_to_action(page)).to_contain_text("49.00 EUR")
    call_to_action(page).get_by_role("button", name="Buy course").click()
    # The checkout step: no coupon, no billing details; straight on to the payment.
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    page.get_by_role("button", name="Continue to payment").click()
    expect(page).to_have_url(re.compile(r"/billing/simulator/\d+/$"))
    order = Order.objects.get(user__username="learner", course=course)
    expect(page).to_have_url(f"{base}/billing/simulator/{order.pk}/")
    expect(page.get_by_role("note")).to_contain_text("Local payment simulator: no real money moves.")
    expect(page.get_by_role("heading", name=f"Pay for “{COURSE_TITLE}”")).to_be_visible()

    page.get_by_role("button", name="Pay now (card succeeds)").click()
    # The simulator's signed webhook marked the order paid, so the return page sends the learner on.
    expect(page).to_have_url(base + course.url)
    expect(page.get_by_text(f"Payment received: welcome to “{COURSE_TITLE}”!")).to_be_visible()
    expect(call_to_action(page).get_by_role("button", name="Buy course")).to_have_count(0)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID

    call_to_action(page).get_by_role("link", name="Continue learning").click()
    expect(page).to_have_url(base + preview.url)
    expect(page.locator("#lesson-swap").get_by_role("heading", level=1)).to_have_text(preview.title)
    # The learner studies as an enrolled learner: progress is recorded, and the members-only lesson opens.
    page.get_by_role("button", name="Mark complete").click()
    expect(page.locator("#lesson-actions")).to_contain_text("Lesson completed")
    page.get_by_role("link", name=re.compile(r"^Next lesson")).click()
    expect(page).to_have_url(base + members_only.url)
    expect(page.locator("#lesson-swap").get_by_role("heading", level=1)).to_have_text(members_only.title)
    expect(page.get_by_text("Body of lesson 1.2")).to_be_visible()
    expect(page.get_by_role("button", name="Mark complete")).to_be_visible()

    # An admin, in a browser of their own, refunds the order from the Orders admin.
    admin_context = browser.new_context()
    try:
        admin = admin_context.new_page()
        sign_in(admin, base, "admin", "learnwell-admin", next_path="/admin/")
        admin.goto(f"{base}/admin/orders/")
        order_number = re.compile(rf"#{order.pk}\b")
        row = admin.get_by_role("row").filter(has_text=order_number)
        expect(row).to_contain_text(COURSE_TITLE)
        expect(row).to_contain_text("Paid")
        row.get_by_role("link", name=order_number).first.click()
        expect(admin).to_have_url(re.compile(rf"/admin/orders/inspect/{order.pk}/$"))
        admin.get_by_role("link", name="Refund").click()
        expect(admin).to_have_url(re.compile(rf"/admin/orders/refund/{order.pk}/$"))
        admin.get_by_role("button", name="Refund 49.00 EUR").click()
        # The simulator confirms at once (its charge.refunded goes through the webhook path straight away).
        expect(admin).to_have_url(re.compile(rf"/admin/orders/inspect/{order.pk}/$"))
        expect(admin.get_by_text("the learner's access has ended")).to_be_visible()
    finally:
        admin_context.close()

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and order.refund_requested_by.username == "admin"
    assert Enrollment.objects.get(user__username="learner", course=course).status == EnrollmentStatus.REFUNDED

    # The learner, still on the lesson, reloads it: the course is closed to them again.
    response = page.reload()
    assert response is not None and response.status == 403
    expect(page.get_by_text("This lesson is for enrolled learners")).to_be_visible()
    expect(page.get_by_text("Body of lesson 1.2")).to_have_count(0)
    expect(page.get_by_role("button", name="Mark complete")).to_have_count(0)

    page.goto(base + course.url)
    expect(call_to_action(page).get_by_role("button", name="Buy course")).to_be_enabled()
    expect(call_to_action(page).get_by_role("link", name="Continue learning")).to_have_count(0)


def test_learner_buys_with_a_coupon_and_billing_details_and_the_receipt_shows_them(
    page: Page, live_server, demo_site, mailoutbox
):
    base = live_server.url
    course = make_course(
        CourseIndexPage.objects.originals().get(),
        title="Coupon Sprint",
        modules=1,
        lessons_per_module=1,
        price=Decimal("49.00"),
        trainer=User.objects.get(username="trainer"),
    )
    sign_in(page, base, "learner", "learnwell-learner")
    page.goto(base + course.url)
    expect(call_to_action(page)).to_contain_text("Have a coupon?")
    call_to_action(page).get_by_role("button", name="Buy course").click()
    expect(page).to_have_url(re.compile(rf"/billing/courses/{course.pk}/checkout/\??$"))
    summary = page.locator("#coupon-summary")
    expect(summary).to_contain_text("49.00 EUR")

    # A wrong code is refused in place; the demo's WELCOME10 (typed in lower case) takes 10 % off.
    page.get_by_label("Coupon code").fill("NOTACODE")
    summary.get_by_role("button", name="Apply").click()
    expect(summary.get_by_role("alert")).to_have_text("The coupon code “NOTACODE” is not valid.")
    page.get_by_label("Coupon code").fill("welcome10")
    summary.get_by_role("button", name="Apply").click()
    expect(summary).to_contain_text("Coupon WELCOME10")
    expect(summary).to_contain_text("−4.90 EUR")
    expect(page.locator("#checkout-total")).to_have_text("44.10 EUR")
    check_accessibility(page, "the checkout with a coupon")
    assert not Order.objects.filter(course=course).exists()  # applying a code buys nothing

    page.get_by_text("Billing details (optional)").click()
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Company").fill("Analytical Engines GmbH")
    page.get_by_label("Street and number").fill("Unter den Linden 1")
    page.get_by_label("Postal code").fill("10117")
    page.get_by_label("Town or city").fill("Berlin")
    page.get_by_label("Country").select_option(label="Germany")
    page.get_by_label("VAT id").fill("DE 123 456 789")
    for size, name in ((DESKTOP, "checkout-coupon-1366.png"), (PHONE, "checkout-coupon-390.png")):
        page.set_viewport_size(size)
        page.screenshot(path=artefact_path(name), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="Continue to payment").click()

    order = Order.objects.get(user__username="learner", course=course)
    expect(page).to_have_url(f"{base}/billing/simulator/{order.pk}/")
    expect(page.get_by_text("Coupon WELCOME10")).to_be_visible()
    expect(page.get_by_text("44.10 EUR", exact=True)).to_be_visible()
    check_accessibility(page, "the payment simulator")
    page.get_by_role("button", name="Pay now (card succeeds)").click()
    expect(page).to_have_url(base + course.url)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.amount_paid == Decimal("44.10")

    # The purchases page links to the receipt, which names seller and buyer and shows the coupon.
    page.goto(f"{base}/billing/purchases/")
    row = page.get_by_role("row").filter(has_text="Coupon Sprint")
    expect(row).to_contain_text("Coupon WELCOME10 −4.90 EUR")
    expect(row).to_contain_text("Billed to Analytical Engines GmbH · Germany · VAT id: DE123456789")
    check_accessibility(page, "the purchases")
    row.get_by_role("link", name=re.compile(r"^View receipt")).click()
    expect(page).to_have_url(f"{base}/billing/orders/{order.pk}/receipt/")
    seller, buyer, totals = (
        page.locator("#receipt-seller"),
        page.locator("#receipt-buyer"),
        page.locator("#receipt-totals"),
    )
    expect(seller).to_contain_text("Learnwell Demo Ltd")
    expect(seller).to_contain_text("1 Example Street")
    expect(seller).to_contain_text("VAT id: DE000000000")
    expect(buyer).to_contain_text("Analytical Engines GmbH")
    expect(buyer).to_contain_text("Unter den Linden 1")
    expect(buyer).to_contain_text("10117 Berlin")
    expect(buyer).to_contain_text("VAT id: DE123456789")
    expect(totals).to_contain_text("Coupon WELCOME10")
    expect(totals).to_contain_text("−4.90 EUR")
    expect(totals).to_contain_text("44.10 EUR")
    check_accessibility(page, "a receipt")
    for size, name in ((DESKTOP, "receipt-page-1366.png"), (PHONE, "receipt-page-390.png")):
        page.set_viewport_size(size)
        page.screenshot(path=artefact_path(name), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename == f"receipt-R-{order.pk:06d}.pdf"

    # The buyer was e-mailed the same receipt once.
    [receipt] = [message for message in mailoutbox if message.attachments]
    assert receipt.to == [User.objects.get(username="learner").email]
    assert receipt.attachments[0][0] == f"receipt-R-{order.pk:06d}.pdf"
