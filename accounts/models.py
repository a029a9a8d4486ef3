import zoneinfo
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LEARNER = "learner", _("Learner")
    TRAINER = "trainer", _("Trainer")
    ADMIN = "admin", _("Admin")


class Notification(models.TextChoices):
    """The e-mails a person gets about their own learning. Each is sent once per event (SentNotification)."""

    ENROLMENT = "enrolment", _("Enrolment confirmations")
    CERTIFICATE = "certificate", _("Certificates issued")
    GRADE = "grade", _("Grades released or changed")
    BOOKING = "booking", _("Live-session bookings and reminders")
    RECEIPT = "receipt", _("Purchase receipts")


# Receipts are records people and their accountants need, so they cannot be turned off (nor can account mail:
# password resets and the like do not go through notifications at all).
OPTIONAL_NOTIFICATIONS = (Notification.ENROLMENT, Notification.CERTIFICATE, Notification.GRADE, Notification.BOOKING)


def time_zone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class LmsUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)

    def trainers(self):
        return self.filter(role=Role.TRAINER, is_active=True, is_banned=False)


# CoursePage.trainer points here, but CoursePage is a Wagtail page, which mypy cannot see into (no type hints).
class User(AbstractUser):  # type: ignore[django-manager-missing]
    email = models.EmailField(_("email address"), unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.LEARNER)
    is_banned = models.BooleanField(
        _("banned"),
        default=False,
        help_text=_("A banned user cannot sign in and is signed out on their next request."),
    )

    time_zone = models.CharField(
        max_length=64,
        choices=time_zone_choices,
        default="UTC",
        help_text=_("Days, such as those of a learning streak, begin at midnight here."),
    )

    # What reaches this person away from a page (e-mails, certificates, receipts) is written in it, and they land
    # in it when they sign in. Pages themselves follow the URL (lms_site/i18n.py).
    preferred_language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("E-mails and certificates are written in this language."),
    )

    # The optional notifications this person turned off. Stored as what is *off*, so a kind of e-mail added
    # later reaches everyone until they decide otherwise.
    muted_notifications = models.JSONField(default=list, blank=True)

    # Usernames and e-mail addresses are unique whatever their case, or `Learner2` could sign up beside
    # `learner2` and take over sign-ins typed in the wrong case. The database guarantees it, not only the
    # forms: a functional UniqueConstraint(Lower("username")) would be the obvious tool, but Django skips
    # expression indexes on MariaDB (it supports them on MySQL 8.0.13+ only), silently leaving production
    # unprotected. A stored generated column holding the lower-cased value, with a plain unique constraint,
    # is enforced by SQLite and MariaDB alike. (SQLite's LOWER() folds ASCII letters only; MariaDB's
    # utf8mb4_unicode_ci collation additionally treats accents and case alike everywhere.)
    # E-mail is required, so no blank addresses need to share the constraint.
    username_lower = models.GeneratedField(
        expression=Lower("username"), output_field=models.CharField(max_length=150), db_persist=True
    )
    email_lower = models.GeneratedField(
        expression=Lower("email"), output_field=models.CharField(max_length=254), db_persist=True
    )

    objects: ClassVar[LmsUserManager] = LmsUserManager()

    class Meta:
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(
                fields=["username_lower"],
                name="accounts_user_username_ci_unique",
                violation_error_message=_("A user with that username already exists (usernames ignore case)."),
            ),
            models.UniqueConstraint(
                fields=["email_lower"],
                name="accounts_user_email_ci_unique",
                violation_error_message=_("An account with this e-mail address already exists."),
            ),
        ]

    def save(self, *args, **kwargs):
        # The role is the single source of the admin flags, so the two can never disagree.
        self.is_superuser = self.role == Role.ADMIN
        self.is_staff = self.role in (Role.TRAINER, Role.ADMIN)
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    def wants(self, kind: str) -> bool:
        return kind not in OPTIONAL_NOTIFICATIONS or kind not in (self.muted_notifications or [])

    @property
    def is_trainer(self) -> bool:
        return self.role == Role.TRAINER

    @property
    def is_lms_admin(self) -> bool:
        return self.role == Role.ADMIN


class SentNotification(models.Model):
    """One row per e-mail sent about an event, so retries, double clicks and racing workers send it once.
    The key names the event (e.g. "certificate:42"); written in the transaction that queues the e-mail."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sent_notifications")
    kind = models.CharField(max_length=16, choices=Notification.choices)
    key = models.CharField(max_length=150)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind", "key"], name="accounts_notification_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} to {self.user_id}"


class ExternalIdentity(models.Model):
    """A person at an OpenID Connect provider (issuer + subject) tied to one account after a single sign-on.

    The subject never changes at the provider while an e-mail address may, so the account is found by this link
    first and by the verified address only the first time (accounts.services.user_from_provider).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="external_identities")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="accounts_external_identity_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"
