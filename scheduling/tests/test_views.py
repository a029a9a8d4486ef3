"""The learner's side of live sessions: who sees what, booking, the join link, time zones and check-in."""

import html
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.urls import reverse

from accounts.tests.factories import UserFactory
from courses.tests.factories import make_course
from learning import services as learning_services
from lms_site.tests.clients import as_
from scheduling import services
from scheduling.models import Attendance, Booking, BookingStatus
from scheduling.tests.factories import START, enrolled_learner, make_session

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
# A few days before the factory's session (Wednesday 2 December 2026, 17:00 UTC).
BEFORE = datetime(2026, 11, 28, 9, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(BEFORE, tick=False) as traveller:
        yield traveller


@pytest.fixture
def enrolled(course):
    return enrolled_learner(course)


@pytest.fixture
def session(course, trainer):
    return make_session(course, by=trainer, location="Room 4", description="Bring your questions.")


@pytest.fixture
def people(learner, enrolled, trainer, other_trainer, admin_user):
    """Everyone who may knock on a session URL; `trainer` runs the course, `other_trainer` does not."""
    return {
        "visitor": None,
        "other learner": learner,
        "enrolled learner": enrolled,
        "trainer of another course": other_trainer,
        "course trainer": trainer,
        "admin": admin_user,
    }


def text(response) -> str:
    return html.unescape(response.content.decode())


def next_of(location: str) -> str:
    """Where the sign-in page sends the person back to."""
    return parse_qs(urlsplit(location).query)["next"][0]


def url(name, session, **query):
    address = reverse(f"scheduling:{name}", args=[session.pk])
    return address + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


# Who may do what


VIEWERS = [
    ("visitor", 302),
    ("other learner", 403),
    ("enrolled learner", 200),
    ("trainer of another course", 403),
    ("course trainer", 200),
    ("admin", 200),
]


@pytest.mark.parametrize(("who", "status"), VIEWERS)
def test_who_sees_a_session_page(client, people, session, who, status):
    response = as_(client, people[who]).get(url("session", session))
    assert response.status_code == status
    body = text(response)
    if status == 200:
        assert "Live Q&A" in body and "Room 4" in body and "Bring your questions." in body
    elif status == 302:
        assert response["Location"].startswith(reverse("accounts:sign_in"))
        assert next_of(response["Location"]) == url("session", session)
    else:
        assert "enrolled learners, its trainer and admins" in body
        assert "Room 4" not in body


@pytest.mark.parametrize(("who", "status"), VIEWERS)
def test_who_downloads_a_session_ics(client, people, session, who, status):
    response = as_(client, people[who]).get(url("session_ics", session))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"].startswith("text/calendar")
        assert "attachment" in response["Content-Disposition"]


@pytest.mark.parametrize(("who", "status"), VIEWERS)
def test_who_opens_the_check_in_page(client, people, session, who, status):
    response = as_(client, people[who]).get(url("check_in", session, code="ABC123"))
    assert response.status_code == status
    if status == 302:
        # Back to the same page, code included, after signing in.
        assert next_of(response["Location"]) == url("check_in", session, code="ABC123")


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("visitor", 302),
        ("other learner", 403),
        ("enrolled learner", 302),
        ("trainer of another course", 403),
        ("course trainer", 403),  # staff run sessions; seats are for enrolled learners
        ("admin", 403),
    ],
)
def test_who_books_a_seat(client, people, session, who, status):
    response = as_(client, people[who]).post(url("book", session))
    assert response.status_code == status
    booked = Booking.objects.filter(session=session, status=BookingStatus.BOOKED)
    assert booked.count() == (1 if who == "enrolled learner" else 0)
    if who == "enrolled learner":
        assert response["Location"] == url("session", session)
    if who == "visitor":
        assert response["Location"].startswith(reverse("accounts:sign_in"))
    if who == "course trainer":
        assert "Enrol in the course to book" in text(response)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("visitor", 302),
        ("other learner", 403),
        ("enrolled learner", 302),
        ("trainer of another course", 403),
        ("course trainer", 400),  # may see the session, holds no booking
        ("admin", 400),
    ],
)
def test_who_cancels_a_booking(client, people, session, who, status):
    booking = services.book_seat(session=session, user=people["enrolled learner"])
    response = as_(client, people[who]).post(url("cancel_booking", session))
    assert response.status_code == status
    booking.refresh_from_db()
    assert (booking.status == BookingStatus.CANCELLED) is (who == "enrolled learner")


