"""Scheduling's write side: sessions and weekly series, bookings and the waitlist, check-in, the roster,
and attendance as a course completion requirement."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from accounts.tests.factories import UserFactory
from courses.models import CoursePage
from learning import services as learning_services
from learning.models import Enrollment, EnrollmentStatus
from scheduling import services
from scheduling.models import Attendance, AttendanceChange, Booking, BookingStatus, LiveSession
from scheduling.signals import attendance_changed
from scheduling.tests.factories import START, attend, make_session

# A week before the factories' START: bookings are open, nothing has started.
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def session(course, trainer):
    return make_session(course, by=trainer, capacity=2)


@pytest.fixture
def sent_changes():
    """The attendances attendance_changed was sent for, as (attendance id, status)."""
    sent = []

    def receiver(sender, attendance, **kwargs):
        sent.append((attendance.pk, attendance.status))

    attendance_changed.connect(receiver, dispatch_uid="test_sent_changes", weak=False)
    yield sent
    attendance_changed.disconnect(dispatch_uid="test_sent_changes")


def plan(**fields) -> services.SessionPlan:
    fields.setdefault("title", "Live Q&A")
    fields.setdefault("starts_at", START)
    fields.setdefault("ends_at", fields["starts_at"] + timedelta(hours=1))
    fields.setdefault("online_url", "https://meet.example.com/room-1")
    return services.SessionPlan(**fields)


def statuses(session) -> dict:
    return dict(Booking.objects.filter(session=session).values_list("user_id", "status"))


# Scheduling sessions and series


class TestScheduleSessions:
    @pytest.mark.parametrize("who", ["trainer", "admin_user"])
    def test_the_course_trainer_and_admins_schedule(self, request, course, who):
        by = request.getfixturevalue(who)
        (session,) = services.schedule_sessions(course=course, plan=plan(capacity=12), by=by)
        session.refresh_from_db()
        assert (session.course_id, session.starts_at, session.ends_at) == (course.pk, START, START + timedelta(hours=1))
        assert session.capacity == 12 and session.created_by == by and session.series is None
        assert len(session.check_in_code) == 6

    @pytest.mark.parametrize("who", ["other_trainer", "learner"])
    def test_others_may_not_schedule(self, request, course, who):
        with pytest.raises(services.NotAllowed):
            services.schedule_sessions(course=course, plan=plan(), by=request.getfixturevalue(who))
        assert not LiveSession.objects.exists()

    def test_a_banned_trainer_may_not_schedule(self, course, trainer):
        trainer.is_banned = True
        trainer.save()
        with pytest.raises(services.NotAllowed):
            services.schedule_sessions(course=course, plan=plan(), by=trainer)

    @pytest.mark.parametrize(
        ("fields", "weeks", "message"),
        [
            ({"ends_at": START - timedelta(minutes=1)}, 1, "end after it starts"),
            ({"ends_at": START}, 1, "end after it starts"),
            ({"ends_at": START + timedelta(hours=25)}, 1, "at most 24 hours"),
            ({"starts_at": START.replace(tzinfo=None), "ends_at": START + timedelta(hours=1)}, 1, "time zone"),
            ({"ends_at": (START + timedelta(hours=1)).replace(tzinfo=None)}, 1, "time zone"),
            ({"booking_deadline": (START - timedelta(days=1)).replace(tzinfo=None)}, 1, "time zone"),
            ({"online_url": "", "location": ""}, 1, "online link or a location"),
            ({"capacity": 0}, 1, "at least one seat"),
            ({"capacity": 10_001}, 1, "at most 10,000 seats"),
            ({"capacity": 2**64}, 1, "at most 10,000 seats"),
            ({"booking_deadline": START + timedelta(minutes=1)}, 1, "close before the session starts"),
            ({"time_zone": "Mars/Olympus_Mons"}, 1, "time zone from the list"),
            ({"time_zone": "America"}, 1, "time zone from the list"),  # a folder of the zone database
            ({"time_zone": "../etc/passwd"}, 1, "time zone from the list"),
            ({"time_zone": ""}, 1, "time zone from the list"),
            ({}, 0, "1 to 52 weeks"),
            ({}, 53, "1 to 52 weeks"),
        ],
    )
    def test_invalid_plans_are_refused_and_write_nothing(self, course, trainer, fields, weeks, message):
        with pytest.raises(services.SchedulingError, match=message) as refused:
            services.schedule_sessions(course=course, plan=plan(**fields), by=trainer, weeks=weeks)
        assert not isinstance(refused.value, services.NotAllowed)
        assert refused.value.status_code == 400
        assert not LiveSession.objects.exists()

    def test_a_location_alone_is_enough(self, course, trainer):
        (session,) = services.schedule_sessions(
            course=course, plan=plan(online_url="", location="Room 4.12"), by=trainer
        )
        assert session.location == "Room 4.12" and session.online_url == ""

    def test_a_series_of_52_weeks_is_the_longest(self, course, trainer):
        sessions = services.schedule_sessions(course=course, plan=plan(), by=trainer, weeks=52)
        assert len(sessions) == LiveSession.objects.count() == 52
        assert sessions[-1].starts_at == START + timedelta(weeks=51)  # December to December: no DST in UTC

    def test_a_berlin_series_keeps_18_00_local_across_the_october_dst_change(self, course, trainer):
        starts_at = datetime(2026, 10, 14, 18, 0, tzinfo=BERLIN)  # Wednesday; clocks go back on 25 October
        sessions = services.schedule_sessions(
            course=course,
            plan=plan(
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=90),
                time_zone="Europe/Berlin",
                booking_deadline=starts_at - timedelta(hours=2),
            ),
            by=trainer,
            weeks=4,
        )
        stored = list(LiveSession.objects.order_by("starts_at"))
        assert [s.pk for s in stored] == [s.pk for s in sessions]
        assert [s.starts_at for s in stored] == [
            datetime(2026, 10, 14, 16, 0, tzinfo=UTC),  # CEST, UTC+2
            datetime(2026, 10, 21, 16, 0, tzinfo=UTC),
            datetime(2026, 10, 28, 17, 0, tzinfo=UTC),  # CET, UTC+1
            datetime(2026, 11, 4, 17, 0, tzinfo=UTC),
        ]
        local = [s.starts_at.astimezone(BERLIN) for s in stored]
        assert {(t.hour, t.minute, t.weekday()) for t in local} == {(18, 0, 2)}
        assert {s.ends_at.astimezone(BERLIN).strftime("%H:%M") for s in stored} == {"19:30"}
        assert {s.ends_at - s.starts_at for s in stored} == {timedelta(minutes=90)}
        assert {s.time_zone for s in stored} == {"Europe/Berlin"}
        # One series id, shared by all occurrences (and by nothing else).
        assert stored[0].series is not None and {s.series for s in stored} == {stored[0].series}
        # The deadline moves with each occurrence: two hours before its own start.
        assert [s.booking_deadline for s in stored] == [s.starts_at - timedelta(hours=2) for s in stored]
        assert len({s.check_in_code for s in stored}) == 4

    def test_a_new_york_series_keeps_18_30_local_across_the_november_dst_change(self, course, trainer):
        starts_at = datetime(2026, 10, 22, 18, 30, tzinfo=NEW_YORK)  # Thursday; clocks go back on 1 November
        sessions = services.schedule_sessions(
            course=course,
            plan=plan(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1), time_zone="America/New_York"),
            by=trainer,
            weeks=3,
        )
        assert [s.starts_at for s in sessions] == [
            datetime(2026, 10, 22, 22, 30, tzinfo=UTC),  # EDT, UTC-4
            datetime(2026, 10, 29, 22, 30, tzinfo=UTC),
            datetime(2026, 11, 5, 23, 30, tzinfo=UTC),  # EST, UTC-5
        ]
        assert {s.starts_at.astimezone(NEW_YORK).strftime("%a %H:%M") for s in sessions} == {"Thu 18:30"}
        assert [s.booking_deadline for s in sessions] == [None, None, None]
        assert len({s.series for s in sessions}) == 1

    def test_two_series_get_different_ids(self, course, trainer):
        first = services.schedule_sessions(course=course, plan=plan(), by=trainer, weeks=2)
        second = services.schedule_sessions(course=course, plan=plan(), by=trainer, weeks=2)
        assert first[0].series != second[0].series


# Bookings and the waitlist


class TestBooking:
    def test_seats_go_first_come_then_the_waitlist(self, session, enrolled):
        first, second, third, fourth = (enrolled() for _ in range(4))
        results = [services.book_seat(session=session, user=u) for u in (first, second, third, fourth)]
        assert [b.status for b in results] == ["booked", "booked", "waitlisted", "waitlisted"]
        assert Booking.objects.filter(session=session, status=BookingStatus.BOOKED).count() == session.capacity
        assert results[0].booked_at == NOW and results[2].booked_at is None
        assert {b.requested_at for b in results} == {NOW}

    def test_booking_again_changes_nothing(self, session, enrolled, clock):
        learner = enrolled()
        booking = services.book_seat(session=session, user=learner)
        clock.shift(timedelta(hours=1))
        again = services.book_seat(session=session, user=learner)
        assert again.pk == booking.pk and again.status == BookingStatus.BOOKED
        assert again.requested_at == NOW and again.booked_at == NOW
        assert Booking.objects.filter(session=session).count() == 1

    def test_asking_again_from_the_waitlist_keeps_the_place(self, session, enrolled, clock):
        for _ in range(2):
            services.book_seat(session=session, user=enrolled())
        waiting = enrolled()
        first = services.book_seat(session=session, user=waiting)
        clock.shift(timedelta(hours=1))
        again = services.book_seat(session=session, user=waiting)
        assert (again.pk, again.status, again.requested_at) == (first.pk, BookingStatus.WAITLISTED, NOW)

    def test_not_enrolled_may_not_book(self, session, learner):
        with pytest.raises(services.NotAllowed):
            services.book_seat(session=session, user=learner)
        assert not Booking.objects.exists()

    def test_a_learner_who_left_the_course_may_not_book(self, session, course, enrolled):
        learner = enrolled()
        learning_services.leave_course(enrollment=Enrollment.objects.get(user=learner, course=course))
        with pytest.raises(services.NotAllowed):
            services.book_seat(session=session, user=learner)
        assert not Booking.objects.exists()

    def test_a_banned_learner_may_not_book(self, session, enrolled):
        learner = enrolled()
        learner.is_banned = True
        learner.save()
        with pytest.raises(services.NotAllowed):
            services.book_seat(session=session, user=learner)
        assert not Booking.objects.exists()

    def test_bookings_close_at_the_deadline(self, course, trainer, enrolled):
        session = make_session(course, by=trainer, booking_deadline=START - timedelta(days=1))
        early, late = enrolled(), enrolled()
        services.book_seat(session=session, user=early, now=START - timedelta(days=1, seconds=1))
        with pytest.raises(services.BookingClosed, match="closed"):
            services.book_seat(session=session, user=late, now=START - timedelta(days=1))
        assert statuses(session) == {early.pk: BookingStatus.BOOKED}

    def test_without_a_deadline_bookings_close_at_the_start(self, session, enrolled):
        services.book_seat(session=session, user=enrolled(), now=START - timedelta(seconds=1))
        with pytest.raises(services.BookingClosed):
            services.book_seat(session=session, user=enrolled(), now=START)

    def test_a_cancelled_session_takes_no_bookings(self, session, trainer, enrolled):
        services.cancel_session(session=session, by=trainer, reason="Trainer ill")
        with pytest.raises(services.BookingClosed, match="cancelled"):
            services.book_seat(session=session, user=enrolled())
        assert not Booking.objects.exists()

    def test_a_freed_seat_goes_to_the_earliest_waiting_learner_who_is_told(
        self, session, enrolled, run_on_commit, mailoutbox
    ):
        seated, other_seat, earlier, later = (enrolled() for _ in range(4))
        seat = services.book_seat(session=session, user=seated, now=NOW)
        services.book_seat(session=session, user=other_seat, now=NOW)
        # The later request gets the lower primary key: the waitlist orders by request time, not by row.
        services.book_seat(session=session, user=later, now=NOW + timedelta(minutes=2))
        services.book_seat(session=session, user=earlier, now=NOW + timedelta(minutes=2))
        Booking.objects.filter(session=session, user=earlier).update(requested_at=NOW + timedelta(minutes=1))

        cancelled = run_on_commit(services.cancel_booking, booking=seat, now=NOW + timedelta(hours=1))

        assert cancelled.status == BookingStatus.CANCELLED and cancelled.cancelled_at == NOW + timedelta(hours=1)
        assert statuses(session) == {
            seated.pk: BookingStatus.CANCELLED,
            other_seat.pk: BookingStatus.BOOKED,
            earlier.pk: BookingStatus.BOOKED,
            later.pk: BookingStatus.WAITLISTED,
        }
        assert Booking.objects.get(session=session, user=earlier).booked_at == NOW + timedelta(hours=1)
        assert [m.to for m in mailoutbox] == [[earlier.email]]
        assert mailoutbox[0].subject == "A seat is yours: Live Q&A on 2 Dec, 17:00"  # plain text: no &amp;
        assert '"Live Q&A" (Intro to Testing) on Wednesday 2 December 2026, 17:00 (UTC)' in mailoutbox[0].body
        assert f"/sessions/{session.pk}/" in mailoutbox[0].body

    def test_giving_up_a_waitlist_place_promotes_nobody(self, session, enrolled, run_on_commit, mailoutbox):
        seated = [enrolled() for _ in range(2)]
        for user in seated:
            services.book_seat(session=session, user=user)
        first_waiting, second_waiting = enrolled(), enrolled()
        place = services.book_seat(session=session, user=first_waiting)
        services.book_seat(session=session, user=second_waiting, now=NOW + timedelta(seconds=1))

        run_on_commit(services.cancel_booking, booking=place)

        assert statuses(session) == {
            seated[0].pk: BookingStatus.BOOKED,
            seated[1].pk: BookingStatus.BOOKED,
            first_waiting.pk: BookingStatus.CANCELLED,
            second_waiting.pk: BookingStatus.WAITLISTED,
        }
        assert mailoutbox == []

    def test_a_learner_who_left_the_course_is_passed_over_on_the_waitlist(self, session, course, enrolled):
        seated = [enrolled() for _ in range(2)]
        bookings = [services.book_seat(session=session, user=user) for user in seated]
        gone, next_in_line = enrolled(), enrolled()
        services.book_seat(session=session, user=gone)
        services.book_seat(session=session, user=next_in_line, now=NOW + timedelta(seconds=1))
        learning_services.leave_course(enrollment=Enrollment.objects.get(user=gone, course=course))

        services.cancel_booking(booking=bookings[0])

        assert statuses(session)[next_in_line.pk] == BookingStatus.BOOKED
        assert statuses(session)[gone.pk] == BookingStatus.WAITLISTED

    def test_a_seat_cannot_be_given_back_once_the_session_started(self, session, enrolled):
        booking = services.book_seat(session=session, user=enrolled())
        with pytest.raises(services.BookingClosed, match="started"):
            services.cancel_booking(booking=booking, now=START)
        booking.refresh_from_db()
        assert booking.status == BookingStatus.BOOKED and booking.cancelled_at is None

    def test_cancelling_twice_changes_nothing(self, session, enrolled):
        booking = services.book_seat(session=session, user=enrolled())
        services.cancel_booking(booking=booking, now=NOW + timedelta(minutes=1))
        again = services.cancel_booking(booking=booking, now=NOW + timedelta(minutes=2))
        assert again.status == BookingStatus.CANCELLED and again.cancelled_at == NOW + timedelta(minutes=1)

    def test_booking_again_after_cancelling_reuses_the_row(self, session, enrolled):
        learner = enrolled()
        booking = services.book_seat(session=session, user=learner)
        Booking.objects.filter(pk=booking.pk).update(reminded_24h_at=NOW)
        services.cancel_booking(booking=booking, now=NOW + timedelta(minutes=1))

        again = services.book_seat(session=session, user=learner, now=NOW + timedelta(minutes=2))

        assert again.pk == booking.pk and Booking.objects.count() == 1
        again.refresh_from_db()
        assert again.status == BookingStatus.BOOKED and again.cancelled_at is None
        assert again.requested_at == again.booked_at == NOW + timedelta(minutes=2)
        assert again.reminded_24h_at is None

    def test_booking_again_into_a_full_session_joins_the_end_of_the_waitlist(self, session, enrolled):
        learner, other, waiting = enrolled(), enrolled(), enrolled()
        booking = services.book_seat(session=session, user=learner, now=NOW)
        services.book_seat(session=session, user=other, now=NOW)
        services.book_seat(session=session, user=waiting, now=NOW + timedelta(minutes=1))
        services.cancel_booking(booking=booking, now=NOW + timedelta(minutes=2))  # `waiting` gets the seat

        again = services.book_seat(session=session, user=learner, now=NOW + timedelta(minutes=3))

        assert again.status == BookingStatus.WAITLISTED and again.booked_at is None
        assert statuses(session)[waiting.pk] == BookingStatus.BOOKED


class TestUpdateAndCancelSession:
    def test_more_seats_promote_the_waitlist_in_order(self, session, trainer, enrolled, run_on_commit, mailoutbox):
        for _ in range(2):
            services.book_seat(session=session, user=enrolled())
        first, second, third = enrolled(), enrolled(), enrolled()
        for offset, user in enumerate((first, second, third)):
            services.book_seat(session=session, user=user, now=NOW + timedelta(minutes=offset))

        updated = run_on_commit(services.update_session, session=session, plan=plan(capacity=4), by=trainer)

        assert updated.capacity == 4
        assert statuses(session)[first.pk] == statuses(session)[second.pk] == BookingStatus.BOOKED
        assert statuses(session)[third.pk] == BookingStatus.WAITLISTED
        assert sorted(m.to[0] for m in mailoutbox) == sorted([first.email, second.email])

    def test_capacity_cannot_go_below_the_booked_seats(self, session, trainer, enrolled):
        for _ in range(2):
            services.book_seat(session=session, user=enrolled())
        with pytest.raises(services.SchedulingError, match="2 learners hold a seat"):
            services.update_session(session=session, plan=plan(capacity=1, title="Renamed"), by=trainer)
        session.refresh_from_db()
        assert (session.capacity, session.title) == (2, "Live Q&A")

    def test_capacity_may_drop_to_the_booked_seats(self, course, trainer, enrolled):
        session = make_session(course, by=trainer, capacity=5)
        for _ in range(2):
            services.book_seat(session=session, user=enrolled())
        assert services.update_session(session=session, plan=plan(capacity=2), by=trainer).capacity == 2

    def test_moving_the_start_resets_the_reminders(self, session, trainer, enrolled):
        booking = services.book_seat(session=session, user=enrolled())
        Booking.objects.filter(pk=booking.pk).update(reminded_24h_at=NOW, reminded_1h_at=NOW)

        services.update_session(session=session, plan=plan(title="Same time, new title"), by=trainer)
        booking.refresh_from_db()
        assert booking.reminded_24h_at == booking.reminded_1h_at == NOW

        later = START + timedelta(days=1)
        services.update_session(session=session, plan=plan(starts_at=later), by=trainer)
        booking.refresh_from_db()
        session.refresh_from_db()
        assert session.starts_at == later and session.ends_at == later + timedelta(hours=1)
        assert booking.reminded_24h_at is None and booking.reminded_1h_at is None

    def test_editing_validates_like_scheduling(self, session, trainer):
        with pytest.raises(services.SchedulingError, match="end after it starts"):
            services.update_session(session=session, plan=plan(ends_at=START), by=trainer)
        session.refresh_from_db()
        assert session.ends_at == START + timedelta(hours=1)

    def test_others_may_not_edit_or_cancel(self, session, other_trainer, learner):
        for user in (other_trainer, learner):
            with pytest.raises(services.NotAllowed):
                services.update_session(session=session, plan=plan(capacity=9), by=user)
            with pytest.raises(services.NotAllowed):
                services.cancel_session(session=session, by=user)
        session.refresh_from_db()
        assert session.capacity == 2 and not session.is_cancelled

    def test_a_cancelled_session_is_not_edited_and_cancelling_again_changes_nothing(self, session, admin_user):
        cancelled = services.cancel_session(session=session, by=admin_user, reason="  Room flooded  ")
        assert cancelled.cancelled_at == NOW and cancelled.cancel_reason == "Room flooded"
        again = services.cancel_session(session=session, by=admin_user, reason="Other")
        assert again.cancel_reason == "Room flooded"
        with pytest.raises(services.SchedulingError, match="cancelled"):
            services.update_session(session=session, plan=plan(capacity=9), by=admin_user)


# Check-in


@pytest.fixture
def seated(session, enrolled):
    """An enrolled learner with a seat in `session`, whose check-in code is ABCDEF."""
    LiveSession.objects.filter(pk=session.pk).update(check_in_code="ABCDEF")
    session.refresh_from_db()
    learner = enrolled()
    services.book_seat(session=session, user=learner)
    return learner


class TestCheckIn:
    @pytest.mark.parametrize(
        ("offset", "status"),
        [
            (-timedelta(minutes=15), "present"),
            (timedelta(0), "present"),
            (timedelta(minutes=5), "present"),
            (timedelta(minutes=5, seconds=1), "late"),
            (timedelta(minutes=59, seconds=59), "late"),
        ],
    )
    def test_the_right_code_in_the_window_records_attendance(self, session, seated, offset, status):
        attendance = services.check_in(session=session, user=seated, code="ABCDEF", now=START + offset)
        attendance.refresh_from_db()
        assert (attendance.status, attendance.checked_in_at, attendance.updated_by) == (status, START + offset, seated)
        (change,) = attendance.changes.all()
        assert (change.previous_status, change.status, change.changed_by) == ("", status, seated)

    def test_the_code_is_read_forgivingly(self, session, seated):
        assert services.check_in(session=session, user=seated, code="  abcdef ", now=START).status == "present"

    @pytest.mark.parametrize(
        "offset", [-timedelta(minutes=15, seconds=1), -timedelta(days=1), timedelta(hours=1), timedelta(hours=3)]
    )
    def test_outside_the_window_check_in_is_refused(self, session, seated, offset):
        with pytest.raises(services.CheckInRefused, match="15 minutes before"):
            services.check_in(session=session, user=seated, code="ABCDEF", now=START + offset)
        assert not Attendance.objects.exists()

    @pytest.mark.parametrize(
        "offset", [-timedelta(minutes=15, seconds=1), -timedelta(days=1), timedelta(hours=1), timedelta(hours=3)]
    )
    def test_outside_the_window_a_wrong_code_is_refused_exactly_like_the_right_one(self, session, seated, offset):
        answers = set()
        for code in ("ABCDEF", "ABCDEG", "", None):
            with pytest.raises(services.CheckInRefused) as refused:
                services.check_in(session=session, user=seated, code=code, now=START + offset)
            answers.add((str(refused.value), refused.value.status_code))
        assert answers == {("Check-in is open from 15 minutes before the start until the end of the session.", 403)}

    def test_without_a_seat_a_wrong_code_is_refused_exactly_like_the_right_one(self, session, seated, enrolled):
        unbooked = enrolled()
        answers = set()
        for code in ("ABCDEF", "ABCDEG"):
            with pytest.raises(services.CheckInRefused) as refused:
                services.check_in(session=session, user=unbooked, code=code, now=START)
            answers.add(str(refused.value))
        assert answers == {"Only learners with a seat in this session can check in."}

    @pytest.mark.parametrize("code", ["ABCDEG", "", None, "ABCDEF1"])
    def test_a_wrong_code_is_refused(self, session, seated, code):
        with pytest.raises(services.CheckInRefused, match="does not match"):
            services.check_in(session=session, user=seated, code=code, now=START)
        assert not Attendance.objects.exists()

    def test_another_sessions_code_is_refused(self, course, trainer, session, seated):
        week_one, week_two = make_session(course, by=trainer, weeks=2)
        LiveSession.objects.filter(pk=week_one.pk).update(check_in_code="PASTWK")
        LiveSession.objects.filter(pk=week_two.pk).update(check_in_code="NEXTWK")
        services.book_seat(session=week_two, user=seated)
        # Neither the code of another session at the same time nor last week's code opens this one.
        for code in ("ABCDEF", "PASTWK"):
            with pytest.raises(services.CheckInRefused, match="does not match"):
                services.check_in(session=week_two, user=seated, code=code, now=week_two.starts_at)
        assert not Attendance.objects.exists()
        assert services.check_in(session=week_two, user=seated, code="NEXTWK", now=week_two.starts_at).attended

    def test_without_a_seat_check_in_is_refused(self, session, seated, enrolled):
        unbooked, waiting = enrolled(), enrolled()
        services.book_seat(session=session, user=enrolled())  # the second seat
        assert services.book_seat(session=session, user=waiting).status == BookingStatus.WAITLISTED
        outsider = UserFactory()
        for user in (unbooked, waiting, outsider):
            with pytest.raises(services.CheckInRefused, match="seat"):
                services.check_in(session=session, user=user, code="ABCDEF", now=START)
        assert not Attendance.objects.exists()

    def test_a_cancelled_booking_cannot_check_in(self, session, seated):
        services.cancel_booking(booking=Booking.objects.get(user=seated))
        with pytest.raises(services.CheckInRefused):
            services.check_in(session=session, user=seated, code="ABCDEF", now=START)

    def test_a_learner_who_left_the_course_cannot_check_in(self, session, course, seated):
        learning_services.leave_course(enrollment=Enrollment.objects.get(user=seated, course=course))
        with pytest.raises(services.CheckInRefused):
            services.check_in(session=session, user=seated, code="ABCDEF", now=START)

    def test_a_cancelled_session_takes_no_check_in(self, session, seated, trainer):
        services.cancel_session(session=session, by=trainer)
        with pytest.raises(services.CheckInRefused):
            services.check_in(session=session, user=seated, code="ABCDEF", now=START)

    def test_checking_in_twice_changes_nothing(self, session, seated, sent_changes):
        first = services.check_in(session=session, user=seated, code="ABCDEF", now=START)
        again = services.check_in(session=session, user=seated, code="ABCDEF", now=START + timedelta(minutes=20))
        assert again.pk == first.pk and again.status == "present" and again.checked_in_at == START
        assert Attendance.objects.count() == 1 and AttendanceChange.objects.count() == 1
        assert sent_changes == [(first.pk, "present")]

    def test_a_learner_marked_absent_early_who_then_checks_in_is_late(self, session, seated, trainer):
        services.mark_attendance(session=session, user=seated, status="absent", by=trainer, now=START)
        attendance = services.check_in(session=session, user=seated, code="ABCDEF", now=START + timedelta(minutes=10))
        assert attendance.status == "late"
        assert [(c.previous_status, c.status) for c in attendance.changes.all()] == [("", "absent"), ("absent", "late")]

    def test_a_new_code_makes_the_old_one_fail(self, session, seated, trainer):
        changed = services.new_check_in_code_for(session=session, by=trainer)
        assert changed.check_in_code != "ABCDEF"
        assert LiveSession.objects.get(pk=session.pk).check_in_code == changed.check_in_code
        with pytest.raises(services.CheckInRefused):
            services.check_in(session=session, user=seated, code="ABCDEF", now=START)
        assert services.check_in(session=session, user=seated, code=changed.check_in_code, now=START).attended

    def test_only_the_trainer_or_an_admin_changes_the_code(self, session, seated, other_trainer, learner, admin_user):
        for user in (other_trainer, learner):
            with pytest.raises(services.NotAllowed):
                services.new_check_in_code_for(session=session, by=user)
        assert LiveSession.objects.get(pk=session.pk).check_in_code == "ABCDEF"
        assert services.new_check_in_code_for(session=session, by=admin_user).check_in_code != "ABCDEF"


# The trainer's roster


class TestMarkAttendance:
    @pytest.mark.parametrize("who", ["other_trainer", "learner"])
    def test_only_the_trainer_or_an_admin_takes_attendance(self, request, session, seated, who):
        with pytest.raises(services.NotAllowed):
            services.mark_attendance(
                session=session, user=seated, status="present", by=request.getfixturevalue(who), now=START
            )
        assert not Attendance.objects.exists()

    def test_an_admin_takes_attendance(self, session, seated, admin_user):
        attendance = services.mark_attendance(session=session, user=seated, status="late", by=admin_user, now=START)
        assert (attendance.status, attendance.updated_by, attendance.checked_in_at) == ("late", admin_user, None)

    def test_only_learners_with_a_seat_are_on_the_roster(self, session, seated, trainer, enrolled):
        services.book_seat(session=session, user=enrolled())
        waiting, unbooked = enrolled(), enrolled()
        services.book_seat(session=session, user=waiting)
        for user in (waiting, unbooked):
            with pytest.raises(services.SchedulingError, match="no seat"):
                services.mark_attendance(session=session, user=user, status="present", by=trainer, now=START)
        assert not Attendance.objects.exists()

    def test_attendance_opens_15_minutes_before_the_start(self, session, seated, trainer):
        with pytest.raises(services.SchedulingError, match="15 minutes before"):
            services.mark_attendance(
                session=session, user=seated, status="present", by=trainer, now=START - timedelta(minutes=16)
            )
        assert not Attendance.objects.exists()
        opened = START - timedelta(minutes=15)
        assert services.mark_attendance(session=session, user=seated, status="present", by=trainer, now=opened)

    def test_the_roster_stays_open_after_the_session(self, session, seated, trainer):
        later = START + timedelta(days=2)
        assert services.mark_attendance(session=session, user=seated, status="excused", by=trainer, now=later)

    def test_trainers_take_and_correct_attendance_until_30_days_after_the_end(self, session, seated, trainer):
        last_moment = session.ends_at + timedelta(days=30) - timedelta(seconds=1)
        services.mark_attendance(session=session, user=seated, status="absent", by=trainer, now=last_moment)
        assert services.attendance_open(session=session, user=trainer, now=last_moment)
        too_late = session.ends_at + timedelta(days=30)
        assert not services.attendance_open(session=session, user=trainer, now=too_late)
        with pytest.raises(services.SchedulingError, match="until 30 days after the session; ask an admin"):
            services.mark_attendance(session=session, user=seated, status="present", by=trainer, now=too_late)
        with pytest.raises(services.SchedulingError, match="ask an admin"):
            services.mark_all_present(session=session, by=trainer, now=too_late)
        assert Attendance.objects.get(user=seated).status == "absent"

    def test_admins_correct_attendance_at_any_later_time_and_the_history_says_so(
        self, session, seated, trainer, admin_user
    ):
        services.mark_attendance(session=session, user=seated, status="absent", by=trainer, now=START)
        a_year_on = START + timedelta(days=365)
        assert services.attendance_closes_at(session=session, user=admin_user) is None
        services.mark_attendance(
            session=session, user=seated, status="excused", by=admin_user, now=a_year_on, note="Doctor's note"
        )
        assert [(c.status, c.changed_by, c.changed_at, c.note) for c in AttendanceChange.objects.all()] == [
            ("absent", trainer, START, ""),
            ("excused", admin_user, a_year_on, "Doctor's note"),
        ]

    def test_an_unknown_status_is_refused(self, session, seated, trainer):
        with pytest.raises(services.SchedulingError, match="Choose present"):
            services.mark_attendance(session=session, user=seated, status="asleep", by=trainer, now=START)

    def test_a_cancelled_session_has_no_roster(self, session, seated, trainer):
        services.cancel_session(session=session, by=trainer)
        session.refresh_from_db()
        with pytest.raises(services.SchedulingError, match="cancelled"):
            services.mark_attendance(session=session, user=seated, status="present", by=trainer, now=START)

    def test_a_correction_keeps_the_history(self, session, seated, trainer, admin_user, sent_changes):
        first = services.mark_attendance(session=session, user=seated, status="present", by=trainer, now=START)
        corrected_at = START + timedelta(days=1)
        corrected = services.mark_attendance(
            session=session, user=seated, status="absent", by=admin_user, now=corrected_at, note="Left at once"
        )
        assert corrected.pk == first.pk
        corrected.refresh_from_db()
        assert (corrected.status, corrected.updated_by, corrected.updated_at) == ("absent", admin_user, corrected_at)
        history = [
            (c.previous_status, c.status, c.changed_by, c.changed_at, c.note)
            for c in AttendanceChange.objects.filter(attendance=corrected)
        ]
        assert history == [
            ("", "present", trainer, START, ""),
            ("present", "absent", admin_user, corrected_at, "Left at once"),
        ]
        assert sent_changes == [(first.pk, "present"), (first.pk, "absent")]

    def test_the_same_status_twice_writes_no_history(self, session, seated, trainer, sent_changes):
        services.mark_attendance(session=session, user=seated, status="present", by=trainer, now=START)
        again = services.mark_attendance(
            session=session, user=seated, status="present", by=trainer, now=START + timedelta(minutes=30)
        )
        assert again.updated_at == START
        assert AttendanceChange.objects.count() == 1 and len(sent_changes) == 1

    def test_a_check_in_is_corrected_by_the_trainer(self, session, seated, trainer):
        services.check_in(session=session, user=seated, code="ABCDEF", now=START)
        attendance = services.mark_attendance(
            session=session, user=seated, status="absent", by=trainer, now=START + timedelta(hours=2)
        )
        assert attendance.checked_in_at == START  # when they checked in stays known
        assert [(c.status, c.changed_by) for c in attendance.changes.all()] == [
            ("present", seated),
            ("absent", trainer),
        ]


class TestMarkAllPresent:
    @pytest.fixture
    def roster(self, course, trainer, enrolled):
        """A session with four seats: two not marked yet, one marked absent, one checked in late."""
        session = make_session(course, by=trainer, capacity=4)
        LiveSession.objects.filter(pk=session.pk).update(check_in_code="ABCDEF")
        session.refresh_from_db()
        people = {name: enrolled() for name in ("first", "second", "absent", "checked_in")}
        for user in people.values():
            services.book_seat(session=session, user=user)
        services.mark_attendance(session=session, user=people["absent"], status="absent", by=trainer, now=START)
        services.check_in(session=session, user=people["checked_in"], code="ABCDEF", now=START + timedelta(minutes=9))
        return session, people

    def test_marks_only_the_booked_learners_not_marked_yet_each_in_the_history(
        self, roster, trainer, enrolled, sent_changes
    ):
        session, people = roster
        services.book_seat(session=session, user=enrolled())  # full: on the waitlist, not on the roster
        sent_changes.clear()
        later = START + timedelta(hours=3)

        marked = services.mark_all_present(session=session, by=trainer, now=later)

        assert sorted(a.user_id for a in marked) == sorted([people["first"].pk, people["second"].pk])
        assert dict(Attendance.objects.values_list("user_id", "status")) == {
            people["first"].pk: "present",
            people["second"].pk: "present",
            people["absent"].pk: "absent",
            people["checked_in"].pk: "late",
        }
        new_history = AttendanceChange.objects.filter(changed_at=later)
        assert sorted((c.attendance.user_id, c.previous_status, c.status, c.changed_by) for c in new_history) == sorted(
            [(people["first"].pk, "", "present", trainer), (people["second"].pk, "", "present", trainer)]
        )
        assert sorted(status for _, status in sent_changes) == ["present", "present"]

    def test_pressing_it_again_changes_nothing(self, roster, trainer, sent_changes):
        session, _ = roster
        assert len(services.mark_all_present(session=session, by=trainer, now=START)) == 2
        changes, sent = AttendanceChange.objects.count(), len(sent_changes)
        assert services.mark_all_present(session=session, by=trainer, now=START + timedelta(minutes=1)) == []
        assert AttendanceChange.objects.count() == changes and len(sent_changes) == sent

    @pytest.mark.parametrize("who", ["other_trainer", "learner"])
    def test_only_the_trainer_or_an_admin_marks_all(self, request, roster, who, admin_user):
        session, _ = roster
        before = AttendanceChange.objects.count()
        with pytest.raises(services.NotAllowed):
            services.mark_all_present(session=session, by=request.getfixturevalue(who), now=START)
        assert AttendanceChange.objects.count() == before
        assert len(services.mark_all_present(session=session, by=admin_user, now=START)) == 2

    def test_not_before_the_roster_opens_nor_for_a_cancelled_session(self, roster, trainer):
        session, _ = roster
        with pytest.raises(services.SchedulingError, match="15 minutes before"):
            services.mark_all_present(session=session, by=trainer, now=START - timedelta(minutes=16))
        services.cancel_session(session=session, by=trainer)
        with pytest.raises(services.SchedulingError, match="cancelled"):
            services.mark_all_present(session=session, by=trainer, now=START)
        assert Attendance.objects.count() == 2

    def test_a_check_in_arriving_meanwhile_is_kept(self, roster, trainer):
        session, people = roster
        # The learner's own check-in got in between reading the roster and writing: it is not overwritten.
        attendance, changed = services._record_attendance(
            session=session,
            user=people["checked_in"],
            status="present",
            by=trainer,
            now=START + timedelta(minutes=20),
            unless_marked=True,
        )
        assert not changed and attendance.status == "late"


# Attendance as a completion requirement


def set_required_attendance(course, percent):
    CoursePage.objects.filter(pk=course.pk).update(required_attendance_percent=percent)
    course.refresh_from_db()


def complete_all_lessons(learner, course, lessons) -> Enrollment:
    enrollment = learning_services.enroll(user=learner, course=course)
    for lesson in lessons:
        learning_services.complete_lesson(enrollment=enrollment, lesson=lesson)
    enrollment.refresh_from_db()
    return enrollment


class TestAttendanceRequirement:
    @pytest.fixture
    def two_sessions(self, course, trainer):
        return [
            make_session(course, by=trainer, title="One"),
            make_session(course, by=trainer, title="Two", starts_at=START + timedelta(days=1)),
        ]

    def test_half_of_two_held_sessions_completes_the_course(
        self, course, trainer, lessons, learner, two_sessions, clock, run_on_commit
    ):
        set_required_attendance(course, 50)
        enrollment = complete_all_lessons(learner, course, lessons)
        assert (enrollment.status, enrollment.progress_percent) == (EnrollmentStatus.ACTIVE, 80)  # 4 of 5 steps

        first, second = two_sessions
        attend(first, learner, by=trainer, status="absent")
        clock.move_to(START + timedelta(days=3))  # both sessions have been held
        learning_services.refresh_progress(enrollment=enrollment)
        enrollment.refresh_from_db()
        assert (enrollment.status, enrollment.progress_percent) == (EnrollmentStatus.ACTIVE, 80)

        # The correction goes through attendance_changed, the receiver and the task, once committed.
        run_on_commit(services.mark_attendance, session=first, user=learner, status="present", by=trainer)

        enrollment.refresh_from_db()
        assert (enrollment.status, enrollment.progress_percent) == (EnrollmentStatus.COMPLETED, 100)
        assert enrollment.completed_at == START + timedelta(days=3)

    def test_late_counts_and_the_threshold_is_a_share_of_the_held_sessions(
        self, course, trainer, lessons, learner, clock, run_on_commit
    ):
        set_required_attendance(course, 50)
        sessions = make_session(course, by=trainer, weeks=3)
        enrollment = complete_all_lessons(learner, course, lessons)
        clock.move_to(START + timedelta(weeks=3))
        run_on_commit(attend, sessions[0], learner, by=trainer, status="late")
        enrollment.refresh_from_db()
        assert enrollment.status == EnrollmentStatus.ACTIVE  # 1 of 3 is under 50 %
        run_on_commit(attend, sessions[2], learner, by=trainer, status="late")
        enrollment.refresh_from_db()
        assert (enrollment.status, enrollment.progress_percent) == (EnrollmentStatus.COMPLETED, 100)

    def test_checking_in_during_the_session_completes_the_course(
        self, course, trainer, lessons, learner, two_sessions, clock, run_on_commit
    ):
        set_required_attendance(course, 50)
        enrollment = complete_all_lessons(learner, course, lessons)
        first, _ = two_sessions
        services.book_seat(session=first, user=learner)
        # Checking in ten minutes early is the last thing that happens for this learner: it must do it.
        clock.move_to(START - timedelta(minutes=10))
        run_on_commit(services.check_in, session=first, user=learner, code=first.check_in_code)
        enrollment.refresh_from_db()
        assert (enrollment.status, enrollment.progress_percent) == (EnrollmentStatus.COMPLETED, 100)

    def test_without_held_sessions_the_requirement_is_not_done(
        self, course, trainer, lessons, learner, two_sessions, clock
    ):
        set_required_attendance(course, 50)
        first, second = two_sessions
        services.cancel_session(session=first, by=trainer)  # a cancelled session never counts
        enrollment = complete_all_lessons(learner, course, lessons)
        clock.move_to(START + timedelta(hours=2))  # the first is over, the second is tomorrow
        learning_services.refresh_progress(enrollment=enrollment)
        enrollment.refresh_from_db()
        assert (enrollment.status, enrollment.progress_percent) == (EnrollmentStatus.ACTIVE, 80)

    def test_a_course_without_the_requirement_completes_with_its_lessons(
        self, course, trainer, lessons, learner, two_sessions
    ):
        assert course.required_attendance_percent is None
        enrollment = complete_all_lessons(learner, course, lessons)
        assert (enrollment.status, enrollment.progress_percent) == (EnrollmentStatus.COMPLETED, 100)

    def test_zero_percent_is_no_requirement(self, course, lessons, learner):
        set_required_attendance(course, 0)
        enrollment = complete_all_lessons(learner, course, lessons)
        assert (enrollment.status, enrollment.progress_percent) == (EnrollmentStatus.COMPLETED, 100)

    def test_attendance_alone_does_not_complete_a_course_with_lessons_left(
        self, course, trainer, lessons, learner, two_sessions, clock, run_on_commit
    ):
        set_required_attendance(course, 50)
        enrollment = learning_services.enroll(user=learner, course=course)
        learning_services.complete_lesson(enrollment=enrollment, lesson=lessons[0])
        clock.move_to(START + timedelta(days=3))
        run_on_commit(attend, two_sessions[0], learner, by=trainer)
        enrollment.refresh_from_db()
        assert (enrollment.status, enrollment.progress_percent) == (EnrollmentStatus.ACTIVE, 40)  # 2 of 5 steps
