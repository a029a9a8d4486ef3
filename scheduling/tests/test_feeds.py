"""iCalendar: the per-user feed behind its secret token, its reset, and one session's .ics file."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from courses.tests.factories import make_course
from learning import services as learning_services
from scheduling import services
from scheduling.models import CalendarFeed
from scheduling.tests.factories import START, enrolled_learner, make_session

pytestmark = pytest.mark.django_db

BEFORE = datetime(2026, 11, 28, 9, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(BEFORE, tick=False) as traveller:
        yield traveller


def feed_url(user) -> str:
    return reverse("scheduling:feed", args=[services.calendar_feed(user=user).token])


def events(response) -> dict[str, object]:
    """The feed's events by UID, after checking it parses as a calendar."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    found: dict[str, object] = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    assert len(found) == len(calendar.walk("VEVENT"))  # one event per session
    return found


def uid(session) -> str:
    return f"session-{session.pk}@learnwell"


@pytest.fixture
def other_course(catalogue, other_trainer):
    return make_course(catalogue, title="Another course", trainer=other_trainer, modules=1, with_revisions=False)


@pytest.fixture
def world(course, trainer, other_course, other_trainer):
    """A learner with a seat in one session, waitlisted in another, not booked in a third; someone else's
    seat in a fourth (another course)."""
    learner = enrolled_learner(course)
    learning_services.enroll(user=learner, course=other_course)
    booked = make_session(course, by=trainer, title="Booked one", location="Room 4")
    full = make_session(course, by=trainer, title="Full one", capacity=1, starts_at=START + timedelta(days=1))
    services.book_seat(session=full, user=enrolled_learner(course))
    unbooked = make_session(course, by=trainer, title="Not booked", starts_at=START + timedelta(days=2))
    theirs = make_session(other_course, by=other_trainer, title="Theirs", starts_at=START + timedelta(days=3))
    services.book_seat(session=booked, user=learner)
    services.book_seat(session=full, user=learner)  # waitlisted
    services.book_seat(session=theirs, user=enrolled_learner(other_course))
    return {"learner": learner, "booked": booked, "full": full, "unbooked": unbooked, "theirs": theirs}


def test_feed_holds_exactly_the_learners_booked_sessions(client, world):
    found = events(client.get(feed_url(world["learner"])))
    assert set(found) == {uid(world["booked"])}
    event = found[uid(world["booked"])]
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + timedelta(hours=1)
    assert str(event["DTSTART"].to_ical().decode()).endswith("Z")  # UTC
    assert str(event["SUMMARY"]) == "Booked one"
    assert str(event["LOCATION"]) == "Room 4"
    assert str(event["STATUS"]) == "CONFIRMED"
    description = str(event["DESCRIPTION"])
    assert "Course: Intro to Testing" in description
    assert f"http://testserver{reverse('scheduling:session', args=[world['booked'].pk])}" in description


def test_feed_needs_no_sign_in_and_is_not_cached(client, world):
    response = client.get(feed_url(world["learner"]))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "Learnwell live sessions"
    assert str(calendar["VERSION"]) == "2.0"


def test_feed_never_carries_the_online_link(client, world, frozen):
    frozen.move_to(START)  # even while the session page shows the link
    response = client.get(feed_url(world["learner"]))
    assert uid(world["booked"]) in events(response)
    assert b"meet.example.com" not in response.content
    ics = client.get(reverse("scheduling:session_ics", args=[world["booked"].pk]))
    assert ics.status_code == 302  # not signed in
    client.force_login(world["learner"])
    ics = client.get(reverse("scheduling:session_ics", args=[world["booked"].pk]))
    assert ics.status_code == 200 and b"meet.example.com" not in ics.content


def test_a_cancelled_booking_leaves_the_feed(client, world):
    booking = world["booked"].bookings.get(user=world["learner"])
    services.cancel_booking(booking=booking)
    assert events(client.get(feed_url(world["learner"]))) == {}


def test_a_seat_from_the_waitlist_joins_the_feed(client, world):
    holder = world["full"].bookings.get(status="booked")
    services.cancel_booking(booking=holder)
    assert set(events(client.get(feed_url(world["learner"])))) == {uid(world["booked"]), uid(world["full"])}


