import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Unambiguous when read off a projector: no 0/O, 1/I/L.
CHECK_IN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CHECK_IN_CODE_LENGTH = 6


def new_check_in_code() -> str:
    return "".join(secrets.choice(CHECK_IN_ALPHABET) for _ in range(CHECK_IN_CODE_LENGTH))


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class LiveSession(models.Model):
    """One live class, online or in a room. A weekly series is several sessions sharing a series id."""

    course = models.ForeignKey("courses.CoursePage", on_delete=models.PROTECT, related_name="live_sessions")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    time_zone = models.CharField(
        max_length=64, default="UTC", help_text=_("Where the session is planned; a weekly series keeps its local time.")
    )
    online_url = models.URLField(blank=True, help_text=_("Shown to booked learners only, shortly before the start."))
    location = models.CharField(max_length=255, blank=True)
    capacity = models.PositiveIntegerField(default=20)
    booking_deadline = models.DateTimeField(null=True, blank=True, help_text=_("Empty: bookings close at the start."))
    series = models.UUIDField(null=True, blank=True, db_index=True)
    check_in_code = models.CharField(max_length=CHECK_IN_CODE_LENGTH, default=new_check_in_code)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_at_least_1"),
        ]
        indexes = [models.Index(fields=["course", "starts_at"]), models.Index(fields=["starts_at"])]

    def __str__(self):
        return f"{self.title} ({self.starts_at:%Y-%m-%d %H:%M} UTC)"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def bookings_close_at(self):
        return self.booking_deadline or self.starts_at


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    WAITLISTED = "waitlisted", _("On the waitlist")
    CANCELLED = "cancelled", _("Cancelled")


class Booking(models.Model):
    """A learner's seat (or place on the waitlist). One row per learner and session, reused on rebooking."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="bookings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_bookings")
    status = models.CharField(max_length=12, choices=BookingStatus.choices)
    # Waitlist order: the earliest request gets the next free seat.
    requested_at = models.DateTimeField()
    booked_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminded_24h_at = models.DateTimeField(null=True, blank=True)
    reminded_1h_at = models.DateTimeField(null=True, blank=True)
    # When the cancellation e-mail went out: a task that runs again (a retry, a duplicate) finds it claimed.
    # (Seat e-mails are claimed in accounts' SentNotification, which also knows the learner's preferences.)
    cancellation_notice_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="one_booking_per_user_and_session")]
        indexes = [models.Index(fields=["session", "status", "requested_at"]), models.Index(fields=["user", "status"])]

    def __str__(self):
        return f"{self.user_id} {self.status} for {self.session_id}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


class Attendance(models.Model):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attendances")
    status = models.CharField(max_length=10, choices=AttendanceStatus.choices)
    checked_in_at = models.DateTimeField(null=True, blank=True, help_text=_("When the learner checked in themselves."))
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="one_attendance_per_user_and_session")]

    def __str__(self):
        return f"{self.user_id} {self.status} at {self.session_id}"

    @property
    def attended(self) -> bool:
        return self.status in ATTENDED


class AttendanceChange(models.Model):
    """Who set an attendance to what, and when: corrections after the fact stay traceable."""

    attendance = models.ForeignKey(Attendance, on_delete=models.CASCADE, related_name="changes")
    previous_status = models.CharField(max_length=10, choices=AttendanceStatus.choices, blank=True)
    status = models.CharField(max_length=10, choices=AttendanceStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField()
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.previous_status or '—'} → {self.status}"


class CalendarFeed(models.Model):
    """The secret behind a user's iCal feed URL; resetting it makes the old URL stop working."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Calendar feed of {self.user_id}"
