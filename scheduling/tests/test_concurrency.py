"""Bookings that really race: learners taking the last seats at one moment, and seats given back while the
waitlist is promoted and new bookings arrive. The session row lock must keep the seat count exact."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from accounts.tests.factories import UserFactory
from courses.tests.factories import make_course
from scheduling import services
from scheduling.models import Booking, BookingStatus
from scheduling.tests.factories import enrolled_learner

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="SQLite serialises all writers; the race needs MariaDB (CI runs it)"
    ),
]


@pytest.fixture
def race_course(catalogue):
    trainer = UserFactory(role="trainer")
    course = make_course(catalogue, title="Race", trainer=trainer, modules=1, with_revisions=False)
    return course, trainer


def schedule(course, trainer, *, capacity):
    # Relative to the real clock: the threads book "now", and time_machine is not used across threads.
    starts_at = timezone.now().replace(microsecond=0) + timedelta(days=7)
    plan = services.SessionPlan(
        title="Race", starts_at=starts_at, ends_at=starts_at + timedelta(hours=1), location="Room 1", capacity=capacity
    )
    (session,) = services.schedule_sessions(course=course, plan=plan, by=trainer)
    return session


def enrolled(course, n):
    return [enrolled_learner(course) for _ in range(n)]


def race(actions, *, watch=None):
    """Runs the actions in threads released together; `watch` runs in a loop meanwhile, on its own connection."""
    barrier = threading.Barrier(len(actions))
    errors, done = [], threading.Event()

    def run(action):
        try:
            barrier.wait()
            action()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    def observe():
        try:
            while not done.is_set():
                watch()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    watcher = threading.Thread(target=observe) if watch else None
    if watcher:
        watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    done.set()
    if watcher:
        watcher.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a booking hung"
    assert errors == []


def seats(session) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {status: set() for status in BookingStatus.values}
    for user_id, status in Booking.objects.filter(session=session).values_list("user_id", "status"):
        found[status].add(user_id)
    return found


def test_six_learners_racing_for_the_last_two_seats_get_two_seats_and_four_waitlist_places(race_course):
    course, trainer = race_course
    session = schedule(course, trainer, capacity=3)
    (early,) = enrolled(course, 1)
    services.book_seat(session=session, user=early)
    racers = enrolled(course, 6)

    def book(user):
        return lambda: services.book_seat(session=session, user=user)

    race([book(user) for user in racers])

    found = seats(session)
    assert len(found[BookingStatus.BOOKED]) == 3 and early.pk in found[BookingStatus.BOOKED]
    assert len(found[BookingStatus.WAITLISTED]) == 4
    assert found[BookingStatus.BOOKED] | found[BookingStatus.WAITLISTED] == {early.pk} | {u.pk for u in racers}
    assert Booking.objects.filter(session=session).count() == 7


def test_the_same_learner_booking_in_four_tabs_at_once_gets_one_seat(race_course):
    course, trainer = race_course
    session = schedule(course, trainer, capacity=3)
    (learner,) = enrolled(course, 1)

    race([lambda: services.book_seat(session=session, user=learner)] * 4)

    assert list(Booking.objects.filter(session=session).values_list("user_id", "status")) == [
        (learner.pk, BookingStatus.BOOKED)
    ]


def test_seats_given_back_while_others_book_never_exceed_the_capacity(race_course):
    course, trainer = race_course
    session = schedule(course, trainer, capacity=2)
    first, second, *waiting = enrolled(course, 5)
    late_a, late_b = enrolled(course, 2)
    seats_held = {user.pk: services.book_seat(session=session, user=user) for user in (first, second)}
    start = timezone.now() - timedelta(minutes=10)
    for n, user in enumerate(waiting):  # distinct request times, all before the racers', fix the order
        booking = services.book_seat(session=session, user=user)
        Booking.objects.filter(pk=booking.pk).update(requested_at=start + timedelta(seconds=n))
    observed = []

    def count_seats():
        observed.append(Booking.objects.filter(session=session, status=BookingStatus.BOOKED).count())

    race(
        [
            lambda: services.cancel_booking(booking=seats_held[first.pk]),
            lambda: services.cancel_booking(booking=seats_held[second.pk]),
            lambda: services.book_seat(session=session, user=late_a),
            lambda: services.book_seat(session=session, user=late_b),
        ],
        watch=count_seats,
    )

    # A freed seat goes to the head of the waitlist in the same transaction, so the late bookings never
    # see a free seat, whatever the order the four ran in.
    found = seats(session)
    assert found[BookingStatus.CANCELLED] == {first.pk, second.pk}
    assert found[BookingStatus.BOOKED] == {waiting[0].pk, waiting[1].pk}
    assert found[BookingStatus.WAITLISTED] == {waiting[2].pk, late_a.pk, late_b.pk}
    assert observed and max(observed) <= 2


def test_raising_the_capacity_while_seats_are_given_back_promotes_exactly_enough(race_course):
    course, trainer = race_course
    session = schedule(course, trainer, capacity=2)
    first, second, *waiting = enrolled(course, 6)
    held = [services.book_seat(session=session, user=user) for user in (first, second)]
    for user in waiting:
        services.book_seat(session=session, user=user)
    plan = services.SessionPlan(
        title="Race", starts_at=session.starts_at, ends_at=session.ends_at, location="Room 1", capacity=3
    )

    race(
        [
            lambda: services.cancel_booking(booking=held[0]),
            lambda: services.cancel_booking(booking=held[1]),
            lambda: services.update_session(session=session, plan=plan, by=trainer),
        ]
    )

    found = seats(session)
    assert len(found[BookingStatus.BOOKED]) == 3
    assert len(found[BookingStatus.WAITLISTED]) == 1


@pytest.mark.parametrize("round_", range(3))
def test_a_check_in_and_the_roster_at_the_same_moment_leave_one_attendance_and_a_consistent_history(
    race_course, round_
):
    from scheduling.models import Attendance, AttendanceChange

    course, trainer = race_course
    session = schedule(course, trainer, capacity=3)
    (learner,) = enrolled(course, 1)
    services.book_seat(session=session, user=learner)
    at = session.starts_at + timedelta(minutes=1)

    race(
        [
            lambda: services.check_in(session=session, user=learner, code=session.check_in_code, now=at),
            lambda: services.mark_attendance(session=session, user=learner, status="absent", by=trainer, now=at),
        ]
    )

    (attendance,) = Attendance.objects.filter(session=session, user=learner)
    changes = list(AttendanceChange.objects.filter(attendance=attendance))
    # Whichever came first, the later one corrected it: "" -> a -> b, ending in the stored status.
    assert len(changes) == 2 and changes[0].previous_status == ""
    assert changes[1].previous_status == changes[0].status != changes[1].status == attendance.status
    assert {c.status for c in changes} == {"present", "absent"}
