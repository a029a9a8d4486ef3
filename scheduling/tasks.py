"""E-mails about live sessions and the reminder sweep. Each message is claimed or keyed so it goes once.

Seat confirmations and reminders are "bookings and reminders" on the learner's profile, and go only to
learners who left that on; a cancelled session is always announced, since a learner must know it is off."""

from celery import shared_task
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Notification
from accounts.tasks import send_account_email
from learning import services as learning_services
from learning.models import Enrollment

from . import selectors, services
from .models import Attendance, Booking, BookingStatus, LiveSession


def _email(*, user, template: str, context: dict) -> None:
    subject, body = account_services.render_email(template=f"scheduling/emails/{template}", context=context, user=user)
    # The claim that chose this e-mail is committed: a broker that is down must not lose the message.
    send_account_email.delay_or_keep(subject=subject, body=body, to=[user.email])


@shared_task
def notify_session_cancelled(session_id: int) -> int:
    session = LiveSession.objects.select_related("course").filter(pk=session_id).first()
    if session is None or not session.is_cancelled:
        return 0
    bookings = session.bookings.filter(status__in=[BookingStatus.BOOKED, BookingStatus.WAITLISTED])
    sent = 0
    for booking in bookings.select_related("user"):
        if services.claim_cancellation_notice(booking_id=booking.pk):
            _email(user=booking.user, template="session_cancelled", context={"session": session})
            sent += 1
    return sent


def _confirm_seat(booking_id: int, *, template: str) -> bool:
    booking = (
        Booking.objects.select_related("user", "session__course")
        .filter(pk=booking_id, status=BookingStatus.BOOKED, session__cancelled_at__isnull=True)
        .first()
    )
    # Cancelled since, or the session was; or it has begun (a booking entered afterwards, as the demo's
    # past session is): a confirmation would only confuse.
    if booking is None or booking.session.starts_at <= timezone.now():
        return False
    return account_services.notify(
        user=booking.user,
        kind=Notification.BOOKING,
        key=services.seat_notice_key(booking),
        template=f"scheduling/emails/{template}",
        context={"session": booking.session},
    )


@shared_task
def notify_booked(booking_id: int) -> bool:
    """The learner booked a seat themselves: confirms it, once per seat."""
    return _confirm_seat(booking_id, template="booking_confirmed")


@shared_task
def notify_promoted(booking_id: int) -> bool:
    """A seat freed up and went to this learner from the waitlist: tells them, once per seat."""
    return _confirm_seat(booking_id, template="seat_confirmed")


@shared_task
def send_session_reminders() -> int:
    """Beat, every few minutes: a reminder for each booked seat whose session starts within 24 h, and within
    1 h. A booking made later than 24 h before still gets the 1 h reminder only."""
    now = timezone.now()
    sent = 0
    for kind, (_, window) in services.REMINDERS.items():
        due = selectors.reminders_due(kind_window=window, now=now).filter(
            **{f"{services.REMINDERS[kind][0]}__isnull": True}
        )
        for booking in due.select_related("user", "session__course"):
            if not booking.user.wants(Notification.BOOKING):
                continue  # left unclaimed: turned back on in time, the reminder still goes
            if kind == "24h" and booking.session.starts_at - now <= services.REMINDERS["1h"][1]:
                continue  # too late for the day-before reminder: the hour-before one covers it
            if services.claim_reminder(booking_id=booking.pk, kind=kind, now=now):
                _email(user=booking.user, template=f"reminder_{kind}", context={"session": booking.session})
                sent += 1
    return sent


@shared_task
def refresh_attendance_progress(attendance_id: int) -> int | None:
    """Re-derives the learner's course progress when the course requires attendance."""
    attendance = Attendance.objects.select_related("session__course").filter(pk=attendance_id).first()
    if attendance is None or not attendance.session.course.required_attendance_percent:
        return None
    enrollment = Enrollment.objects.filter(user_id=attendance.user_id, course=attendance.session.course).first()
    if enrollment is None:
        return None
    return learning_services.refresh_progress(enrollment=enrollment).progress_percent
