"""Sessions as a trainer schedules them, and learners who book and attend them."""

from datetime import UTC, datetime, timedelta

from accounts.tests.factories import UserFactory
from learning import services as learning_services
from scheduling import services

START = datetime(2026, 12, 2, 17, tzinfo=UTC)  # a Wednesday, 18:00 in Berlin


def enrolled_learner(course, **fields):
    """A learner enrolled in the course, so they may book its sessions."""
    user = UserFactory(**fields)
    learning_services.enroll(user=user, course=course)
    return user


def make_session(course, *, by, starts_at=START, minutes=60, weeks=1, **plan):
    plan.setdefault("title", "Live Q&A")
    plan.setdefault("online_url", "https://meet.example.com/room-1")
    session_plan = services.SessionPlan(starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes), **plan)
    sessions = services.schedule_sessions(course=course, plan=session_plan, by=by, weeks=weeks)
    return sessions if weeks > 1 else sessions[0]


def attend(session, learner, *, by, status="present"):
    """Books a seat for an enrolled learner (a week before) and marks them on the roster at the start."""
    services.book_seat(session=session, user=learner, now=session.starts_at - timedelta(days=7))
    return services.mark_attendance(session=session, user=learner, status=status, by=by, now=session.starts_at)