def test_a_cancelled_session_stays_as_cancelled(client, world, trainer):
    services.cancel_session(session=world["booked"], by=trainer, reason="Trainer ill")
    event = events(client.get(feed_url(world["learner"])))[uid(world["booked"])]
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["SUMMARY"]) == "Cancelled: Booked one"
    assert "Cancelled: Trainer ill" in str(event["DESCRIPTION"])
    assert int(event["SEQUENCE"]) == 1


def test_a_moved_session_keeps_its_uid(client, world, trainer):
    session = world["booked"]
    plan = services.SessionPlan(
        title="Moved",
        starts_at=START + timedelta(hours=2),
        ends_at=START + timedelta(hours=3),
        location=session.location,
        online_url=session.online_url,
    )
    services.update_session(session=session, plan=plan, by=trainer)
    event = events(client.get(feed_url(world["learner"])))[uid(session)]
    assert event.decoded("DTSTART") == START + timedelta(hours=2)
    assert str(event["SUMMARY"]) == "Moved"


def test_trainers_feed_holds_the_sessions_they_teach(client, world, trainer, other_trainer):
    course_sessions = {uid(world[key]) for key in ("booked", "full", "unbooked")}
    assert set(events(client.get(feed_url(trainer)))) == course_sessions
    assert set(events(client.get(feed_url(other_trainer)))) == {uid(world["theirs"])}


def test_feed_keeps_the_last_30_days(client, world, frozen):
    frozen.move_to(START + timedelta(days=20))
    assert uid(world["booked"]) in events(client.get(feed_url(world["learner"])))
    frozen.move_to(START + timedelta(days=32))
    assert uid(world["booked"]) not in events(client.get(feed_url(world["learner"])))


def test_unknown_token_is_404(client, world):
    assert client.get(reverse("scheduling:feed", args=["not-a-token"])).status_code == 404


def test_a_banned_users_feed_is_404(client, world):
    url = feed_url(world["learner"])
    world["learner"].is_banned = True
    world["learner"].save()
    assert client.get(url).status_code == 404


def test_resetting_the_link(client, world):
    learner = world["learner"]
    old = feed_url(learner)
    client.force_login(learner)
    response = client.post(reverse("scheduling:reset_feed"), follow=True)
    assert response.redirect_chain == [(reverse("accounts:profile"), 302)]
    assert "Your calendar link is reset" in response.content.decode()
    new = feed_url(learner)
    assert new != old
    assert f"http://testserver{new}" in response.content.decode()  # the profile shows the new address
    client.logout()
    assert client.get(old).status_code == 404
    assert set(events(client.get(new))) == {uid(world["booked"])}


def test_resetting_the_link_with_htmx(client, learner):
    old = feed_url(learner)
    client.force_login(learner)
    response = client.post(reverse("scheduling:reset_feed"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="calendar-feed"')
    assert "Your calendar link is reset" in body
    assert old not in body and feed_url(learner) in body


def test_reset_needs_a_signed_in_post(client, learner):
    feed = services.calendar_feed(user=learner)
    response = client.post(reverse("scheduling:reset_feed"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:sign_in"))
    client.force_login(learner)
    assert client.get(reverse("scheduling:reset_feed")).status_code == 405
    assert CalendarFeed.objects.get(user=learner).token == feed.token


def test_profile_shows_the_feed_address(client, learner):
    client.force_login(learner)
    body = client.get(reverse("accounts:profile")).content.decode()
    token = CalendarFeed.objects.get(user=learner).token
    assert "Calendar feed" in body
    assert f'value="http://testserver/scheduling/feed/{token}.ics"' in body
    assert f"webcal://testserver/scheduling/feed/{token}.ics" in body
    assert "Reset link" in body


def test_single_session_ics(client, world, trainer):
    session = world["unbooked"]
    client.force_login(world["learner"])  # enrolled, not booked: may still put it in their calendar
    response = client.get(reverse("scheduling:session_ics", args=[session.pk]))
    assert set(events(response)) == {uid(session)}
    assert response["Content-Disposition"] == f'attachment; filename="session-{session.pk}.ics"'


def test_feed_queries_do_not_grow_with_sessions(client, course, trainer, django_assert_max_num_queries):
    learner = enrolled_learner(course)
    url = feed_url(learner)
    counts = []
    for sessions in (1, 10):
        while course.live_sessions.count() < sessions:
            n = course.live_sessions.count()
            session = make_session(course, by=trainer, title=f"S{n}", starts_at=START + timedelta(days=n))
            services.book_seat(session=session, user=learner)
        with django_assert_max_num_queries(5) as captured:
            assert len(events(client.get(url))) == sessions
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
