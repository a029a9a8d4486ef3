"""Demo data: a weekly live Q&A series on the free Python course, and last week's kick-off session whose
attendance was taken (and corrected once, so the roster's history has something to show). The demo learner
who finished the course has a seat on the first upcoming session and attended the kick-off."""

import zoneinfo
from datetime import datetime, time, timedelta

from django.utils import timezone

from courses.models import CoursePage
from learning import selectors as learning_selectors

from . import services
from .models import LiveSession

DEMO_SESSION_COURSE = "python-for-data-analysis"
DEMO_ZONE = "Europe/London"
PAST_SESSION_TITLE = "Kick-off Q&A: setting up Python"


def seed_sessions(*, courses: list[CoursePage], trainer, learner) -> None:
    """Idempotent: the series is added to a course without sessions, the past session once (by its title)."""
    course = next((c for c in courses if c.slug == DEMO_SESSION_COURSE), None)
    if course is None or course.trainer_id != trainer.pk:
        return
    # Only a learner already in the course books: the demo's `learner` stays free to enrol themselves.
    enrollment = learning_selectors.enrollment_for(user=learner, course=course)
    in_course = enrollment is not None and enrollment.gives_access
    if not LiveSession.objects.filter(course=course).exists():
        _seed_series(course=course, trainer=trainer, learner=learner if in_course else None)
    if in_course and not LiveSession.objects.filter(course=course, title=PAST_SESSION_TITLE).exists():
        _seed_past_session(course=course, trainer=trainer, learner=learner)


def _at_six_pm(days_from_today: int) -> datetime:
    zone = zoneinfo.ZoneInfo(DEMO_ZONE)
    day = timezone.now().astimezone(zone).date() + timedelta(days=days_from_today)
    return datetime.combine(day, time(18, 0), tzinfo=zone)


def _plan(title: str, starts_at: datetime, description: str) -> services.SessionPlan:
    return services.SessionPlan(
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        time_zone=DEMO_ZONE,
        online_url="https://meet.example.com/learnwell-python",
        capacity=12,
    )


def _seed_series(*, course: CoursePage, trainer, learner) -> None:
    """Four weekly sessions from next week, so the demo always has upcoming sessions to book."""
    plan = _plan(
        "Live Q&A: your Python questions",
        _at_six_pm(7),
        "Bring your questions about the week's lessons; we work through them together.",
    )
    sessions = services.schedule_sessions(course=course, plan=plan, by=trainer, weeks=4)
    if learner is not None:
        services.book_seat(session=sessions[0], user=learner)


def _seed_past_session(*, course: CoursePage, trainer, learner) -> None:
    """Last week's session, taken through the same services a real one goes through at its own times: booked
    days before, marked late during the session, corrected to present after it."""
    plan = _plan(PAST_SESSION_TITLE, _at_six_pm(-7), "Installing Python and Jupyter, and a first notebook together.")
    [session] = services.schedule_sessions(course=course, plan=plan, by=trainer)
    services.book_seat(session=session, user=learner, now=session.starts_at - timedelta(days=3))
    services.mark_attendance(
        session=session, user=learner, status="late", by=trainer, now=session.starts_at + timedelta(minutes=10)
    )
    services.mark_attendance(
        session=session,
        user=learner,
        status="present",
        by=trainer,
        now=session.ends_at + timedelta(hours=1),
        note="Was in the call from the start; the check-in did not work on their phone.",
    )
