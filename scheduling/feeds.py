"""Live sessions as iCalendar: a per-user feed behind a secret token, and one session's .ics file.

Neither ever carries the online link: a feed URL ends up in calendar apps and shared calendars, so the
link stays on the session page, shown to booked learners shortly before the start.
"""

from datetime import UTC

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST, require_safe
from icalendar import Calendar, Event

from lms_site.htmx import refuse, sign_in_first

from . import selectors, services
from .models import CalendarFeed, LiveSession
from .templatetags.scheduling_tags import feed_context
from .views import NOT_ALLOWED, session_viewer

PRODID = "-//Learnwell//Live sessions//EN"


def session_uid(session: LiveSession) -> str:
    """Stable across edits, so a moved or cancelled session updates the event calendars already hold."""
    return f"session-{session.pk}@learnwell"


def _event(request, session: LiveSession, *, stamp) -> Event:
    page_url = request.build_absolute_uri(reverse("scheduling:session", args=[session.pk]))
    lines = [f"Course: {session.course.title}"]
    if session.is_cancelled:
        lines.append(f"Cancelled{': ' + session.cancel_reason if session.cancel_reason else '.'}")
    if session.description:
        lines += ["", session.description]
    if session.online_url:
        lines += ["", "Online: the join link appears on the session page 15 minutes before the start."]
    lines += ["", f"Session page: {page_url}"]

    event = Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", stamp)
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", session.ends_at.astimezone(UTC))
    event.add("summary", f"Cancelled: {session.title}" if session.is_cancelled else session.title)
    event.add("description", "\n".join(lines))
    event.add("location", session.location or "Online")
    event.add("url", page_url)
    event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
    if session.cancelled_at is not None:  # is_cancelled
        # Cancelling is the one change recorded with a time; a higher sequence makes clients take it.
        event.add("sequence", 1)
        event.add("last-modified", session.cancelled_at.astimezone(UTC))
    return event


def _calendar(request, sessions, *, name: str) -> bytes:
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


def _ics_response(body: bytes, *, filename: str, attachment: bool) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'{"attachment" if attachment else "inline"}; filename="{filename}"'
    response["X-Robots-Tag"] = "noindex"
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_safe
def calendar_feed(request, token: str):
    """Public by design (calendar apps cannot sign in): the secret token in the URL is the key."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    user = feed.user if feed is not None else None
    if user is None or not user.is_active or user.is_banned:
        raise Http404("No calendar at this address. It may have been reset: copy the new one from your profile.")
    body = _calendar(request, selectors.feed_sessions(user=user), name="Learnwell live sessions")
    return _ics_response(body, filename="learnwell.ics", attachment=False)


@require_safe
def session_ics(request, session_id: int):
    session = LiveSession.objects.select_related("course").filter(pk=session_id).first()
    if session is None:
        raise Http404("No such session.")
    if not request.user.is_authenticated:
        return sign_in_first(request, request.get_full_path())
    if session_viewer(user=request.user, course=session.course) is None:
        return refuse(request, NOT_ALLOWED, status=403, back_url=session.course.url or "/", target="booking-panel")
    body = _calendar(request, [session], name=session.title)
    return _ics_response(body, filename=f"session-{session.pk}.ics", attachment=True)


@require_POST
@login_required
def reset_feed(request):
    services.reset_calendar_feed(user=request.user)
    notice = "Your calendar link is reset: the old one no longer works. Subscribe your calendar to the new one."
    if request.htmx:
        response = TemplateResponse(
            request, "scheduling/partials/calendar_feed.html", feed_context(request, notice=notice)
        )
        patch_cache_control(response, private=True, no_store=True)
        return response
    messages.success(request, notice)
    return redirect("accounts:profile")
