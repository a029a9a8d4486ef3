"""Demo data: a weekly live Q&A series on the free Python course; the demo learner who finished the course
has a seat on the first one."""

import zoneinfo
from datetime import datetime, time, timedelta

from django.utils import timezone

from courses.models import CoursePage
from learning import selectors as learning_selectors

from . import services
from .models import LiveSession

DEMO_SESSION_COURSE = "python-for-data-analysis"
DEMO_ZONE = "Europe/London"


def seed_sessions(*, courses: list[CoursePage], trainer, learner) -> None:
    """Idempotent: a course that already has sessions is left alone. The series starts next week, so the
    demo always has upcoming sessions to book."""
    course = next((c for c in courses if c.slug == DEMO_SESSION_COURSE), None)
    if course is None or LiveSession.objects.filter(course=course).exists() or course.trainer_id != trainer.pk:
        return
    zone = zoneinfo.ZoneInfo(DEMO_ZONE)
    next_week = timezone.now().astimezone(zone).date() + timedelta(days=7)
    starts_at = datetime.combine(next_week, time(18, 0), tzinfo=zone)
    plan = services.SessionPlan(
        title="Live Q&A: your Python questions",
        description="Bring your questions about the week's lessons; we work through them together.",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        time_zone=DEMO_ZONE,
        online_url="https://meet.example.com/learnwell-python",
        capacity=12,
    )
    sessions = services.schedule_sessions(course=course, plan=plan, by=trainer, weeks=4)
    # Only a learner already in the course books: the demo's `learner` stays free to enrol themselves.
    enrollment = learning_selectors.enrollment_for(user=learner, course=course)
    if enrollment is not None and enrollment.gives_access:
        services.book_seat(session=sessions[0], user=learner)
