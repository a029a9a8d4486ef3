"""Learners' side of live sessions: the session page with its booking panel, booking, check-in, and the
calendar files (a personal feed, one session's .ics)."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from lms_site.htmx import partial_on_htmx, personal, refuse, sign_in_first

from . import feeds, selectors, services
from .forms import CheckInForm
from .models import BookingStatus, CalendarFeed, LiveSession
from .templatetags.scheduling_tags import feed_context

NOT_ALLOWED = gettext_lazy("Live sessions are open to the course's enrolled learners, its trainer and admins.")
# A booked learner's panel asks again now and then from this long before the join link shows, so it appears
# without a reload.
POLL_FOR_LINK_FROM = timedelta(hours=1)


def session_with_counts(session_id: int) -> LiveSession:
    sessions = selectors.with_seat_counts(LiveSession.objects.filter(pk=session_id).select_related("course"))
    return get_object_or_404(sessions)


def session_url(session: LiveSession) -> str:
    return reverse("scheduling:session", args=[session.pk])


def _refuse_viewer(request, session: LiveSession):
    course_url = session.course.url or "/"
    return refuse(request, str(NOT_ALLOWED), status=403, back_url=course_url, target="booking-panel")


def _session_context(request, session: LiveSession, *, role: str, notice: str = "", error: str = "") -> dict:
    now = timezone.now()
    booking = selectors.booking_of(session=session, user=request.user)
    holds = booking is not None and booking.status in (BookingStatus.BOOKED, BookingStatus.WAITLISTED)
    booked = booking is not None and booking.status == BookingStatus.BOOKED
    join_visible = services.join_link_visible(session=session, booking=booking, now=now)
    join_opens_at = session.starts_at - services.JOIN_LINK_OPENS_BEFORE
    has_ended = now >= session.ends_at
    return {
        "session": session,
        "course": session.course,
        "booking": booking if holds else None,
        "booked": booked,
        "waitlisted": holds and not booked,
        "position": selectors.waitlist_position(booking=booking) if booking and holds and not booked else None,
        # booked_count: an annotation of selectors.with_seat_counts, which LiveSession does not declare.
        "seats_left": max(session.capacity - session.booked_count, 0),  # type: ignore[attr-defined]
        "is_staff": role == "staff",
        "is_learner": role == "learner",
        "bookings_open": not session.is_cancelled and now < session.bookings_close_at,
        "has_started": now >= session.starts_at,
        "has_ended": has_ended,
        "can_cancel": holds and not session.is_cancelled and now < session.starts_at,
        "join_visible": join_visible,
        "join_opens_at": join_opens_at,
        "poll_for_link": (
            booked
            and bool(session.online_url)
            and not session.is_cancelled
            and not join_visible
            and not has_ended
            and now >= join_opens_at - POLL_FOR_LINK_FROM
        ),
        "check_in_open": booked and services.check_in_window_open(session=session, now=now),
        "notice": notice,
        "error": error,
    }


@require_GET
def session_detail(request, session_id: int):
    session = session_with_counts(session_id)
    if not request.user.is_authenticated:
        return sign_in_first(request, request.get_full_path())
    role = selectors.session_viewer(user=request.user, course=session.course)
    if role is None:
        return _refuse_viewer(request, session)
    # The panel polls while a join link is due; the seat counts beside it come along (booking-response).
    template = partial_on_htmx(request, "scheduling/session.html", "booking-response")
    return personal(TemplateResponse(request, template, _session_context(request, session, role=role)))


def _booking_action(request, session_id: int, action):
    """Runs `action(session)` for a booking button; the panel on htmx, the page (after a redirect) otherwise."""
    session = session_with_counts(session_id)
    if not request.user.is_authenticated:
        return sign_in_first(request, session_url(session))
    role = selectors.session_viewer(user=request.user, course=session.course)
    if role is None:
        return _refuse_viewer(request, session)
    try:
        notice = action(session)
    except services.SchedulingError as error:
        if request.htmx:
            session = session_with_counts(session_id)
            context = _session_context(request, session, role=role, error=str(error))
            response = TemplateResponse(
                request, "scheduling/session.html#booking-response", context, status=error.status_code
            )
            return personal(response)
        return refuse(request, str(error), status=error.status_code, back_url=session_url(session))
    if not request.htmx:
        messages.success(request, notice)
        return redirect(session_url(session))
    session = session_with_counts(session_id)  # the seat counts changed
    context = _session_context(request, session, role=role, notice=notice)
    # The panel and, out of band, the seat and waitlist counts beside it.
    return personal(TemplateResponse(request, "scheduling/session.html#booking-response", context))


@require_POST
def book(request, session_id: int):
    def action(session):
        booking = services.book_seat(session=session, user=request.user)
        # The panel itself then says "You have a seat" or the waitlist place: the notice does not repeat it.
        if booking.status == BookingStatus.BOOKED:
            return gettext("Booking confirmed.")
        return gettext("The session is full, so you joined the waitlist.")

    return _booking_action(request, session_id, action)


@require_POST
def cancel_booking(request, session_id: int):
    def action(session):
        booking = selectors.booking_of(session=session, user=request.user)
        if booking is None:
            raise services.SchedulingError(gettext("You have no booking for this session."))
        was_waiting = booking.status == BookingStatus.WAITLISTED
        services.cancel_booking(booking=booking)
        if was_waiting:
            return gettext("You left the waitlist.")
        return gettext("Your booking is cancelled and your seat is free for someone else.")

    return _booking_action(request, session_id, action)


@require_http_methods(["GET", "POST"])
def check_in(request, session_id: int):
    """The page the trainer's QR code opens (with ?code=…), so checking in takes one tap."""
    session = get_object_or_404(LiveSession.objects.select_related("course"), pk=session_id)
    if not request.user.is_authenticated:
        return sign_in_first(request, request.get_full_path())
    role = selectors.session_viewer(user=request.user, course=session.course)
    if role is None:
        return refuse(
            request, str(NOT_ALLOWED), status=403, back_url=session.course.url or "/", target="check-in-panel"
        )
    template = partial_on_htmx(request, "scheduling/check_in.html", "check-in-panel")
    status, error, attendance = 200, "", None
    if request.method == "POST":
        form = CheckInForm(request.POST)
        if form.is_valid():
            try:
                attendance = services.check_in(session=session, user=request.user, code=form.cleaned_data["code"])
            except services.SchedulingError as refused:
                status, error = refused.status_code, str(refused)
            else:
                checked_in = gettext("You're checked in (%(status)s).") % {
                    "status": attendance.get_status_display().lower()
                }
                if not request.htmx:
                    messages.success(request, checked_in)
                    return redirect(session_url(session))
        else:
            status = 400
    else:
        form = CheckInForm(initial={"code": request.GET.get("code", "")[:12]})
    now = timezone.now()
    booking = selectors.booking_of(session=session, user=request.user)
    context = {
        "session": session,
        "form": form,
        "error": error,
        "attendance": attendance,
        "booked": booking is not None and booking.status == BookingStatus.BOOKED,
        "is_staff": role == "staff",
        "window_open": services.check_in_window_open(session=session, now=now),
        "opens_at": session.starts_at - services.CHECK_IN_OPENS_BEFORE,
        "has_ended": now >= session.ends_at,
    }
    return personal(TemplateResponse(request, template, context, status=status))


