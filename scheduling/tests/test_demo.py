"""The demo's live sessions: an upcoming weekly series and last week's session with its attendance taken,
added once however often seed_demo runs."""

import zoneinfo
from datetime import time

import pytest

from scheduling import demo
from scheduling.models import Attendance, AttendanceChange, Booking, BookingStatus, LiveSession

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_course(course, monkeypatch):
    monkeypatch.setattr(demo, "DEMO_SESSION_COURSE", course.slug)
    return course


def counts():
    return [model.objects.count() for model in (LiveSession, Booking, Attendance, AttendanceChange)]


def test_the_demo_has_upcoming_sessions_and_a_past_one_with_attendance_once(
    course, trainer, enrolled, run_on_commit, mailoutbox
):
    learner = enrolled(first_name="Leo")
    run_on_commit(demo.seed_sessions, courses=[course], trainer=trainer, learner=learner)

    past = LiveSession.objects.get(title=demo.PAST_SESSION_TITLE)
    upcoming = LiveSession.objects.exclude(pk=past.pk).order_by("starts_at")
    assert len(upcoming) == 4 and past.ends_at < upcoming[0].starts_at
    assert past.starts_at.astimezone(zoneinfo.ZoneInfo(demo.DEMO_ZONE)).time() == time(18)
    attendance = Attendance.objects.get(session=past)
    assert (attendance.user, attendance.status, attendance.updated_by) == (learner, "present", trainer)
    # The roster's history shows a correction: marked late during the session, present after it.
    assert [(c.previous_status, c.status, bool(c.note)) for c in attendance.changes.all()] == [
        ("", "late", False),
        ("late", "present", True),
    ]
    assert Booking.objects.get(session=upcoming[0], user=learner).status == BookingStatus.BOOKED
    # The learner is told of the upcoming seat only: no confirmation of a session that is over.
    assert [m.subject.split(":")[0] for m in mailoutbox] == ["Booking confirmed"]

    before = counts()
    run_on_commit(demo.seed_sessions, courses=[course], trainer=trainer, learner=learner)
    assert counts() == before and len(mailoutbox) == 1


def test_a_demo_seeded_before_gets_the_past_session_and_keeps_its_series(course, trainer, enrolled):
    learner = enrolled()
    demo.seed_sessions(courses=[course], trainer=trainer, learner=learner)
    past = LiveSession.objects.get(title=demo.PAST_SESSION_TITLE)
    Attendance.objects.filter(session=past).delete()
    past.bookings.all().delete()
    past.delete()

    demo.seed_sessions(courses=[course], trainer=trainer, learner=learner)
    assert LiveSession.objects.count() == 5
    assert Attendance.objects.get().session.title == demo.PAST_SESSION_TITLE


def test_without_the_learner_in_the_course_there_is_a_series_and_no_attendance(course, trainer, learner):
    demo.seed_sessions(courses=[course], trainer=trainer, learner=learner)
    assert LiveSession.objects.count() == 4
    assert not Booking.objects.exists() and not Attendance.objects.exists()
