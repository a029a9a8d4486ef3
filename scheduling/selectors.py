"""The read side of scheduling: upcoming sessions, rosters, attendance reports, feeds and requirements."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from courses.models import CoursePage
from learning import selectors as learning_selectors
from learning.models import STUDYING_STATUSES, Enrollment
from learning.requirements import RequirementCount

from .models import ATTENDED, Attendance, Booking, BookingStatus, LiveSession
from .services import CHECK_IN_OPENS_BEFORE


def with_seat_counts(sessions: QuerySet[LiveSession]) -> QuerySet[LiveSession]:
    return sessions.annotate(
        booked_count=Count("bookings", filter=Q(bookings__status=BookingStatus.BOOKED)),
        waitlist_count=Count("bookings", filter=Q(bookings__status=BookingStatus.WAITLISTED)),
    )


def session_viewer(*, user: User | AnonymousUser, course: CoursePage) -> str | None:
    """Who the user is for the course's live sessions: "staff" (its trainer, admins), "learner" (enrolled
    and studying), or None for everyone else (visitors, other learners, other trainers, banned users)."""
    if not isinstance(user, User) or not user.is_active or user.is_banned:
        return None
    if learning_selectors.is_course_staff(user=user, course=course):
        return "staff"
    enrollment = learning_selectors.enrollment_for(user=user, course=course)
    return "learner" if enrollment is not None and enrollment.gives_access else None


def upcoming_course_sessions(
    *, course: CoursePage, user: User | AnonymousUser | None = None, now: datetime | None = None
) -> list[LiveSession]:
    """The course's sessions that have not ended, with seat counts and the user's own booking (`my_booking`)."""
    now = now or timezone.now()
    sessions = with_seat_counts(LiveSession.objects.filter(course=course, ends_at__gt=now)).order_by("starts_at")
    if user is not None and user.is_authenticated:
        sessions = sessions.prefetch_related(
            Prefetch("bookings", queryset=Booking.objects.filter(user=user), to_attr="my_bookings")
        )
    found = list(sessions)
    for session in found:
        # Read by the templates; a Prefetch to_attr is no model field, so mypy cannot know of it.
        session.my_booking = next(iter(getattr(session, "my_bookings", [])), None)  # type: ignore[attr-defined]
    return found


def my_upcoming_sessions(*, user: User, now: datetime | None = None, limit: int = 10) -> list[Booking]:
    """The learner's booked and waitlisted sessions that have not ended, soonest first (dashboard)."""
    now = now or timezone.now()
    return list(
        Booking.objects.filter(
            user=user,
            status__in=[BookingStatus.BOOKED, BookingStatus.WAITLISTED],
            session__ends_at__gt=now,
        )
        .select_related("session__course")
        .order_by("session__starts_at")[:limit]
    )


def booking_of(*, session: LiveSession, user: User | AnonymousUser) -> Booking | None:
    if not user.is_authenticated:
        return None
    return Booking.objects.filter(session=session, user=user).first()


def waitlist_position(*, booking: Booking) -> int | None:
    if booking.status != BookingStatus.WAITLISTED:
        return None
    ahead = Booking.objects.filter(
        Q(requested_at__lt=booking.requested_at) | Q(requested_at=booking.requested_at, pk__lt=booking.pk),
        session_id=booking.session_id,
        status=BookingStatus.WAITLISTED,
    ).count()
    return ahead + 1


@dataclass
class RosterRow:
    user: User
    booking: Booking | None
    attendance: Attendance | None


def roster(*, session: LiveSession) -> list[RosterRow]:
    """Everybody with a seat, plus anyone whose attendance was recorded (a seat given up later), by name."""
    bookings = {
        b.user_id: b
        for b in Booking.objects.filter(session=session, status=BookingStatus.BOOKED).select_related("user")
    }
    attendances = {
        a.user_id: a
        for a in Attendance.objects.filter(session=session)
        .select_related("user", "updated_by")
        .prefetch_related("changes__changed_by")
    }
    users = {b.user_id: b.user for b in bookings.values()} | {a.user_id: a.user for a in attendances.values()}
    rows = [RosterRow(user=u, booking=bookings.get(pk), attendance=attendances.get(pk)) for pk, u in users.items()]
    return sorted(rows, key=lambda row: (row.user.last_name.lower(), row.user.first_name.lower(), row.user.pk))