def test_banned_learner_is_refused(client, session, enrolled):
    enrolled.is_banned = True
    enrolled.save()
    response = as_(client, enrolled).get(url("session", session))
    assert response.status_code in (302, 403)  # signed out by the middleware, or refused


def test_book_and_cancel_only_answer_posts(client, enrolled, session):
    as_(client, enrolled)
    assert client.get(url("book", session)).status_code == 405
    assert client.get(url("cancel_booking", session)).status_code == 405


def test_unknown_session_is_404(client, enrolled):
    as_(client, enrolled)
    assert client.get(reverse("scheduling:session", args=[999999])).status_code == 404
    assert client.post(reverse("scheduling:book", args=[999999])).status_code == 404


# Booking


def test_booking_with_htmx_swaps_the_panel_and_the_seat_counts_beside_it(client, enrolled, session):
    response = as_(client, enrolled).post(url("book", session), headers=HTMX)
    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith('<section id="booking-panel"')
    assert "<html" not in body
    assert "Booking confirmed." in body and "Cancel booking" in body
    assert body.count("You have a seat") == 1
    # The counts live outside the panel: they come along to be swapped in place (out of band).
    assert '<dd id="seat-count" class="font-medium" hx-swap-oob="true">19 of 20 left</dd>' in body
    assert '<dd id="waitlist-count" class="font-medium" hx-swap-oob="true">Nobody waiting</dd>' in body
    assert "private" in response["Cache-Control"]


def test_booking_with_a_plain_post_redirects_to_the_page(client, enrolled, session):
    response = as_(client, enrolled).post(url("book", session), follow=True)
    assert response.redirect_chain == [(url("session", session), 302)]
    body = text(response)
    assert "Booking confirmed." in body  # the message
    assert body.count("You have a seat") == 1  # the panel
    assert '<dd id="seat-count" class="font-medium">19 of 20 left</dd>' in body


def test_the_page_answers_htmx_with_the_panel_and_the_counts_only(client, enrolled, session):
    response = as_(client, enrolled).get(url("session", session), headers=HTMX)
    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith('<section id="booking-panel"') and "<html" not in body
    assert 'id="seat-count" class="font-medium" hx-swap-oob="true"' in body


def test_cancelling_a_booking(client, enrolled, session):
    services.book_seat(session=session, user=enrolled)
    response = as_(client, enrolled).post(url("cancel_booking", session), headers=HTMX)
    assert response.status_code == 200
    body = text(response)
    assert "Your booking is cancelled" in body
    assert "Book a seat" in body and "You have a seat" not in body
    assert '<dd id="seat-count" class="font-medium" hx-swap-oob="true">20 of 20 left</dd>' in body
    assert Booking.objects.get(user=enrolled).status == BookingStatus.CANCELLED


def test_a_full_session_offers_the_waitlist(client, course, trainer, enrolled):
    session = make_session(course, by=trainer, capacity=1)
    first = enrolled_learner(course)
    services.book_seat(session=session, user=first)

    page = text(as_(client, enrolled).get(url("session", session)))
    assert "All seats are taken." in page and "Join the waitlist" in page
    assert "Full (1 seat)" in page

    response = client.post(url("book", session), headers=HTMX)
    body = text(response)
    assert "The session is full, so you joined the waitlist." in body
    assert body.count("on the waitlist") == 1 and "You are on the waitlist: number 1." in body
    assert "Leave the waitlist" in body
    assert '<dd id="waitlist-count" class="font-medium" hx-swap-oob="true">1 waiting</dd>' in body
    assert Booking.objects.get(user=enrolled).status == BookingStatus.WAITLISTED
    body = text(client.post(url("cancel_booking", session), headers=HTMX))
    assert "You left the waitlist." in body
    assert '<dd id="waitlist-count" class="font-medium" hx-swap-oob="true">Nobody waiting</dd>' in body
    client.post(url("book", session), headers=HTMX)

    # The first learner gives the seat up: the waiting learner has it.
    as_(client, first).post(url("cancel_booking", session))
    page = text(as_(client, enrolled).get(url("session", session)))
    assert "You have a seat." in page


