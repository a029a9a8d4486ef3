"""Live sessions on other apps' pages (course page, dashboard, profile) and times in the viewer's own zone."""

import zoneinfo

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date

from .. import selectors, services

register = template.Library()

UTC_ZONE = zoneinfo.ZoneInfo("UTC")


def viewer_zone(user) -> zoneinfo.ZoneInfo:
    """The signed-in user's own time zone; visitors see UTC."""
    if user is not None and user.is_authenticated:
        return user.tzinfo
    return UTC_ZONE


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


def session_time_range(session, zone: zoneinfo.ZoneInfo) -> str:
    """“Wednesday 2 December 2026, 18:00–19:00 (Europe/Berlin)”, the end's date too if it falls on another day."""
    start, end = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
    day = format_date(start, "l j F Y")
    if end.date() == start.date():
        times = f"{format_date(start, 'H:i')}–{format_date(end, 'H:i')}"
    else:
        times = f"{format_date(start, 'H:i')} – {format_date(end, 'l j F, H:i')}"
    return f"{day}, {times} ({zone.key})"


@register.simple_tag(takes_context=True)
def session_when(context, session) -> str:
    """The session's date and time in the viewer's time zone, with the zone's name."""
    return session_time_range(session, viewer_zone(_user(context)))


@register.simple_tag(takes_context=True)
def local_time(context, value, fmt="H:i") -> str:
    """A moment in the viewer's time zone, formatted like the `date` filter."""
    if not value:
        return ""
    return format_date(value.astimezone(viewer_zone(_user(context))), fmt)


@register.simple_tag(takes_context=True)
def viewer_zone_name(context) -> str:
    return viewer_zone(_user(context)).key


@register.inclusion_tag("scheduling/partials/course_sessions.html", takes_context=True)
def course_sessions(context, course):
    """The course page's upcoming live sessions: the list for its learners and staff, a line for others."""
    request = context["request"]
    user = request.user
    may_see = selectors.session_viewer(user=user, course=course) is not None
    # Visitors and learners not enrolled only learn that sessions exist; the list is for the course's people.
    sessions = selectors.upcoming_course_sessions(course=course, user=user if may_see else None)
    return {
        "request": request,
        "user": user,
        "course": course,
        "may_see": may_see,
        "sessions": sessions if may_see else [],
        "any_sessions": any(not session.is_cancelled for session in sessions),
        "now": timezone.now(),
    }


@register.inclusion_tag("scheduling/partials/my_sessions.html", takes_context=True)
def my_live_sessions(context):
    """The dashboard's “Upcoming live sessions”: one query however many there are."""
    request = context["request"]
    bookings = selectors.my_upcoming_sessions(user=request.user) if request.user.is_authenticated else []
    return {"request": request, "user": request.user, "bookings": bookings, "now": timezone.now()}


@register.inclusion_tag("scheduling/partials/teaching_sessions.html", takes_context=True)
def teaching_sessions(context, courses):
    """The trainer home's live sessions of `courses` today and this week, in the trainer's time zone; one query."""
    request = context["request"]
    zone = viewer_zone(request.user)
    return {
        "request": request,
        "user": request.user,
        "sessions": selectors.teaching_sessions(courses=courses, zone=zone),
        "now": timezone.now(),
    }


def feed_context(request, *, notice: str = "") -> dict:
    feed = services.calendar_feed(user=request.user)
    feed_url = request.build_absolute_uri(reverse("scheduling:feed", args=[feed.token]))
    webcal_url = "webcal://" + feed_url.split("://", 1)[1]
    return {"request": request, "user": request.user, "feed_url": feed_url, "webcal_url": webcal_url, "notice": notice}


@register.inclusion_tag("scheduling/partials/calendar_feed.html", takes_context=True)
def calendar_feed_panel(context):
    """The profile's calendar feed address, with a copy field and a reset button."""
    return feed_context(context["request"])


@register.filter
def seats_left(session) -> int:
    """Free seats of a session annotated by selectors.with_seat_counts."""
    return max(session.capacity - session.booked_count, 0)
