"""The trainer home's "Live sessions" panel ({% teaching_sessions %} on learning:teaching): today and this week,
in the trainer's own time zone, each session linking to its roster."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from lxml import html as lxml_html

from accounts.tests.factories import UserFactory
from courses.tests.factories import make_course
from lms_site.tests.clients import as_
from scheduling import selectors
from scheduling.models import Booking, BookingStatus, LiveSession

pytestmark = pytest.mark.django_db

URL = reverse("learning:teaching")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 2, 10, tzinfo=UTC)  # Wednesday, 11:00 in Berlin


def session(course, title, starts_at, *, minutes=60, **fields):
    return LiveSession.objects.create(
        course=course, title=title, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes), **fields
    )


def at(day, hour, minute=0):
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def week(course):
    """Sessions around NOW, named for where the trainer home should put them."""
    return {
        "running": session(course, "Running now", at(2, 9, 30), minutes=90),
        "tonight": session(course, "Late tonight", at(2, 22, 30)),  # 23:30 in Berlin
        "after midnight": session(course, "After midnight", at(2, 23, 30)),  # Thursday 00:30 in Berlin
        "next wednesday": session(course, "Next Wednesday", at(9, 22, 30)),  # 23:30 in Berlin, the week's end
        "too far": session(course, "Too far", at(9, 23, 30)),  # Thursday 10 December in Berlin
        "over": session(course, "Over", at(2, 8)),
        "cancelled": session(course, "Cancelled", at(2, 15), cancelled_at=at(1, 12)),
    }


def panel(client, user):
    with time_machine.travel(NOW, tick=False):
        response = as_(client, user).get(URL)
    assert response.status_code == 200
    (section,) = lxml_html.fromstring(response.content.decode()).xpath('//section[@data-panel="sessions"]')
    return section


def titles(section, group):
    return [" ".join(a.text_content().split()) for a in section.xpath(f'.//ul[@data-group="{group}"]//a')]


def test_today_and_this_week_follow_the_trainers_time_zone(trainer, course, week):
    found = selectors.teaching_sessions(courses=[course], zone=BERLIN, now=NOW)
    assert [s.title for s in found.today] == ["Running now", "Late tonight"]
    assert [s.title for s in found.this_week] == ["After midnight", "Next Wednesday"]
    assert found.week_ends_at == datetime(2026, 12, 10, tzinfo=BERLIN)

    # For a trainer in UTC, half past midnight in Berlin is still today, and the week runs to midnight UTC.
    in_utc = selectors.teaching_sessions(courses=[course], zone=UTC, now=NOW)
    assert [s.title for s in in_utc.today] == ["Running now", "Late tonight", "After midnight"]
    assert [s.title for s in in_utc.this_week] == ["Next Wednesday", "Too far"]


def test_the_panel_lists_sessions_with_times_seats_and_roster_links(client, trainer, course, week):
    trainer.time_zone = "Europe/Berlin"
    trainer.save()
    for status in (BookingStatus.BOOKED, BookingStatus.BOOKED, BookingStatus.WAITLISTED):
        Booking.objects.create(session=week["tonight"], user=UserFactory(), status=status, requested_at=NOW)

    section = panel(client, trainer)
    assert titles(section, "today") == ["Running now", "Late tonight"]
    assert titles(section, "week") == ["After midnight", "Next Wednesday"]
    body = " ".join(section.text_content().split())
    assert "Times are in your time zone, Europe/Berlin." in body
    assert "10:30–12:00 · Intro to Testing · happening now" in body
    assert "23:30–00:30 · Intro to Testing 2 of 20 seats booked · 1 on the waitlist" in body
    assert "Thu 3 Dec, 00:30–01:30" in body
    for name in ("over", "cancelled", "too far"):
        assert week[name].title not in body
    links = [a.get("href") for a in section.xpath(".//a")]
    assert links == [
        reverse("scheduling:roster", args=(week[name].pk,))
        for name in ("running", "tonight", "after midnight", "next wednesday")
    ]
    assert not section.xpath(".//*[@data-empty-state]")


def test_a_free_today_says_so_beside_the_weeks_sessions(client, trainer, course):
    session(course, "Friday class", at(4, 9))
    section = panel(client, trainer)
    body = " ".join(section.text_content().split())
    assert "No session today." in body and titles(section, "week") == ["Friday class"]


def test_no_session_this_week_is_one_message(client, trainer, course):
    session(course, "Next month", at(30, 9))
    section = panel(client, trainer)
    assert len(section.xpath(".//*[@data-empty-state]")) == 1
    assert " ".join(section.text_content().split()).endswith("No live session today or in the next seven days.")
    assert not section.xpath(".//li")


def test_only_the_trainers_own_courses_and_all_for_admins(client, trainer, other_trainer, catalogue, course):
    theirs = make_course(catalogue, title="Not mine", trainer=other_trainer, with_revisions=False)
    session(theirs, "Their class", at(2, 14))
    session(course, "My class", at(2, 15))
    assert titles(panel(client, trainer), "today") == ["My class"]
    assert titles(panel(client, other_trainer), "today") == ["Their class"]
    assert titles(panel(client, UserFactory(role="admin")), "today") == ["Their class", "My class"]


def test_the_query_count_does_not_grow_with_courses_or_sessions(
    client, trainer, catalogue, course, django_assert_max_num_queries
):
    client.force_login(trainer)
    session(course, "One", at(2, 14))

    def queries():
        with time_machine.travel(NOW, tick=False):
            client.get(URL)
            with django_assert_max_num_queries(12) as captured:
                assert client.get(URL).status_code == 200
        return len(captured.captured_queries)

    few = queries()
    for number in range(4):
        extra = make_course(catalogue, title=f"Course {number}", trainer=trainer, with_revisions=False)
        for day in (2, 3, 5):
            booked = session(extra, f"Class {number}/{day}", at(day, 16))
            Booking.objects.create(session=booked, user=UserFactory(), status=BookingStatus.BOOKED, requested_at=NOW)
    assert queries() == few
    section = panel(client, trainer)
    assert len(section.xpath(".//li")) == 13