def test_second_on_the_waitlist_sees_their_number(client, course, trainer):
    session = make_session(course, by=trainer, capacity=1)
    for _ in range(2):
        services.book_seat(session=session, user=enrolled_learner(course))
    late = enrolled_learner(course)
    services.book_seat(session=session, user=late)
    page = text(as_(client, late).get(url("session", session)))
    assert "You are on the waitlist: number 2." in page
    assert "2 waiting" in page


def test_bookings_closed(client, enrolled, course, trainer, frozen):
    session = make_session(course, by=trainer, booking_deadline=START - timedelta(days=1))
    frozen.move_to(START - timedelta(hours=12))
    as_(client, enrolled)
    assert "Bookings are closed." in text(client.get(url("session", session)))

    response = client.post(url("book", session), headers=HTMX)
    assert response.status_code == 409
    assert "Bookings for this session are closed." in text(response)
    assert 'id="booking-panel"' in text(response)

    response = client.post(url("book", session))
    assert response.status_code == 409
    assert "Bookings for this session are closed." in text(response)
    assert not Booking.objects.exists()


def test_a_cancelled_session_shows_the_reason(client, enrolled, session, trainer):
    services.book_seat(session=session, user=enrolled)
    services.cancel_session(session=session, by=trainer, reason="The trainer is ill.")
    page = text(as_(client, enrolled).get(url("session", session)))
    assert "This session was cancelled." in page
    assert "Reason: The trainer is ill." in page
    assert "Book a seat" not in page and "Cancel booking" not in page

    response = client.post(url("book", session), headers=HTMX)
    assert response.status_code == 409
    assert "This session was cancelled." in text(response)


def test_no_cancelling_once_started(client, enrolled, session, frozen):
    services.book_seat(session=session, user=enrolled)
    frozen.move_to(START + timedelta(minutes=5))
    as_(client, enrolled)
    page = text(client.get(url("session", session)))
    assert "can no longer be cancelled" in page and "Cancel booking" not in page
    response = client.post(url("cancel_booking", session))
    assert response.status_code == 409


# The online link


def test_join_link_shows_to_booked_learners_from_15_minutes_before(client, enrolled, session, frozen):
    services.book_seat(session=session, user=enrolled)
    as_(client, enrolled)
    link = session.online_url

    frozen.move_to(START - timedelta(minutes=16))
    page = text(client.get(url("session", session)))
    assert link not in page
    assert "The join link appears here at 16:45 on Wednesday 2 December, 15 minutes before the start." in page

    frozen.move_to(START - timedelta(minutes=15))
    page = text(client.get(url("session", session)))
    assert f'href="{link}"' in page and "Join the session online" in page

    frozen.move_to(START + timedelta(minutes=59))
    assert link in text(client.get(url("session", session)))

    frozen.move_to(START + timedelta(minutes=60))
    page = text(client.get(url("session", session)))
    assert link not in page and "This session has ended." in page


def test_join_link_time_is_in_the_viewers_zone(client, course, session):
    berliner = enrolled_learner(course, time_zone="Europe/Berlin")
    services.book_seat(session=session, user=berliner)
    page = text(as_(client, berliner).get(url("session", session)))
    assert "The join link appears here at 17:45 on Wednesday 2 December" in page


@pytest.mark.parametrize("who", ["enrolled learner", "course trainer", "admin"])
def test_join_link_never_shows_without_a_seat(client, people, course, trainer, frozen, who):
    session = make_session(course, by=trainer, capacity=1)
    services.book_seat(session=session, user=enrolled_learner(course))  # takes the only seat
    if who == "enrolled learner":
        services.book_seat(session=session, user=people[who])  # waitlisted
    frozen.move_to(START + timedelta(minutes=1))
    page = text(as_(client, people[who]).get(url("session", session)))
    assert session.online_url not in page


def test_the_panel_polls_for_the_link_shortly_before(client, enrolled, session, frozen):
    services.book_seat(session=session, user=enrolled)
    as_(client, enrolled)
    assert 'hx-trigger="every 60s"' not in text(client.get(url("session", session)))
    frozen.move_to(START - timedelta(minutes=30))
    assert 'hx-trigger="every 60s"' in text(client.get(url("session", session)))
    frozen.move_to(START)
    assert 'hx-trigger="every 60s"' not in text(client.get(url("session", session)))


# Time zones