def session_rosters(*, sessions: Iterable[LiveSession]) -> dict[int, list[RosterRow]]:
    """`roster` for many sessions at once, without the attendance history: two queries however many sessions
    and learners (the REST API's attendance listing pages through a course's sessions with it)."""
    session_ids = [session.pk for session in sessions]
    bookings: dict[tuple[int, int], Booking] = {
        (b.session_id, b.user_id): b
        for b in Booking.objects.filter(session_id__in=session_ids, status=BookingStatus.BOOKED).select_related("user")
    }
    attendances: dict[tuple[int, int], Attendance] = {
        (a.session_id, a.user_id): a
        for a in Attendance.objects.filter(session_id__in=session_ids).select_related("user")
    }
    users = {key: b.user for key, b in bookings.items()} | {key: a.user for key, a in attendances.items()}
    rosters: dict[int, list[RosterRow]] = {pk: [] for pk in session_ids}
    for key, user in users.items():
        rosters[key[0]].append(RosterRow(user=user, booking=bookings.get(key), attendance=attendances.get(key)))
    for rows in rosters.values():
        rows.sort(key=lambda row: (row.user.last_name.lower(), row.user.first_name.lower(), row.user.pk))
    return rosters


def held_sessions(*, course: CoursePage, now: datetime | None = None) -> QuerySet[LiveSession]:
    """Sessions that took place: ended and not cancelled."""
    now = now or timezone.now()
    return LiveSession.objects.filter(course=course, ends_at__lte=now, cancelled_at__isnull=True)


def attendance_by_learner(*, course: CoursePage, now: datetime | None = None) -> dict[int, int]:
    """How many of the course's held sessions each learner attended (present or late)."""
    return dict(
        Attendance.objects.filter(session__in=held_sessions(course=course, now=now), status__in=ATTENDED)
        .values_list("user_id")
        .annotate(n=Count("pk"))
        .values_list("user_id", "n")
    )


def counted_sessions(*, course: CoursePage, now: datetime | None = None) -> QuerySet[LiveSession]:
    """The sessions the attendance requirement counts: not cancelled, and check-in has opened.

    Not only the ended ones: a learner checks in during the session, and that check-in is the last event
    that refreshes their progress. Counting only ended sessions, it would never complete their course
    (nothing runs again when the session ends). A session whose check-in has opened counts for everybody,
    as it will once it has ended; until then no attendance can exist for it.
    """
    now = now or timezone.now()
    return LiveSession.objects.filter(
        course=course, starts_at__lte=now + CHECK_IN_OPENS_BEFORE, cancelled_at__isnull=True
    )


def attendance_requirement(*, course: CoursePage, enrollments: Iterable[Enrollment]) -> RequirementCount:
    """learning's completion requirement: one step, done once the learner's attendance rate reaches the
    course's required percentage of its held sessions (not done while none has been held). 0 % or empty:
    no requirement (0 % would otherwise block completion until a first session was held)."""
    required = getattr(course, "required_attendance_percent", None)
    if not required:
        return RequirementCount()
    sessions = counted_sessions(course=course)
    held = sessions.count()
    attended = (
        dict(
            Attendance.objects.filter(session__in=sessions, status__in=ATTENDED)
            .values_list("user_id")
            .annotate(n=Count("pk"))
            .values_list("user_id", "n")
        )
        if held
        else {}
    )
    done = {
        enrollment.pk: 1
        for enrollment in enrollments
        if held and attended.get(enrollment.user_id, 0) * 100 >= required * held
    }
    return RequirementCount(total=1, done=done)


@dataclass
class SessionReportRow:
    session: LiveSession
    booked: int
    present: int
    late: int
    absent: int
    excused: int

    @property
    def attended(self) -> int:
        return self.present + self.late

    @property
    def rate(self) -> float | None:
        return self.attended / self.booked if self.booked else None


