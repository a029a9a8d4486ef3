"""The write side of scheduling: sessions and series, bookings with a waitlist, attendance and check-in,
calendar feed tokens and reminders."""

import uuid
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext, ngettext

from accounts.models import User
from courses.models import CoursePage
from learning.models import STUDYING_STATUSES, Enrollment

from .models import (
    Attendance,
    AttendanceChange,
    AttendanceStatus,
    Booking,
    BookingStatus,
    CalendarFeed,
    LiveSession,
    new_check_in_code,
    new_feed_token,
)
from .signals import attendance_changed

MAX_SERIES_WEEKS = 52
# Far above any room or call; a bigger number is a typo, and past 2^32 it no longer fits the column.
MAX_CAPACITY = 10_000
# Learners may check in from shortly before the start until the end.
CHECK_IN_OPENS_BEFORE = timedelta(minutes=15)
# The online link shows to booked learners from this long before the start.
JOIN_LINK_OPENS_BEFORE = timedelta(minutes=15)
# The roster opens with check-in and stays open this long after the end, for the trainer to mark learners who
# came without checking in and to correct mistakes. Later, attendance has settled into completions and reports:
# only an admin changes it then (the history keeps who did, and when).
ATTENDANCE_OPENS_BEFORE = CHECK_IN_OPENS_BEFORE
TRAINER_CORRECTIONS_FOR = timedelta(days=30)


class SchedulingError(Exception):
    """A scheduling rule was broken; the message is for the person, status_code for the response."""

    status_code = 400


class NotAllowed(SchedulingError):
    status_code = 403


class BookingClosed(SchedulingError):
    status_code = 409


class CheckInRefused(SchedulingError):
    status_code = 403


class SessionInUse(SchedulingError):
    status_code = 409


def can_manage(*, user: User | AnonymousUser, course: CoursePage) -> bool:
    """Admins manage every course's sessions; a trainer those of the courses they teach."""
    if not user.is_authenticated or not user.is_active or getattr(user, "is_banned", False):
        return False
    return user.is_superuser or (user.is_trainer and course.trainer_id == user.pk)


@dataclass
class SessionPlan:
    title: str
    starts_at: datetime  # aware
    ends_at: datetime
    time_zone: str = "UTC"
    description: str = ""
    online_url: str = ""
    location: str = ""
    capacity: int = 20
    booking_deadline: datetime | None = None