# Calendars


@require_safe
def calendar_feed(request, token: str):
    """Public by design (calendar apps cannot sign in): the secret token in the URL is the key."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    user = feed.user if feed is not None else None
    if user is None or not user.is_active or user.is_banned:
        raise Http404(
            gettext("No calendar at this address. It may have been reset: copy the new one from your profile.")
        )
    body = feeds.calendar_ics(request, selectors.feed_sessions(user=user), name=gettext("Learnwell live sessions"))
    return feeds.ics_response(body, filename="learnwell.ics", attachment=False)


@require_safe
def session_ics(request, session_id: int):
    session = LiveSession.objects.select_related("course").filter(pk=session_id).first()
    if session is None:
        raise Http404(gettext("No such session."))
    if not request.user.is_authenticated:
        return sign_in_first(request, request.get_full_path())
    if selectors.session_viewer(user=request.user, course=session.course) is None:
        return refuse(request, str(NOT_ALLOWED), status=403, back_url=session.course.url or "/", target="booking-panel")
    body = feeds.calendar_ics(request, [session], name=session.title)
    return feeds.ics_response(body, filename=f"session-{session.pk}.ics", attachment=True)


@require_POST
@login_required
def reset_feed(request):
    services.reset_calendar_feed(user=request.user)
    notice = gettext(
        "Your calendar link is reset: the old one no longer works. Subscribe your calendar to the new one."
    )
    if request.htmx:
        response = TemplateResponse(
            request, "scheduling/partials/calendar_feed.html", feed_context(request, notice=notice)
        )
        patch_cache_control(response, private=True, no_store=True)
        return response
    messages.success(request, notice)
    return redirect("accounts:profile")
