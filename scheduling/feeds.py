"""Live sessions as iCalendar, for the views of a per-user feed behind a secret token and of one session's
.ics file.

Neither ever carries the online link: a feed URL ends up in calendar apps and shared calendars, so the
link stays on the session page, shown to booked learners shortly before the start.
"""

from datetime import UTC

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext, pgettext
from icalendar import Calendar, Event

from .models import LiveSession

PRODID = "-//Learnwell//Live sessions//EN"


def session_uid(session: LiveSession) -> str:
    """Stable across edits, so a moved or cancelled session updates the event calendars already hold."""
    return f"session-{session.pk}@learnwell"


def _event(request, session: LiveSession, *, stamp) -> Event:
    page_url = request.build_absolute_uri(reverse("scheduling:session", args=[session.pk]))
    lines = [gettext("Course: %(title)s") % {"title": session.course.title}]
    if session.is_cancelled:
        if session.cancel_reason:
            lines.append(gettext("Cancelled: %(reason)s") % {"reason": session.cancel_reason})
        else:
            lines.append(gettext("Cancelled."))
    if session.description:
        lines += ["", session.description]
    if session.online_url:
        lines += ["", gettext("Online: the join link appears on the session page 15 minutes before the start.")]
    lines += ["", gettext("Session page: %(url)s") % {"url": page_url}]

    event = Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", stamp)
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", session.ends_at.astimezone(UTC))
    summary = gettext("Cancelled: %(title)s") % {"title": session.title} if session.is_cancelled else session.title
    event.add("summary", summary)
    event.add("description", "\n".join(lines))
    event.add("location", session.location or pgettext("where a live session takes place", "Online"))
    event.add("url", page_url)
    event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
    if session.cancelled_at is not None:  # is_cancelled
        # Cancelling is the one change recorded with a time; a higher sequence makes clients take it.
        event.add("sequence", 1)
        event.add("last-modified", session.cancelled_at.astimezone(UTC))
    return event


def calendar_ics(request, sessions, *, name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-published-ttl", "PT1H")  # ask subscribed calendars to refresh hourly
    stamp = timezone.now().astimezone(UTC)
    for session in sessions:
        calendar.add_component(_event(request, session, stamp=stamp))
    return calendar.to_ical()


def ics_response(body: bytes, *, filename: str, attachment: bool) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'{"attachment" if attachment else "inline"}; filename="{filename}"'
    response["X-Robots-Tag"] = "noindex"
    patch_cache_control(response, private=True, no_store=True)
    return response