def session_report(*, course: CoursePage, now: datetime | None = None) -> list[SessionReportRow]:
    """Attendance per held session of the course, in one query."""
    counts = {
        status: Count("attendances", filter=Q(attendances__status=status), distinct=True)
        for status in ("present", "late", "absent", "excused")
    }
    sessions = held_sessions(course=course, now=now).annotate(
        booked=Count("bookings", filter=Q(bookings__status=BookingStatus.BOOKED), distinct=True), **counts
    )
    return [
        # The counts are annotations built from a dict, which django-stubs cannot follow.
        SessionReportRow(s, s.booked, s.present, s.late, s.absent, s.excused)  # type: ignore[attr-defined]
        for s in sessions.order_by("starts_at")
    ]


@dataclass
class LearnerReportRow:
    user: User
    attended: int
    held: int

    @property
    def rate(self) -> float | None:
        return self.attended / self.held if self.held else None


def learner_report(*, course: CoursePage, now: datetime | None = None) -> list[LearnerReportRow]:
    """Each enrolled learner's attendance over the course's held sessions."""
    held = held_sessions(course=course, now=now).count()
    attended = attendance_by_learner(course=course, now=now)
    enrollments = (
        Enrollment.objects.filter(course=course, status__in=STUDYING_STATUSES)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user_id")
    )
    return [LearnerReportRow(e.user, attended.get(e.user_id, 0), held) for e in enrollments]


def course_attendance_rate(*, course: CoursePage, now: datetime | None = None) -> float | None:
    """Attended seats over booked seats across the course's held sessions."""
    rows = session_report(course=course, now=now)
    booked = sum(row.booked for row in rows)
    return sum(row.attended for row in rows) / booked if booked else None


def feed_sessions(*, user: User, now: datetime | None = None) -> list[LiveSession]:
    """What a user's calendar feed holds: sessions they booked and, for trainers, those they teach,
    from 30 days back (so a calendar keeps recent history) and cancelled ones too (calendars show them
    as cancelled instead of silently dropping them)."""
    now = now or timezone.now()
    since = now - timedelta(days=30)
    booked = Q(bookings__user=user, bookings__status=BookingStatus.BOOKED)
    teaching = Q(course__trainer=user) if getattr(user, "is_trainer", False) else Q(pk__in=[])
    return list(
        LiveSession.objects.filter(booked | teaching, ends_at__gte=since)
        .select_related("course")
        .distinct()
        .order_by("starts_at")
    )


def reminders_due(*, kind_window: timedelta, now: datetime | None = None) -> QuerySet[Booking]:
    now = now or timezone.now()
    return Booking.objects.filter(
        status=BookingStatus.BOOKED,
        session__cancelled_at__isnull=True,
        session__starts_at__gt=now,
        session__starts_at__lte=now + kind_window,
    )


@dataclass
class TeachingSessions:
    """The trainer home's live sessions: those still to come (or running) today, then the rest of the week."""

    today: list[LiveSession]
    this_week: list[LiveSession]
    week_ends_at: datetime


def teaching_sessions(*, courses: Iterable[CoursePage], zone: tzinfo, now: datetime | None = None) -> TeachingSessions:
    """The courses' sessions that have not ended and start before a week from tonight, with seat counts.

    "Today" ends at midnight in `zone` (the trainer's own time zone); "this week" is the seven days after it.
    Cancelled sessions are left out: nothing is left to prepare for them. One query.
    """
    now = now or timezone.now()
    local_now = now.astimezone(zone)
    tonight = datetime.combine(local_now.date() + timedelta(days=1), time(), tzinfo=zone)
    week_ends_at = tonight + timedelta(days=7)
    sessions = list(
        with_seat_counts(
            LiveSession.objects.filter(
                course__in=[course.pk for course in courses],
                cancelled_at__isnull=True,
                ends_at__gt=now,
                starts_at__lt=week_ends_at,
            )
        )
        .select_related("course")
        .order_by("starts_at", "pk")
    )
    return TeachingSessions(
        today=[session for session in sessions if session.starts_at < tonight],
        this_week=[session for session in sessions if session.starts_at >= tonight],
        week_ends_at=week_ends_at,
    )