def _validate(plan: SessionPlan) -> None:
    if any(timezone.is_naive(moment) for moment in (plan.starts_at, plan.ends_at, plan.booking_deadline) if moment):
        raise SchedulingError(gettext("Give the start, end and booking deadline with their time zone."))
    if plan.ends_at <= plan.starts_at:
        raise SchedulingError(gettext("The session must end after it starts."))
    if plan.ends_at - plan.starts_at > timedelta(hours=24):
        raise SchedulingError(gettext("A session lasts at most 24 hours; plan longer events as several sessions."))
    if plan.capacity < 1:
        raise SchedulingError(gettext("A session needs at least one seat."))
    if plan.capacity > MAX_CAPACITY:
        raise SchedulingError(
            ngettext("A session has at most %(count)s seat.", "A session has at most %(count)s seats.", MAX_CAPACITY)
            % {"count": f"{MAX_CAPACITY:,}"}
        )
    if plan.booking_deadline and plan.booking_deadline > plan.starts_at:
        raise SchedulingError(gettext("Bookings must close before the session starts."))
    if not plan.online_url and not plan.location:
        raise SchedulingError(gettext("Give an online link or a location, so learners know where to go."))
    try:
        zoneinfo.ZoneInfo(plan.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: a folder of the zone database such as "America" (IsADirectoryError), not a zone.
        raise SchedulingError(gettext("Choose a time zone from the list.")) from None


def weekly_starts(
    *, starts_at: datetime, ends_at: datetime, time_zone: str, weeks: int
) -> Iterator[tuple[datetime, datetime]]:
    """The (start, end) of each week's occurrence, keeping the local wall-clock time across DST changes."""
    zone = zoneinfo.ZoneInfo(time_zone)
    local_start, local_end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    for week in range(weeks):
        # Adding days to the local (naive) time and re-attaching the zone keeps 18:00 at 18:00 local.
        start = (local_start.replace(tzinfo=None) + timedelta(weeks=week)).replace(tzinfo=zone)
        end = (local_end.replace(tzinfo=None) + timedelta(weeks=week)).replace(tzinfo=zone)
        yield start.astimezone(UTC), end.astimezone(UTC)


@transaction.atomic
def schedule_sessions(*, course: CoursePage, plan: SessionPlan, by: User, weeks: int = 1) -> list[LiveSession]:
    """One session, or a weekly series of `weeks` sessions (each then editable or cancellable alone)."""
    if not can_manage(user=by, course=course):
        raise NotAllowed(gettext("Only the course's trainer or an admin schedules its sessions."))
    _validate(plan)
    if not 1 <= weeks <= MAX_SERIES_WEEKS:
        raise SchedulingError(gettext("A series runs for 1 to %(weeks)d weeks.") % {"weeks": MAX_SERIES_WEEKS})
    series = uuid.uuid4() if weeks > 1 else None
    deadline_gap = plan.starts_at - plan.booking_deadline if plan.booking_deadline else None
    sessions = []
    for starts_at, ends_at in weekly_starts(
        starts_at=plan.starts_at, ends_at=plan.ends_at, time_zone=plan.time_zone, weeks=weeks
    ):
        sessions.append(
            LiveSession.objects.create(
                course=course,
                title=plan.title,
                description=plan.description,
                starts_at=starts_at,
                ends_at=ends_at,
                time_zone=plan.time_zone,
                online_url=plan.online_url,
                location=plan.location,
                capacity=plan.capacity,
                booking_deadline=starts_at - deadline_gap if deadline_gap is not None else None,
                series=series,
                created_by=by,
            )
        )
    return sessions


@transaction.atomic
def update_session(*, session: LiveSession, plan: SessionPlan, by: User) -> LiveSession:
    """Edits one occurrence. More seats promote waitlisted learners; fewer never remove booked ones."""
    session = LiveSession.objects.select_for_update().get(pk=session.pk)
    if not can_manage(user=by, course=session.course):
        raise NotAllowed(gettext("Only the course's trainer or an admin edits its sessions."))
    if session.is_cancelled:
        raise SchedulingError(gettext("This session was cancelled; schedule a new one instead."))
    _validate(plan)
    booked = session.bookings.filter(status=BookingStatus.BOOKED).count()
    if plan.capacity < booked:
        # booked is at least 2 here (a capacity below 1 was refused above); the singular is for other languages.
        raise SchedulingError(
            ngettext(
                "%(count)d learner holds a seat: the capacity cannot go below that. Cancel bookings first if needed.",
                "%(count)d learners hold a seat: the capacity cannot go below that. Cancel bookings first if needed.",
                booked,
            )
            % {"count": booked}
        )
    moved = plan.starts_at != session.starts_at
    for field in ("title", "description", "starts_at", "ends_at", "time_zone", "online_url", "location"):
        setattr(session, field, getattr(plan, field))
    session.capacity, session.booking_deadline = plan.capacity, plan.booking_deadline
    session.save()
    if moved:
        # Reminders follow the new time.
        session.bookings.update(reminded_24h_at=None, reminded_1h_at=None)
    _promote_waitlist(session)
    return session


@transaction.atomic
def cancel_session(*, session: LiveSession, by: User, reason: str = "") -> LiveSession:
    """Cancels one occurrence and tells everybody who booked or waited for it."""
    session = LiveSession.objects.select_for_update().get(pk=session.pk)
    if not can_manage(user=by, course=session.course):
        raise NotAllowed(gettext("Only the course's trainer or an admin cancels its sessions."))
    if session.is_cancelled:
        return session
    session.cancelled_at = timezone.now()
    session.cancel_reason = reason.strip()[:255]
    session.save(update_fields=["cancelled_at", "cancel_reason"])
    # Imported here because scheduling.tasks imports this module.
    from .tasks import notify_session_cancelled

    notify_session_cancelled.delay_on_commit(session.pk)
    return session


@transaction.atomic
def delete_session(*, session: LiveSession, by: User) -> None:
    """Removes a session nobody has booked, such as one planned by mistake. Once a learner booked or queued
    for it, it can only be cancelled: they are told, and their booking and attendance history stay."""
    # Locked like book_seat locks it, so a booking cannot arrive between the check and the delete.
    session = LiveSession.objects.select_for_update().get(pk=session.pk)
    if not can_manage(user=by, course=session.course):
        raise NotAllowed(gettext("Only the course's trainer or an admin deletes its sessions."))
    if session.bookings.exists() or session.attendances.exists():
        raise SessionInUse(gettext("Learners have booked this session, so it cannot be deleted: cancel it instead."))
    session.delete()


def _studying(user: User, course: CoursePage | int) -> bool:
    return Enrollment.objects.filter(user=user, course=course, status__in=STUDYING_STATUSES).exists()


@transaction.atomic
def book_seat(*, session: LiveSession, user: User, now: datetime | None = None) -> Booking:
    """Books a seat, or a place on the waitlist when the session is full. Booking again changes nothing.

    The session row is locked while seats are counted, so two learners taking the last seat at once
    queue up: one gets it, the other the waitlist.
    """
    now = now or timezone.now()
    # Only the session row: select_related() under FOR UPDATE would lock the course's page rows as well
    # (MariaDB has no FOR UPDATE OF), queueing every booking of the course and any edit of its page.
    session = LiveSession.objects.select_for_update().get(pk=session.pk)
    if session.is_cancelled:
        raise BookingClosed(gettext("This session was cancelled."))
    if now >= session.bookings_close_at:
        raise BookingClosed(gettext("Bookings for this session are closed."))
    if getattr(user, "is_banned", False) or not _studying(user, session.course_id):
        raise NotAllowed(gettext("Enrol in the course to book its live sessions."))
    booking = Booking.objects.filter(session=session, user=user).first()
    if booking and booking.status != BookingStatus.CANCELLED:
        return booking
    booked = session.bookings.filter(status=BookingStatus.BOOKED).count()
    status = BookingStatus.BOOKED if booked < session.capacity else BookingStatus.WAITLISTED
    if booking is None:
        booking = Booking(session=session, user=user)
    booking.status, booking.requested_at, booking.cancelled_at = status, now, None
    booking.booked_at = now if status == BookingStatus.BOOKED else None
    booking.reminded_24h_at = booking.reminded_1h_at = None
    booking.save()
    if status == BookingStatus.BOOKED:
        # Imported here because scheduling.tasks imports this module.
        from .tasks import notify_booked

        # After the commit, so the e-mail is rendered outside the session's row lock.
        notify_booked.delay_on_commit(booking.pk)
    return booking


@transaction.atomic
def cancel_booking(*, booking: Booking, now: datetime | None = None) -> Booking:
    """Gives the seat (or waitlist place) back; the first learner waiting gets the freed seat."""
    now = now or timezone.now()
    session = LiveSession.objects.select_for_update().get(pk=booking.session_id)
    booking = Booking.objects.get(pk=booking.pk)
    if booking.status == BookingStatus.CANCELLED:
        return booking
    if now >= session.starts_at:
        raise BookingClosed(gettext("The session has started; the booking can no longer be cancelled."))
    freed = booking.status == BookingStatus.BOOKED
    booking.status, booking.cancelled_at = BookingStatus.CANCELLED, now
    booking.save(update_fields=["status", "cancelled_at"])
    if freed:
        _promote_waitlist(session, now=now)
    return booking


def _promote_waitlist(session: LiveSession, *, now: datetime | None = None) -> list[Booking]:
    """Fills free seats from the waitlist in request order; the session row must be locked by the caller."""
    now = now or timezone.now()
    if session.is_cancelled or now >= session.starts_at:
        return []
    free = session.capacity - session.bookings.filter(status=BookingStatus.BOOKED).count()
    if free <= 0:
        return []
    # Learners who left the course or were banned while waiting keep their place but get no seat they
    # could not use (check-in requires an active enrollment); the next one in line gets it.
    waiting = list(
        session.bookings.filter(
            status=BookingStatus.WAITLISTED,
            user__is_banned=False,
            user__enrollments__course_id=session.course_id,
            user__enrollments__status__in=STUDYING_STATUSES,
        ).order_by("requested_at", "pk")[:free]
    )
    # Imported here because scheduling.tasks imports this module.
    from .tasks import notify_promoted

    for booking in waiting:
        booking.status, booking.booked_at = BookingStatus.BOOKED, now
        booking.save(update_fields=["status", "booked_at"])
        notify_promoted.delay_on_commit(booking.pk)
    return waiting


def join_link_visible(*, session: LiveSession, booking: Booking | None, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        bool(session.online_url)
        and booking is not None
        and booking.status == BookingStatus.BOOKED
        and not session.is_cancelled
        and session.starts_at - JOIN_LINK_OPENS_BEFORE <= now < session.ends_at
    )


def check_in_window_open(*, session: LiveSession, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return not session.is_cancelled and session.starts_at - CHECK_IN_OPENS_BEFORE <= now < session.ends_at


@transaction.atomic
def check_in(*, session: LiveSession, user: User, code: str, now: datetime | None = None) -> Attendance:
    """A learner checks in with the code the trainer shows; present if on time, late after the start.

    The code is compared last: outside the window, and for someone without a seat, every code gets the same
    answer, so the refusals never tell whether a guessed code was right.
    """
    now = now or timezone.now()
    session = LiveSession.objects.select_related("course").get(pk=session.pk)
    if not check_in_window_open(session=session, now=now):
        raise CheckInRefused(gettext("Check-in is open from 15 minutes before the start until the end of the session."))
    booked = Booking.objects.filter(session=session, user=user, status=BookingStatus.BOOKED).exists()
    if not booked or not _studying(user, session.course):
        raise CheckInRefused(gettext("Only learners with a seat in this session can check in."))
    entered = (code or "").strip().upper()
    if not session.check_in_code or not constant_time_compare(entered, session.check_in_code):
        raise CheckInRefused(gettext("That code does not match this session. Check the code the trainer shows."))
    existing = Attendance.objects.filter(session=session, user=user).first()
    if existing and existing.attended:
        return existing  # checking in twice changes nothing
    status = AttendanceStatus.PRESENT if now <= session.starts_at + timedelta(minutes=5) else AttendanceStatus.LATE
    return _set_attendance(session=session, user=user, status=status, by=user, now=now, checked_in=True)


def attendance_opens_at(session: LiveSession) -> datetime:
    return session.starts_at - ATTENDANCE_OPENS_BEFORE


def attendance_closes_at(*, session: LiveSession, user: User | AnonymousUser) -> datetime | None:
    """Until when the user may mark or correct the session's attendance: None for admins (no end)."""
    return None if user.is_superuser else session.ends_at + TRAINER_CORRECTIONS_FOR


def attendance_open(*, session: LiveSession, user: User | AnonymousUser, now: datetime | None = None) -> bool:
    """Whether the user's roster buttons work now: the window only; who may at all is can_manage's."""
    now = now or timezone.now()
    closes_at = attendance_closes_at(session=session, user=user)
    return not session.is_cancelled and attendance_opens_at(session) <= now and (closes_at is None or now < closes_at)


def _check_roster(*, session: LiveSession, by: User, now: datetime) -> None:
    if not can_manage(user=by, course=session.course):
        raise NotAllowed(gettext("Only the course's trainer or an admin takes attendance."))
    if session.is_cancelled:
        raise SchedulingError(gettext("This session was cancelled."))
    if now < attendance_opens_at(session):
        raise SchedulingError(gettext("Attendance can be taken from 15 minutes before the session starts."))
    if not attendance_open(session=session, user=by, now=now):
        raise SchedulingError(
            gettext(
                "Trainers can take or correct attendance until %(days)d days after the session; ask an admin to "
                "correct it now."
            )
            % {"days": TRAINER_CORRECTIONS_FOR.days}
        )


@transaction.atomic
def mark_attendance(
    *, session: LiveSession, user: User, status: str, by: User, note: str = "", now: datetime | None = None
) -> Attendance:
    """The trainer's roster: sets or corrects one learner's attendance, keeping the change history."""
    session = LiveSession.objects.select_related("course").get(pk=session.pk)  # a cancellation since loading
    if status not in AttendanceStatus.values:
        raise SchedulingError(gettext("Choose present, late, absent or excused."))
    now = now or timezone.now()
    _check_roster(session=session, by=by, now=now)
    on_roster = Booking.objects.filter(session=session, user=user, status=BookingStatus.BOOKED).exists()
    if not on_roster and not Attendance.objects.filter(session=session, user=user).exists():
        raise SchedulingError(gettext("That learner has no seat in this session."))
    return _set_attendance(session=session, user=user, status=status, by=by, now=now, note=note)


@transaction.atomic
def mark_all_present(*, session: LiveSession, by: User, now: datetime | None = None) -> list[Attendance]:
    """Marks every learner with a seat who is not marked yet as present, each change in the history like a
    single mark. Learners already marked (by the trainer or a check-in) keep what they have, so pressing it
    again changes nothing; the attendances it set are returned."""
    session = LiveSession.objects.select_related("course").get(pk=session.pk)
    now = now or timezone.now()
    _check_roster(session=session, by=by, now=now)
    unmarked = (
        Booking.objects.filter(session=session, status=BookingStatus.BOOKED)
        .exclude(user__attendances__session=session)
        .select_related("user")
        .order_by("pk")
    )
    marked = []
    for booking in unmarked:
        attendance, changed = _record_attendance(
            session=session, user=booking.user, status=AttendanceStatus.PRESENT, by=by, now=now, unless_marked=True
        )
        if changed:
            marked.append(attendance)
    return marked


def _set_attendance(
    *,
    session: LiveSession,
    user: User,
    status: str,
    by: User,
    now: datetime,
    note: str = "",
    checked_in: bool = False,
) -> Attendance:
    attendance, _ = _record_attendance(
        session=session, user=user, status=status, by=by, now=now, note=note, checked_in=checked_in
    )
    return attendance


def _record_attendance(
    *,
    session: LiveSession,
    user: User,
    status: str,
    by: User,
    now: datetime,
    note: str = "",
    checked_in: bool = False,
    unless_marked: bool = False,
) -> tuple[Attendance, bool]:
    """Sets the status, writes the history row and tells receivers; (attendance, whether it changed).
    `unless_marked`: an attendance recorded meanwhile (a check-in just now) is left as it is."""
    try:
        with transaction.atomic():
            attendance, created = Attendance.objects.select_for_update().get_or_create(
                session=session, user=user, defaults={"status": status, "updated_at": now, "updated_by": by}
            )
    except IntegrityError:  # a check-in and the roster at the same moment: the later one corrects
        attendance, created = Attendance.objects.select_for_update().get(session=session, user=user), False
    previous = "" if created else attendance.status
    if not created and (previous == status or unless_marked):
        return attendance, False
    attendance.status, attendance.updated_at, attendance.updated_by = status, now, by
    if checked_in:
        attendance.checked_in_at = now
    attendance.save()
    AttendanceChange.objects.create(
        attendance=attendance, previous_status=previous, status=status, changed_by=by, changed_at=now, note=note[:255]
    )
    attendance_changed.send(sender=Attendance, attendance=attendance)
    return attendance, True


@transaction.atomic
def calendar_feed(*, user: User) -> CalendarFeed:
    feed, _ = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def reset_calendar_feed(*, user: User) -> CalendarFeed:
    """A new secret: calendars subscribed to the old URL stop receiving sessions."""
    feed, created = CalendarFeed.objects.get_or_create(user=user)
    if not created:
        feed.token = new_feed_token()
        feed.save(update_fields=["token", "created_at"])
    return feed


@transaction.atomic
def new_check_in_code_for(*, session: LiveSession, by: User) -> LiveSession:
    if not can_manage(user=by, course=session.course):
        raise NotAllowed(gettext("Only the course's trainer or an admin changes the check-in code."))
    session.check_in_code = new_check_in_code()
    session.save(update_fields=["check_in_code"])
    return session


REMINDERS = {"24h": ("reminded_24h_at", timedelta(hours=24)), "1h": ("reminded_1h_at", timedelta(hours=1))}


def claim_reminder(*, booking_id: int, kind: str, now: datetime | None = None) -> bool:
    """Marks a reminder as sent, once: True for the one caller that should send it."""
    field, _ = REMINDERS[kind]
    now = now or timezone.now()
    claimed = Booking.objects.filter(
        Q(**{f"{field}__isnull": True}), pk=booking_id, status=BookingStatus.BOOKED
    ).update(**{field: now})
    return claimed == 1


def seat_notice_key(booking: Booking) -> str:
    """Names one seat for accounts' SentNotification: a booking confirmed directly and one given from the
    waitlist share it, so a seat is announced once; booking again after cancelling is a new seat."""
    booked_at = booking.booked_at or booking.requested_at
    return f"seat:{booking.pk}:{booked_at:%Y%m%d%H%M%S%f}"


def claim_cancellation_notice(*, booking_id: int, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        Booking.objects.filter(pk=booking_id, cancellation_notice_sent_at__isnull=True).update(
            cancellation_notice_sent_at=now
        )
        == 1
    )