def test_times_show_in_the_viewers_zone_with_its_name(client, course, session):
    berliner = enrolled_learner(course, time_zone="Europe/Berlin")
    page = text(as_(client, berliner).get(url("session", session)))
    assert "Wednesday 2 December 2026, 18:00–19:00 (Europe/Berlin)" in page

    utc = enrolled_learner(course)  # the default zone
    page = text(as_(client, utc).get(url("session", session)))
    assert "Wednesday 2 December 2026, 17:00–18:00 (UTC)" in page


def test_a_session_past_midnight_shows_both_days(client, course, trainer):
    late = make_session(course, by=trainer, starts_at=datetime(2026, 12, 2, 22, 30, tzinfo=UTC), minutes=90)
    berliner = enrolled_learner(course, time_zone="Europe/Berlin")
    page = text(as_(client, berliner).get(url("session", late)))
    assert "Wednesday 2 December 2026, 23:30 – Thursday 3 December, 01:00 (Europe/Berlin)" in page


def test_weekly_series_across_the_end_of_summer_time(client, course, trainer, frozen):
    """18:00 in Berlin both weeks, although Berlin leaves summer time on Sunday 25 October 2026:
    16:00 UTC the first week and 17:00 UTC the second; New York (summer time until 1 November) sees
    12:00 and 13:00."""
    frozen.move_to(datetime(2026, 10, 14, 9, tzinfo=UTC))
    first, second = make_session(
        course, by=trainer, starts_at=datetime(2026, 10, 21, 16, tzinfo=UTC), weeks=2, time_zone="Europe/Berlin"
    )
    assert second.starts_at == datetime(2026, 10, 28, 17, tzinfo=UTC)

    expected = {
        "Europe/Berlin": ("18:00–19:00 (Europe/Berlin)", "18:00–19:00 (Europe/Berlin)"),
        "UTC": ("16:00–17:00 (UTC)", "17:00–18:00 (UTC)"),
        "America/New_York": ("12:00–13:00 (America/New_York)", "13:00–14:00 (America/New_York)"),
    }
    for zone, (first_text, second_text) in expected.items():
        viewer = enrolled_learner(course, time_zone=zone)
        as_(client, viewer)
        assert f"Wednesday 21 October 2026, {first_text}" in text(client.get(url("session", first)))
        assert f"Wednesday 28 October 2026, {second_text}" in text(client.get(url("session", second)))
        # The course page lists both in the same zone.
        course_page = text(client.get(course.url))
        assert f"Wednesday 21 October 2026, {first_text}" in course_page
        assert f"Wednesday 28 October 2026, {second_text}" in course_page


# Check-in


@pytest.fixture
def booked(enrolled, session):
    services.book_seat(session=session, user=enrolled)
    return enrolled


def test_check_in_code_from_the_qr_code_is_prefilled(client, booked, session, frozen):
    frozen.move_to(START)
    page = text(as_(client, booked).get(url("check_in", session, code=session.check_in_code)))
    assert f'value="{session.check_in_code}"' in page
    assert "Check-in opens" not in page


