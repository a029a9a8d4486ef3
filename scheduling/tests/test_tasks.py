"""Scheduling's tasks: reminders that go once however often the sweep runs, cancellation and seat e-mails
in each learner's own time zone, and the progress refresh after an attendance changed."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import OPTIONAL_NOTIFICATIONS, Notification, SentNotification
from learning import services as learning_services
from scheduling import services, tasks
from scheduling.models import Booking, BookingStatus
from scheduling.tests.factories import START, attend, make_session

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def session(course, trainer):
    return make_session(course, by=trainer, location="Room 4.12")


def sweep_at(clock, moment) -> int:
    clock.move_to(moment)
    return tasks.send_session_reminders()


class TestReminders:
    def test_each_reminder_goes_once_however_often_the_sweep_runs(self, session, enrolled, clock, mailoutbox):
        learner = enrolled()
        services.book_seat(session=session, user=learner)

        assert sweep_at(clock, START - timedelta(hours=25)) == 0
        assert sweep_at(clock, START - timedelta(hours=24)) == 1
        for moment in (
            START - timedelta(hours=24),
            START - timedelta(hours=23, minutes=55),
            START - timedelta(hours=2),
        ):
            assert sweep_at(clock, moment) == 0
        assert sweep_at(clock, START - timedelta(minutes=61)) == 0
        assert sweep_at(clock, START - timedelta(hours=1)) == 1
        for moment in (START - timedelta(minutes=55), START - timedelta(seconds=1), START, START + timedelta(hours=2)):
            assert sweep_at(clock, moment) == 0

        assert [(m.to, m.subject) for m in mailoutbox] == [
            ([learner.email], "Tomorrow: Live Q&A at 17:00"),
            ([learner.email], "In one hour: Live Q&A"),
        ]
        assert "Where: Room 4.12" in mailoutbox[0].body
        assert f"http://testserver{reverse('scheduling:session', args=[session.pk])}" in mailoutbox[1].body
        booking = Booking.objects.get(user=learner)
        assert booking.reminded_24h_at == START - timedelta(hours=24)
        assert booking.reminded_1h_at == START - timedelta(hours=1)

    def test_every_booked_learner_is_reminded_and_nobody_else(self, course, trainer, enrolled, clock, mailoutbox):
        session = make_session(course, by=trainer, capacity=2)
        booked = [enrolled(), enrolled()]
        for user in booked:
            services.book_seat(session=session, user=user)
        waiting = enrolled()
        services.book_seat(session=session, user=waiting)
        gave_up = enrolled()
        other = make_session(course, by=trainer, starts_at=START + timedelta(days=3))
        services.cancel_booking(booking=services.book_seat(session=other, user=gave_up))

        assert sweep_at(clock, START - timedelta(hours=23)) == 2
        assert sorted(m.to[0] for m in mailoutbox) == sorted(u.email for u in booked)

    def test_a_cancelled_session_gets_no_reminder(self, session, trainer, enrolled, clock, mailoutbox):
        services.book_seat(session=session, user=enrolled())
        services.cancel_session(session=session, by=trainer)
        assert sweep_at(clock, START - timedelta(hours=23)) == 0
        assert sweep_at(clock, START - timedelta(minutes=30)) == 0
        assert mailoutbox == []

    def test_a_cancelled_booking_gets_no_reminder(self, session, enrolled, clock, mailoutbox):
        booking = services.book_seat(session=session, user=enrolled())
        services.cancel_booking(booking=booking)
        assert sweep_at(clock, START - timedelta(hours=23)) == 0
        assert sweep_at(clock, START - timedelta(minutes=30)) == 0
        assert mailoutbox == []

    def test_a_booking_made_30_minutes_before_gets_only_the_hour_reminder(self, session, enrolled, clock, mailoutbox):
        clock.move_to(START - timedelta(minutes=30))
        booking = services.book_seat(session=session, user=enrolled())
        assert sweep_at(clock, START - timedelta(minutes=30)) == 1
        assert sweep_at(clock, START - timedelta(minutes=25)) == 0
        assert [m.subject for m in mailoutbox] == ["In one hour: Live Q&A"]
        booking.refresh_from_db()
        assert booking.reminded_24h_at is None and booking.reminded_1h_at == START - timedelta(minutes=30)

    def test_a_booking_made_the_evening_before_gets_both(self, session, enrolled, clock, mailoutbox):
        clock.move_to(START - timedelta(hours=5))
        services.book_seat(session=session, user=enrolled())
        assert sweep_at(clock, START - timedelta(hours=5)) == 1
        assert sweep_at(clock, START - timedelta(minutes=50)) == 1
        assert [m.subject.split(":")[0] for m in mailoutbox] == ["Tomorrow", "In one hour"]

    def test_a_moved_session_is_reminded_again_for_its_new_time(self, session, trainer, enrolled, clock, mailoutbox):
        services.book_seat(session=session, user=enrolled())
        assert sweep_at(clock, START - timedelta(hours=23)) == 1
        later = START + timedelta(days=1)
        services.update_session(
            session=session,
            plan=services.SessionPlan(
                title="Live Q&A", starts_at=later, ends_at=later + timedelta(hours=1), location="Room 4.12"
            ),
            by=trainer,
        )
        assert sweep_at(clock, START - timedelta(hours=22)) == 0  # a day and more away again
        assert sweep_at(clock, later - timedelta(hours=23)) == 1
        assert len(mailoutbox) == 2

    def test_a_promoted_learner_is_reminded(self, course, trainer, enrolled, clock, mailoutbox):
        session = make_session(course, by=trainer, capacity=1)
        seat = services.book_seat(session=session, user=enrolled())
        waiting = enrolled()
        services.book_seat(session=session, user=waiting)
        services.cancel_booking(booking=seat)  # no run_on_commit: no seat e-mail here
        assert sweep_at(clock, START - timedelta(hours=23)) == 1
        assert [m.to for m in mailoutbox] == [[waiting.email]]

    def test_reminders_show_the_learners_own_time(self, session, enrolled, clock, mailoutbox):
        tokyo = enrolled(time_zone="Asia/Tokyo")
        services.book_seat(session=session, user=tokyo)
        sweep_at(clock, START - timedelta(hours=23))
        [mail] = mailoutbox
        assert mail.subject == "Tomorrow: Live Q&A at 02:00"  # 17:00 UTC is 02:00 the next day in Tokyo
        assert "starts on Thursday 3 December 2026, 02:00 (Asia/Tokyo)" in mail.body
        assert timezone.get_current_timezone_name() == "UTC"  # the override ends with the e-mail


class TestSessionCancelledEmails:
    def test_booked_and_waiting_learners_are_told_in_their_own_time(
        self, course, trainer, enrolled, run_on_commit, mailoutbox
    ):
        session = make_session(course, by=trainer, capacity=2)
        utc = enrolled(first_name="Seán", last_name="O'Brien")
        tokyo = enrolled(time_zone="Asia/Tokyo")
        waiting = enrolled(time_zone="Europe/Berlin")
        gave_up = enrolled()
        for user in (utc, tokyo, waiting):
            services.book_seat(session=session, user=user)
        # gave_up held a place on the waitlist too, then gave it back.
        services.cancel_booking(booking=services.book_seat(session=session, user=gave_up))
        outsider = enrolled()

        run_on_commit(services.cancel_session, session=session, by=trainer, reason="Trainer ill & no cover")

        by_recipient = {m.to[0]: m for m in mailoutbox}
        assert set(by_recipient) == {utc.email, tokyo.email, waiting.email}
        assert gave_up.email not in by_recipient and outsider.email not in by_recipient
        assert by_recipient[utc.email].subject == "Cancelled: Live Q&A on 2 Dec, 17:00"
        assert by_recipient[tokyo.email].subject == "Cancelled: Live Q&A on 3 Dec, 02:00"
        assert by_recipient[waiting.email].subject == "Cancelled: Live Q&A on 2 Dec, 18:00"
        body = by_recipient[utc.email].body
        assert body.startswith("Hello Seán O'Brien,")  # plain text: no HTML escaping
        assert "Reason: Trainer ill & no cover" in body
        assert "Thursday 3 December 2026, 02:00 (Asia/Tokyo)" in by_recipient[tokyo.email].body
        assert timezone.get_current_timezone_name() == "UTC"

    def test_cancelling_again_sends_nothing_more(self, session, trainer, enrolled, run_on_commit, mailoutbox):
        services.book_seat(session=session, user=enrolled())
        run_on_commit(services.cancel_session, session=session, by=trainer)
        run_on_commit(services.cancel_session, session=session, by=trainer)
        assert tasks.notify_session_cancelled(session.pk) == 0  # a retried or duplicated task
        assert len(mailoutbox) == 1

    def test_a_session_that_is_not_cancelled_sends_nothing(self, session, enrolled, mailoutbox):
        services.book_seat(session=session, user=enrolled())
        assert tasks.notify_session_cancelled(session.pk) == 0
        assert tasks.notify_session_cancelled(10**9) == 0
        assert mailoutbox == []


def mute_bookings(user):
    account_services.update_notification_preferences(
        user=user, wanted=[kind for kind in OPTIONAL_NOTIFICATIONS if kind != Notification.BOOKING]
    )


class TestBookingConfirmedEmail:
    def test_a_booked_seat_is_confirmed_once_in_the_learners_own_time(
        self, session, enrolled, run_on_commit, mailoutbox
    ):
        learner = enrolled(time_zone="Asia/Tokyo", first_name="Seán", last_name="O'Brien")
        booking = run_on_commit(services.book_seat, session=session, user=learner)
        [mail] = mailoutbox
        assert mail.to == [learner.email]
        assert mail.subject == "Booking confirmed: Live Q&A on 3 Dec, 02:00"  # plain text: no &amp;
        assert mail.body.startswith("Hello Seán O'Brien,")
        assert '"Live Q&A" (Intro to Testing) on Thursday 3 December 2026, 02:00 (Asia/Tokyo)' in mail.body
        assert "Where: Room 4.12" in mail.body
        assert f"http://testserver{reverse('scheduling:session_ics', args=[session.pk])}" in mail.body
        # Booking again, a retried task and a duplicated one: still the one e-mail.
        run_on_commit(services.book_seat, session=session, user=learner)
        assert tasks.notify_booked(booking.pk) is False
        assert tasks.notify_promoted(booking.pk) is False
        assert len(mailoutbox) == 1
        assert SentNotification.objects.filter(user=learner, kind=Notification.BOOKING).count() == 1

    def test_a_waitlist_place_is_not_a_booking_to_confirm(self, course, trainer, enrolled, run_on_commit, mailoutbox):
        session = make_session(course, by=trainer, capacity=1)
        seated, waiting = enrolled(), enrolled()
        run_on_commit(services.book_seat, session=session, user=seated)
        place = run_on_commit(services.book_seat, session=session, user=waiting)
        assert place.status == BookingStatus.WAITLISTED
        assert tasks.notify_booked(place.pk) is False
        assert [m.to for m in mailoutbox] == [[seated.email]]

    def test_booking_again_after_cancelling_is_a_new_seat_to_confirm(
        self, session, enrolled, run_on_commit, mailoutbox, clock
    ):
        learner = enrolled()
        booking = run_on_commit(services.book_seat, session=session, user=learner)
        run_on_commit(services.cancel_booking, booking=booking)
        clock.shift(timedelta(minutes=5))
        run_on_commit(services.book_seat, session=session, user=learner)
        assert [m.subject.split(":")[0] for m in mailoutbox] == ["Booking confirmed", "Booking confirmed"]

    def test_a_booking_rolled_back_or_cancelled_before_the_task_ran_sends_nothing(
        self, session, enrolled, django_capture_on_commit_callbacks, mailoutbox
    ):
        learner = enrolled()
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
            services.book_seat(session=session, user=learner)
            raise RuntimeError("the request failed after booking")
        assert not Booking.objects.exists() and mailoutbox == []
        booking = services.book_seat(session=session, user=learner)  # its task not run yet
        services.cancel_booking(booking=booking)
        assert tasks.notify_booked(booking.pk) is False
        assert mailoutbox == []

    def test_no_confirmation_once_the_session_has_begun(self, session, enrolled, clock, run_on_commit, mailoutbox):
        booking = services.book_seat(session=session, user=enrolled())  # its task not run yet
        clock.move_to(START)
        assert run_on_commit(tasks.notify_booked, booking.pk) is False
        assert mailoutbox == []

    def test_a_learner_who_muted_bookings_gets_no_confirmation(self, session, enrolled, run_on_commit, mailoutbox):
        learner = enrolled()
        mute_bookings(learner)
        run_on_commit(services.book_seat, session=session, user=learner)
        assert mailoutbox == []
        assert Booking.objects.get(user=learner).status == BookingStatus.BOOKED


class TestSeatConfirmedEmail:
    def test_only_a_booked_seat_is_confirmed(self, course, trainer, enrolled, mailoutbox, run_on_commit):
        session = make_session(course, by=trainer, capacity=1)
        seat = services.book_seat(session=session, user=enrolled())
        waiting = services.book_seat(session=session, user=enrolled(time_zone="Asia/Tokyo"))
        assert run_on_commit(tasks.notify_promoted, waiting.pk) is False
        assert run_on_commit(tasks.notify_promoted, 10**9) is False
        assert mailoutbox == []

        services.cancel_booking(booking=seat)
        assert run_on_commit(tasks.notify_promoted, waiting.pk) is True
        [mail] = mailoutbox
        assert mail.subject == "A seat is yours: Live Q&A on 3 Dec, 02:00"
        assert run_on_commit(tasks.notify_promoted, seat.pk) is False  # the cancelled one
        assert run_on_commit(tasks.notify_promoted, waiting.pk) is False  # a retried task: already told
        assert run_on_commit(tasks.notify_booked, waiting.pk) is False  # one seat is never announced twice
        assert len(mailoutbox) == 1

    def test_a_promoted_learner_who_muted_bookings_gets_the_seat_but_no_e_mail(
        self, course, trainer, enrolled, run_on_commit, mailoutbox
    ):
        session = make_session(course, by=trainer, capacity=1)
        seat = services.book_seat(session=session, user=enrolled())
        waiting = enrolled()
        mute_bookings(waiting)
        services.book_seat(session=session, user=waiting)
        run_on_commit(services.cancel_booking, booking=seat)
        assert Booking.objects.get(user=waiting).status == BookingStatus.BOOKED
        assert mailoutbox == []


class TestPreferences:
    def test_muted_bookings_mute_reminders_too_until_turned_back_on(self, session, enrolled, clock, mailoutbox):
        muted, wants = enrolled(), enrolled()
        mute_bookings(muted)
        for user in (muted, wants):
            services.book_seat(session=session, user=user)
        assert sweep_at(clock, START - timedelta(hours=23)) == 1
        assert [m.to for m in mailoutbox] == [[wants.email]]
        assert Booking.objects.get(user=muted).reminded_24h_at is None
        account_services.update_notification_preferences(user=muted, wanted=list(OPTIONAL_NOTIFICATIONS))
        assert sweep_at(clock, START - timedelta(minutes=50)) == 2
        assert sorted(m.to[0] for m in mailoutbox[1:]) == sorted([muted.email, wants.email])

    def test_a_cancelled_session_is_announced_even_to_learners_who_muted_bookings(
        self, session, trainer, enrolled, run_on_commit, mailoutbox
    ):
        learner = enrolled()
        mute_bookings(learner)
        services.book_seat(session=session, user=learner)
        run_on_commit(services.cancel_session, session=session, by=trainer, reason="Trainer ill")
        [mail] = mailoutbox
        assert mail.to == [learner.email] and mail.subject.startswith("Cancelled:")


class TestRefreshAttendanceProgress:
    def test_nothing_to_refresh_without_a_requirement(self, session, trainer, enrolled):
        attendance = attend(session, enrolled(), by=trainer)
        assert tasks.refresh_attendance_progress(attendance.pk) is None
        assert tasks.refresh_attendance_progress(10**9) is None

    def test_the_learners_progress_is_re_derived(self, course, session, trainer, enrolled, lessons, clock):
        from courses.models import CoursePage
        from learning.models import Enrollment, EnrollmentStatus

        CoursePage.objects.filter(pk=course.pk).update(required_attendance_percent=100)
        learner = enrolled()
        enrollment = Enrollment.objects.get(user=learner, course=course)
        learning_services.complete_lesson(enrollment=enrollment, lesson=lessons[0])
        attendance = attend(session, learner, by=trainer)  # not committed: the receiver's task did not run
        enrollment.refresh_from_db()
        assert enrollment.progress_percent == 20  # 1 of 5 steps, the session not counted yet

        clock.move_to(START + timedelta(hours=2))
        assert tasks.refresh_attendance_progress(attendance.pk) == 40
        enrollment.refresh_from_db()
        assert (enrollment.progress_percent, enrollment.status) == (40, EnrollmentStatus.ACTIVE)
        assert Booking.objects.get(user=learner).status == BookingStatus.BOOKED
