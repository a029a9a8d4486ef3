"""Scheduling's read side: attendance reports against hand-computed values, calendar feeds, and the lists
that pages show (upcoming sessions, waitlist positions, the roster)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from courses.models import CoursePage
from learning import services as learning_services
from learning.models import Enrollment
from scheduling import selectors, services
from scheduling.models import Booking, BookingStatus
from scheduling.tests.factories import START, attend, enrolled_learner, make_session

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def book(session, user, *, days_before=7, **kwargs):
    return services.book_seat(session=session, user=user, now=session.starts_at - timedelta(days=days_before), **kwargs)


class TestAttendanceReports:
    """Two held sessions, one cancelled after attendance was taken, one in the future.

    held 1 (10 Nov): Adams present, Baker late, Clark absent                 -> 3 booked, 2 attended
    held 2 (17 Nov): Adams present, Baker excused, Clark no record, Dunn's   -> 3 booked, 1 attended
                     booking cancelled
    cancelled (20 Nov): Adams and Baker present                              -> not counted
    future (2 Dec): Clark and Dunn booked                                    -> not counted
    Evans enrolled, never booked; Fox left the course.
    """

    @pytest.fixture
    def world(self, course, trainer):
        names = ("Adams", "Baker", "Clark", "Dunn", "Evans", "Fox")
        adams, baker, clark, dunn, evans, fox = (
            enrolled_learner(course, last_name=name, first_name="Sam") for name in names
        )
        held_1 = make_session(course, by=trainer, title="Held 1", starts_at=datetime(2026, 11, 10, 17, tzinfo=UTC))
        held_2 = make_session(course, by=trainer, title="Held 2", starts_at=datetime(2026, 11, 17, 17, tzinfo=UTC))
        cancelled = make_session(course, by=trainer, title="Off", starts_at=datetime(2026, 11, 20, 17, tzinfo=UTC))
        future = make_session(course, by=trainer, title="Future", starts_at=START)

        attend(held_1, adams, by=trainer, status="present")
        attend(held_1, baker, by=trainer, status="late")
        attend(held_1, clark, by=trainer, status="absent")
        attend(held_2, adams, by=trainer, status="present")
        attend(held_2, baker, by=trainer, status="excused")
        book(held_2, clark)
        services.cancel_booking(booking=book(held_2, dunn), now=held_2.starts_at - timedelta(days=1))
        attend(cancelled, adams, by=trainer)
        attend(cancelled, baker, by=trainer)
        services.cancel_session(session=cancelled, by=trainer)
        book(future, clark)
        book(future, dunn)
        learning_services.leave_course(enrollment=Enrollment.objects.get(user=fox, course=course))
        return {
            "users": (adams, baker, clark, dunn, evans, fox),
            "sessions": (held_1, held_2, cancelled, future),
        }

    def test_session_report_counts_each_held_session_in_one_query(self, course, world, django_assert_num_queries):
        held_1, held_2, _, _ = world["sessions"]
        with django_assert_num_queries(1):
            rows = selectors.session_report(course=course)
        assert [(r.session.pk, r.booked, r.present, r.late, r.absent, r.excused, r.attended) for r in rows] == [
            (held_1.pk, 3, 1, 1, 1, 0, 2),
            (held_2.pk, 3, 1, 0, 0, 1, 1),
        ]
        assert rows[0].rate == pytest.approx(2 / 3) and rows[1].rate == pytest.approx(1 / 3)

    def test_a_session_still_running_is_not_held(self, course, world):
        _, held_2, _, _ = world["sessions"]
        rows = selectors.session_report(course=course, now=held_2.starts_at + timedelta(minutes=30))
        assert [r.session.title for r in rows] == ["Held 1"]
        rows = selectors.session_report(course=course, now=held_2.ends_at)
        assert [r.session.title for r in rows] == ["Held 1", "Held 2"]

    def test_learner_report_counts_present_and_late_over_held_sessions(self, course, world):
        adams, baker, clark, dunn, evans, _ = world["users"]
        rows = selectors.learner_report(course=course)
        assert [(r.user, r.attended, r.held) for r in rows] == [
            (adams, 2, 2),
            (baker, 1, 2),
            (clark, 0, 2),
            (dunn, 0, 2),
            (evans, 0, 2),
        ]  # Fox left the course
        assert [r.rate for r in rows] == [1.0, 0.5, 0.0, 0.0, 0.0]

    def test_course_attendance_rate_is_attended_over_booked_seats(self, course, world):
        assert selectors.course_attendance_rate(course=course) == pytest.approx((2 + 1) / (3 + 3))

    def test_attendance_by_learner_leaves_out_cancelled_and_unattended(self, course, world):
        adams, baker, *_ = world["users"]
        assert selectors.attendance_by_learner(course=course) == {adams.pk: 2, baker.pk: 1}

    def test_without_held_sessions_there_are_no_rates(self, course, trainer):
        make_session(course, by=trainer)
        assert selectors.session_report(course=course) == []
        assert selectors.course_attendance_rate(course=course) is None
        learner = enrolled_learner(course)
        [row] = selectors.learner_report(course=course)
        assert (row.user, row.attended, row.held, row.rate) == (learner, 0, 0, None)

    def test_a_held_session_nobody_booked_has_no_rate(self, course, trainer):
        make_session(course, by=trainer, starts_at=NOW - timedelta(days=1))
        [row] = selectors.session_report(course=course)
        assert (row.booked, row.attended, row.rate) == (0, 0, None)
        assert selectors.course_attendance_rate(course=course) is None

    def test_other_courses_do_not_leak_in(self, course, world, catalogue, trainer):
        from courses.tests.factories import make_course

        other = make_course(catalogue, title="Other", trainer=trainer, modules=1, with_revisions=False)
        session = make_session(other, by=trainer, starts_at=NOW - timedelta(days=3))
        attend(session, enrolled_learner(other), by=trainer)
        assert len(selectors.session_report(course=course)) == 2
        assert selectors.course_attendance_rate(course=course) == pytest.approx(0.5)
        assert selectors.course_attendance_rate(course=other) == 1.0


class TestAttendanceRequirement:
    """The requirement counts a session once its check-in has opened (an attendance may exist from then)."""

    def test_counted_sessions_open_with_check_in_and_skip_cancelled_ones(self, course, trainer):
        first = make_session(course, by=trainer)
        make_session(course, by=trainer, starts_at=START + timedelta(days=1))
        off = make_session(course, by=trainer, starts_at=START - timedelta(hours=3))
        services.cancel_session(session=off, by=trainer)
        assert list(selectors.counted_sessions(course=course, now=START - timedelta(minutes=16))) == []
        assert list(selectors.counted_sessions(course=course, now=START - timedelta(minutes=15))) == [first]

    @pytest.mark.parametrize(
        ("percent", "attended", "held", "done"),
        [(None, 0, 2, None), (50, 1, 2, 1), (50, 0, 2, 0), (50, 0, 0, 0), (67, 2, 3, 0), (66, 2, 3, 1)],
    )
    def test_the_step_is_done_at_the_required_share(self, course, trainer, clock, percent, attended, held, done):
        CoursePage.objects.filter(pk=course.pk).update(required_attendance_percent=percent)
        course.refresh_from_db()
        learner = enrolled_learner(course)
        sessions = make_session(course, by=trainer, weeks=3) if held else []
        for session in sessions[:attended]:
            attend(session, learner, by=trainer)
        # Just after the last held one: the next is a week away.
        clock.move_to(START + timedelta(weeks=held - 1, hours=2) if held else NOW)
        enrollment = Enrollment.objects.get(user=learner, course=course)
        counted = selectors.attendance_requirement(course=course, enrollments=[enrollment])
        if done is None:
            assert (counted.total, counted.done) == (0, {})
        else:
            assert counted.total == 1
            assert counted.done.get(enrollment.pk, 0) == done


class TestFeedSessions:
    def test_a_learner_sees_exactly_the_sessions_they_hold_a_seat_in(self, course, trainer):
        learner, other = enrolled_learner(course), enrolled_learner(course)
        booked = make_session(course, by=trainer, title="Booked")
        full = make_session(course, by=trainer, title="Full", capacity=1, starts_at=START + timedelta(hours=2))
        given_back = make_session(course, by=trainer, title="Given back", starts_at=START + timedelta(hours=4))
        others = make_session(course, by=trainer, title="Other's", starts_at=START + timedelta(hours=6))
        called_off = make_session(course, by=trainer, title="Called off", starts_at=START + timedelta(hours=8))
        recent = make_session(course, by=trainer, title="Recent", starts_at=NOW - timedelta(days=29))
        old = make_session(course, by=trainer, title="Old", starts_at=NOW - timedelta(days=31))
        for session in (booked, given_back, called_off, recent, old):
            book(session, learner)
        book(full, other)
        assert book(full, learner, days_before=6).status == BookingStatus.WAITLISTED
        services.cancel_booking(booking=Booking.objects.get(session=given_back, user=learner))
        book(others, other)
        services.cancel_session(session=called_off, by=trainer)  # stays, so calendars can show it cancelled

        feed = selectors.feed_sessions(user=learner)

        assert [s.title for s in feed] == ["Recent", "Booked", "Called off"]
        assert feed[2].is_cancelled
        assert [s.title for s in selectors.feed_sessions(user=other)] == ["Full", "Other's"]

    def test_a_trainer_sees_the_sessions_they_teach_and_those_they_booked(
        self, course, trainer, other_trainer, catalogue, admin_user
    ):
        from courses.tests.factories import make_course

        taught = make_session(course, by=trainer, title="Taught")
        called_off = make_session(course, by=trainer, title="Called off", starts_at=START + timedelta(days=1))
        book(called_off, enrolled_learner(course))
        services.cancel_session(session=called_off, by=trainer)
        make_session(course, by=trainer, title="Long ago", starts_at=NOW - timedelta(days=40))
        # other_trainer teaches another course and books a seat in `course` as a learner would.
        theirs = make_course(catalogue, title="Theirs", trainer=other_trainer, modules=1, with_revisions=False)
        their_session = make_session(theirs, by=other_trainer, title="Their own", starts_at=START + timedelta(days=2))
        learning_services.enroll(user=other_trainer, course=course)
        book(taught, other_trainer)

        assert [s.title for s in selectors.feed_sessions(user=trainer)] == ["Taught", "Called off"]
        assert selectors.feed_sessions(user=other_trainer) == [taught, their_session]
        assert selectors.feed_sessions(user=admin_user) == []  # admins manage, but teach nothing

    def test_the_feed_is_one_query(self, course, trainer, django_assert_num_queries):
        learner = enrolled_learner(course)
        for week in make_session(course, by=trainer, weeks=3):
            book(week, learner)
        with django_assert_num_queries(1):
            feed = selectors.feed_sessions(user=learner)
            titles = [(s.title, s.course.title) for s in feed]
        assert titles == [("Live Q&A", "Intro to Testing")] * 3


class TestPageLists:
    def test_upcoming_course_sessions_count_seats_and_carry_my_booking(self, course, trainer):
        learner, other, waiting = (enrolled_learner(course) for _ in range(3))
        mine = make_session(course, by=trainer, title="Mine", capacity=2)
        make_session(course, by=trainer, title="Ended", starts_at=NOW - timedelta(days=1))
        empty = make_session(course, by=trainer, title="Empty", starts_at=START + timedelta(days=1))
        for user in (learner, other, waiting):
            book(mine, user)

        sessions = selectors.upcoming_course_sessions(course=course, user=learner)

        assert [(s.title, s.booked_count, s.waitlist_count) for s in sessions] == [("Mine", 2, 1), ("Empty", 0, 0)]
        assert sessions[0].my_booking == Booking.objects.get(session=mine, user=learner)
        assert sessions[1].my_booking is None and sessions[1] == empty

    def test_waitlist_position_follows_request_order(self, course, trainer):
        session = make_session(course, by=trainer, capacity=1)
        users = [enrolled_learner(course) for _ in range(4)]
        bookings = [book(session, user, days_before=7 - n) for n, user in enumerate(users)]
        bookings = [Booking.objects.get(pk=b.pk) for b in bookings]
        assert [selectors.waitlist_position(booking=b) for b in bookings] == [None, 1, 2, 3]
        services.cancel_booking(booking=bookings[0], now=START - timedelta(days=1))
        assert [selectors.waitlist_position(booking=Booking.objects.get(pk=b.pk)) for b in bookings[1:]] == [
            None,
            1,
            2,
        ]

    def test_my_upcoming_sessions_hold_booked_and_waitlisted_ones_that_have_not_ended(self, course, trainer):
        learner = enrolled_learner(course)
        soon = make_session(course, by=trainer, title="Soon", capacity=1)
        later = make_session(course, by=trainer, title="Later", starts_at=START + timedelta(days=1))
        dropped = make_session(course, by=trainer, title="Dropped", starts_at=START + timedelta(days=2))
        past = make_session(course, by=trainer, title="Past", starts_at=NOW - timedelta(days=2))
        book(soon, enrolled_learner(course))
        book(soon, learner, days_before=6)  # waitlisted
        for session in (later, dropped, past):
            book(session, learner)
        services.cancel_booking(booking=Booking.objects.get(session=dropped, user=learner))

        rows = selectors.my_upcoming_sessions(user=learner)

        assert [(b.session.title, b.status) for b in rows] == [("Soon", "waitlisted"), ("Later", "booked")]

    def test_the_roster_lists_seats_and_recorded_attendance_by_name(self, course, trainer):
        zed = enrolled_learner(course, last_name="Zed", first_name="Ann")
        abel = enrolled_learner(course, last_name="abel", first_name="Bob")
        waiting = enrolled_learner(course, last_name="Moe", first_name="Cy")
        session = make_session(course, by=trainer, capacity=2)
        book(session, zed)
        book(session, abel)
        book(session, waiting, days_before=6)
        services.mark_attendance(session=session, user=zed, status="late", by=trainer, now=START)

        rows = selectors.roster(session=session)

        assert [(r.user, r.booking is not None, r.attendance and r.attendance.status) for r in rows] == [
            (abel, True, None),
            (zed, True, "late"),
        ]
