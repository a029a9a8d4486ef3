"""A learner books a live session and checks in with the trainer's code; the trainer takes attendance on the
roster for another learner and corrects it, keeping the history. Booking answers move the seat counts in
place; after a session the trainer marks everybody present in one click."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from accounts.tests.factories import UserFactory
from courses.models import CourseIndexPage
from courses.tests.factories import make_course
from e2e.conftest import DESKTOP, PHONE, artefact_path, check_accessibility, sign_in
from learning import services as learning_services
from scheduling.tests.factories import make_session

pytestmark = pytest.mark.e2e


def test_learner_books_and_checks_in_and_trainer_takes_attendance(page: Page, browser: Browser, live_server, demo_site):
    base = live_server.url
    trainer = User.objects.get(username="trainer")
    course = make_course(CourseIndexPage.objects.originals().get(), title="Live Course", trainer=trainer, modules=1)
    learner = User.objects.get(username="learner")
    # factory_boy types a factory call as the factory, not as what it makes.
    classmate: User = UserFactory(first_name="Cleo", last_name="Classmate")  # type: ignore[assignment]
    for person in (learner, classmate):
        learning_services.enroll(user=person, course=course)
    # Starts in 10 minutes: bookings are still open and check-in (from 15 minutes before) already is.
    session = make_session(course, by=trainer, title="Live clinic", starts_at=timezone.now() + timedelta(minutes=10))
    from scheduling import services

    services.book_seat(session=session, user=classmate)

    sign_in(page, base, "learner", "learnwell-learner")
    page.goto(base + course.url)
    page.get_by_role("link", name=re.compile("Live clinic")).first.click()
    expect(page).to_have_url(re.compile(rf"/scheduling/sessions/{session.pk}/$"))
    page.get_by_role("button", name="Book a seat").click()
    expect(page.get_by_role("button", name="Cancel booking")).to_be_visible()
    # The join link shows to a booked learner from 15 minutes before the start.
    expect(page.get_by_role("link", name=re.compile("Join", re.I))).to_have_attribute(
        "href", "https://meet.example.com/room-1"
    )
    check_accessibility(page, "a live session, booked")

    # The trainer shows the code; its QR code opens the check-in page with the code filled in.
    trainer_page = browser.new_page()
    sign_in(trainer_page, base, "trainer", "learnwell-trainer")
    trainer_page.goto(base + f"/scheduling/sessions/{session.pk}/code/")
    session.refresh_from_db()
    expect(trainer_page.get_by_text(session.check_in_code).first).to_be_visible()
    expect(trainer_page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    check_accessibility(trainer_page, "a live session's check-in code")

    page.goto(base + f"/scheduling/sessions/{session.pk}/check-in/?code={session.check_in_code.lower()}")
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_text(re.compile(r"checked in \(present\)", re.I))).to_be_visible()

    trainer_page.goto(base + f"/scheduling/sessions/{session.pk}/roster/")
    learner_row = trainer_page.locator(f"#roster-row-{learner.pk}")
    expect(learner_row.get_by_text("Checked in themselves")).to_be_visible()
    classmate_row = trainer_page.locator(f"#roster-row-{classmate.pk}")
    classmate_row.get_by_role("button", name="Absent").click()
    expect(classmate_row.locator("[data-status]")).to_have_attribute("data-status", "absent")
    classmate_row.get_by_placeholder("Note on a correction (optional)").fill("Arrived after the break")
    classmate_row.get_by_role("button", name="Late").click()
    expect(classmate_row.locator("[data-status]")).to_have_attribute("data-status", "late")
    classmate_row.get_by_text("2 changes").click()
    expect(classmate_row.get_by_text(re.compile(r"absent → late by .*Arrived after the break"))).to_be_visible()
    check_accessibility(trainer_page, "a live session's attendance roster")


def test_booking_updates_the_seat_count_in_place_and_says_you_have_a_seat_once(page: Page, live_server, demo_site):
    base = live_server.url
    trainer = User.objects.get(username="trainer")
    course = make_course(CourseIndexPage.objects.originals().get(), title="Seat Course", trainer=trainer, modules=1)
    learner = User.objects.get(username="learner")
    classmate: User = UserFactory()  # type: ignore[assignment]
    for person in (learner, classmate):
        learning_services.enroll(user=person, course=course)
    soon = timezone.now() + timedelta(days=2)
    small = make_session(course, by=trainer, title="Small clinic", capacity=2, starts_at=soon)
    tiny = make_session(course, by=trainer, title="Tiny clinic", capacity=1, starts_at=soon + timedelta(days=1))
    from scheduling import services

    services.book_seat(session=tiny, user=classmate)
    # hx-confirm asks before a booking is given up.
    page.on("dialog", lambda dialog: dialog.accept())

    sign_in(page, base, "learner", "learnwell-learner")
    page.goto(base + f"/scheduling/sessions/{small.pk}/")
    seats = page.locator("#seat-count")
    expect(seats).to_have_text("2 of 2 left")
    # Set on this document: a full reload would lose it.
    page.evaluate("window.sameDocument = true")

    page.get_by_role("button", name="Book a seat").click()
    expect(seats).to_have_text("1 of 2 left")
    expect(page.get_by_role("button", name="Cancel booking")).to_be_visible()
    assert page.locator("main").inner_text().count("You have a seat") == 1
    assert page.evaluate("window.sameDocument") is True
    page.set_viewport_size(PHONE)
    page.screenshot(path=artefact_path("session-booked-390.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=artefact_path("session-booked-1366.png"), full_page=True)

    page.get_by_role("button", name="Cancel booking").click()
    expect(seats).to_have_text("2 of 2 left")
    expect(page.get_by_role("button", name="Book a seat")).to_be_visible()
    assert "You have a seat" not in page.locator("main").inner_text()
    assert page.evaluate("window.sameDocument") is True

    # A full session: joining and leaving the waitlist move its count in place too.
    page.goto(base + f"/scheduling/sessions/{tiny.pk}/")
    waiting = page.locator("#waitlist-count")
    expect(waiting).to_have_text("Nobody waiting")
    page.evaluate("window.sameDocument = true")
    page.get_by_role("button", name="Join the waitlist").click()
    expect(waiting).to_have_text("1 waiting")
    expect(page.locator("#seat-count")).to_have_text("Full (1 seat)")
    assert page.locator("main").inner_text().count("You are on the waitlist") == 1
    page.get_by_role("button", name="Leave the waitlist").click()
    expect(waiting).to_have_text("Nobody waiting")
    assert page.evaluate("window.sameDocument") is True


def test_trainer_marks_everybody_present_after_the_session_in_one_click(page: Page, live_server, demo_site):
    base = live_server.url
    trainer = User.objects.get(username="trainer")
    course = make_course(CourseIndexPage.objects.originals().get(), title="Roster Course", trainer=trainer, modules=1)
    from scheduling import services

    # Ended yesterday: the trainer takes the attendance they did not get to during the session.
    starts_at = timezone.now() - timedelta(days=1)
    session = make_session(course, by=trainer, title="Yesterday's clinic", starts_at=starts_at)
    people = []
    for first_name in ("Ann", "Ben", "Cat"):
        person: User = UserFactory(first_name=first_name)  # type: ignore[assignment]
        learning_services.enroll(user=person, course=course)
        services.book_seat(session=session, user=person, now=starts_at - timedelta(days=1))
        people.append(person)
    services.mark_attendance(session=session, user=people[2], status="absent", by=trainer, now=starts_at)

    sign_in(page, base, "trainer", "learnwell-trainer")
    page.goto(base + f"/scheduling/sessions/{session.pk}/roster/")
    expect(page.get_by_text(re.compile(r"can take and correct attendance until"))).to_be_visible()
    page.get_by_role("button", name="Mark all present").click()
    expect(page.get_by_text("2 learners are marked present.")).to_be_visible()
    for person, status in zip(people, ("present", "present", "absent"), strict=True):
        expect(page.locator(f"#roster-row-{person.pk} [data-status]")).to_have_attribute("data-status", status)
    expect(page.get_by_role("button", name="Mark all present")).to_have_count(0)
    page.set_viewport_size(PHONE)
    page.screenshot(path=artefact_path("roster-marked-390.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=artefact_path("roster-marked-1366.png"), full_page=True)


def test_the_admin_session_form_lines_up_its_times_and_takes_the_courses_trainer_zone(
    page: Page, live_server, demo_site
):
    base = live_server.url
    User.objects.filter(username="trainer").update(time_zone="Europe/Berlin")
    User.objects.filter(username="admin").update(time_zone="UTC")
    sign_in(page, base, "admin", "learnwell-admin")
    page.set_viewport_size(DESKTOP)
    page.goto(base + "/admin/live-sessions/new/")
    page.locator("#id_end_time").scroll_into_view_if_needed()
    page.screenshot(path=artefact_path("live-session-form-1366.png"))
    starts, ends = page.locator("#id_start_time").bounding_box(), page.locator("#id_end_time").bounding_box()
    title = page.locator("#id_title").bounding_box()
    assert starts and ends and title
    # "Ends at" beside "Starts at", on the same line, and within the form's width like every other field.
    assert starts["y"] == ends["y"] and starts["x"] < ends["x"]
    assert ends["x"] + ends["width"] <= title["x"] + title["width"]
    zone = page.locator("#id_time_zone")
    expect(zone).to_have_value("UTC")  # the admin's own, until a course is chosen
    page.locator("#id_course").select_option(label="Python for Data Analysis")
    expect(zone).to_have_value("Europe/Berlin")
    # A zone chosen by hand stays when the course changes again.
    zone.select_option("Asia/Tokyo")
    page.locator("#id_course").select_option(label="Building Web Apps with Django")
    expect(zone).to_have_value("Asia/Tokyo")