def test_visitor_comes_back_to_the_check_in_after_signing_in(client, booked, session, frozen):
    frozen.move_to(START)
    target = url("check_in", session, code=session.check_in_code)
    response = as_(client, None).get(target)
    assert response.status_code == 302
    sign_in = response["Location"]
    assert sign_in.startswith(reverse("accounts:sign_in"))
    response = client.post(sign_in, {"username": booked.username, "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert response["Location"] == target


@pytest.mark.parametrize(("minutes", "status"), [(-10, "present"), (5, "present"), (6, "late")])
def test_checking_in(client, booked, session, frozen, minutes, status):
    frozen.move_to(START + timedelta(minutes=minutes))
    response = as_(client, booked).post(url("check_in", session), {"code": session.check_in_code.lower()}, follow=True)
    assert response.redirect_chain == [(url("session", session), 302)]
    assert f"You're checked in ({status})." in text(response)
    assert Attendance.objects.get(user=booked, session=session).status == status


def test_checking_in_with_htmx(client, booked, session, frozen):
    frozen.move_to(START)
    response = as_(client, booked).post(url("check_in", session), {"code": session.check_in_code}, headers=HTMX)
    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith('<section id="check-in-panel"')
    assert "You're checked in (present)." in body


def test_checking_in_with_a_wrong_code(client, booked, session, frozen):
    frozen.move_to(START)
    response = as_(client, booked).post(url("check_in", session), {"code": "WRONG1"})
    assert response.status_code == 403
    assert "That code does not match this session." in text(response)
    assert not Attendance.objects.exists()


def test_checking_in_without_a_code(client, booked, session, frozen):
    frozen.move_to(START)
    response = as_(client, booked).post(url("check_in", session), {"code": ""})
    assert response.status_code == 400
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("moment", [START - timedelta(minutes=16), START + timedelta(minutes=60)])
def test_checking_in_outside_the_window(client, booked, session, frozen, moment):
    frozen.move_to(moment)
    as_(client, booked)
    page = text(client.get(url("check_in", session, code=session.check_in_code)))
    assert "Check-in opens at" in page or "check-in is closed" in page
    response = client.post(url("check_in", session), {"code": session.check_in_code}, headers=HTMX)
    assert response.status_code == 403
    assert "Check-in is open from 15 minutes before the start until the end" in text(response)
    assert not Attendance.objects.exists()


def test_checking_in_without_a_seat(client, enrolled, session, frozen):
    frozen.move_to(START)
    as_(client, enrolled)
    assert "You have no seat in this session" in text(client.get(url("check_in", session)))
    response = client.post(url("check_in", session), {"code": session.check_in_code})
    assert response.status_code == 403
    assert "Only learners with a seat in this session can check in." in text(response)
    assert not Attendance.objects.exists()


def test_session_page_links_to_check_in_during_the_window(client, booked, session, frozen):
    as_(client, booked)
    assert url("check_in", session) not in text(client.get(url("session", session)))
    frozen.move_to(START - timedelta(minutes=10))
    assert url("check_in", session) in text(client.get(url("session", session)))


# The course page and the dashboard


def test_course_page_lists_upcoming_sessions_for_enrolled_learners(client, course, session, trainer):
    berliner = enrolled_learner(course, time_zone="Europe/Berlin")
    services.book_seat(session=session, user=berliner)
    make_session(course, by=trainer, title="Exam prep", starts_at=START + timedelta(days=7), capacity=1)
    page = text(as_(client, berliner).get(course.url))
    assert "Upcoming live sessions" in page
    assert "Times are in your time zone, Europe/Berlin." in page
    assert "Wednesday 2 December 2026, 18:00–19:00 (Europe/Berlin)" in page
    assert url("session", session) in page
    assert "You have a seat" in page
    assert "19 seats left" in page
    assert "Exam prep" in page and "1 seat left" in page


@pytest.mark.parametrize("who", ["course trainer", "admin"])
def test_course_staff_see_the_sessions(client, people, session, who):
    page = text(as_(client, people[who]).get(session.course.url))
    assert "Upcoming live sessions" in page and url("session", session) in page


@pytest.mark.parametrize("who", ["visitor", "other learner", "trainer of another course"])
def test_others_only_learn_that_sessions_exist(client, people, session, who):
    page = text(as_(client, people[who]).get(session.course.url))
    assert "Live sessions are available to enrolled learners" in page
    assert url("session", session) not in page


def test_no_sessions_no_section(client, course, enrolled, learner):
    assert "live sessions" not in text(as_(client, enrolled).get(course.url)).lower()
    assert "live sessions" not in text(as_(client, learner).get(course.url)).lower()


def test_past_sessions_leave_the_course_page(client, course, enrolled, session, frozen):
    frozen.move_to(START + timedelta(hours=2))
    assert url("session", session) not in text(as_(client, enrolled).get(course.url))


def test_dashboard_shows_my_upcoming_sessions(client, course, trainer, catalogue):
    learner = enrolled_learner(course, time_zone="Europe/Berlin")
    mine = make_session(course, by=trainer, capacity=1)
    waiting = make_session(course, by=trainer, title="Popular", capacity=1, starts_at=START + timedelta(days=1))
    services.book_seat(session=waiting, user=enrolled_learner(course))
    services.book_seat(session=mine, user=learner)
    services.book_seat(session=waiting, user=learner)
    other = make_session(course, by=trainer, title="Not booked", starts_at=START + timedelta(days=2))

    page = text(as_(client, learner).get(reverse("learning:dashboard")))
    assert "Upcoming live sessions" in page
    assert "Wednesday 2 December 2026, 18:00–19:00 (Europe/Berlin)" in page
    assert "You have a seat" in page and "On the waitlist" in page
    assert url("session", mine) in page and url("session", waiting) in page
    assert url("session", other) not in page


def test_dashboard_without_sessions_has_no_section(client, enrolled):
    assert "Upcoming live sessions" not in text(as_(client, enrolled).get(reverse("learning:dashboard")))


# Query counts


def count_queries(client, django_assert_max_num_queries, address, limit):
    client.get(address)  # warm up: per-user rows created on first visits
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(address)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_course_page_queries_do_not_grow_with_sessions(client, catalogue, trainer, django_assert_max_num_queries):
    course = make_course(catalogue, title="Busy", trainer=trainer, modules=1, with_revisions=False)
    learner = enrolled_learner(course)
    as_(client, learner)
    counts = []
    for sessions in (1, 12):
        while course.live_sessions.count() < sessions:
            n = course.live_sessions.count()
            session = make_session(course, by=trainer, title=f"Session {n}", starts_at=START + timedelta(days=n))
            services.book_seat(session=session, user=learner)
            services.book_seat(session=session, user=enrolled_learner(course))
        counts.append(count_queries(client, django_assert_max_num_queries, course.url, 40))
    assert counts[0] == counts[1]


def test_dashboard_queries_do_not_grow_with_sessions(client, catalogue, trainer, django_assert_max_num_queries):
    courses = [
        make_course(catalogue, title=f"Course {n}", trainer=trainer, modules=1, with_revisions=False) for n in range(3)
    ]
    learner = UserFactory()
    for course in courses:
        learning_services.enroll(user=learner, course=course)
    as_(client, learner)
    counts = []
    for bookings in (1, 9):
        while Booking.objects.filter(user=learner).count() < bookings:
            n = Booking.objects.filter(user=learner).count()
            session = make_session(courses[n % 3], by=trainer, title=f"S{n}", starts_at=START + timedelta(days=n))
            services.book_seat(session=session, user=learner)
        counts.append(count_queries(client, django_assert_max_num_queries, reverse("learning:dashboard"), 13))
    assert counts[0] == counts[1]


def test_session_page_queries_do_not_grow_with_bookings(client, course, trainer, django_assert_max_num_queries):
    session = make_session(course, by=trainer, capacity=5)
    learner = enrolled_learner(course)
    services.book_seat(session=session, user=learner)
    as_(client, learner)
    one = count_queries(client, django_assert_max_num_queries, url("session", session), 20)
    for _ in range(10):
        services.book_seat(session=session, user=enrolled_learner(course))
    many = count_queries(client, django_assert_max_num_queries, url("session", session), 20)
    assert one == many


CSRF_TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")  # masked afresh in every response


def same_page(response, typed_code: str) -> str:
    return CSRF_TOKEN.sub("<token>", text(response).replace(f'value="{typed_code}"', 'value="<typed>"'))


@pytest.mark.parametrize(
    "moment",
    [BEFORE, START - timedelta(minutes=16), START + timedelta(minutes=60), START + timedelta(days=2)],
    ids=["days before", "just before the window", "just after the end", "days after"],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_outside_the_window_the_right_and_a_wrong_code_get_the_same_answer(
    client, booked, session, frozen, moment, htmx
):
    """Otherwise anyone who may open the page could try codes before the session and learn the right one."""
    frozen.move_to(moment)
    as_(client, booked)
    headers = HTMX if htmx else {}
    right = client.post(url("check_in", session), {"code": session.check_in_code}, headers=headers)
    wrong = client.post(url("check_in", session), {"code": "WRONG1"}, headers=headers)
    assert right.status_code == wrong.status_code == 403
    # The whole answer is the same, but for the form's echo of the typed code and the per-response CSRF mask.
    assert same_page(right, session.check_in_code) == same_page(wrong, "WRONG1")
    assert "does not match" not in text(wrong)
    assert not Attendance.objects.exists()


def test_without_a_seat_the_right_and_a_wrong_code_get_the_same_answer(client, enrolled, session, frozen):
    frozen.move_to(START)
    as_(client, enrolled)  # enrolled in the course, no seat in this session
    right = client.post(url("check_in", session), {"code": session.check_in_code}, headers=HTMX)
    wrong = client.post(url("check_in", session), {"code": "WRONG1"}, headers=HTMX)
    assert right.status_code == wrong.status_code == 403
    assert same_page(right, session.check_in_code) == same_page(wrong, "WRONG1")
    assert "Only learners with a seat" in text(wrong)
