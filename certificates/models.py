import secrets
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from lms_site.storage import AliasedStorage

# Crockford's base32: no I, L, O or U, so a serial read aloud or typed from paper is hard to get wrong.
SERIAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SERIAL_GROUPS = 4  # 16 random characters = 80 bits: not guessable, not derived from any id


def new_serial() -> str:
    groups = ("".join(secrets.choice(SERIAL_ALPHABET) for _ in range(4)) for _ in range(SERIAL_GROUPS))
    return "LW-" + "-".join(groups)


def normalise_serial(text: str) -> str:
    """What a person typed or scanned, in the stored form (case and stray spaces forgiven)."""
    return "".join(text.split()).upper()


def signing_key() -> str:
    return settings.CERTIFICATE_SIGNING_KEY or settings.SECRET_KEY


_certificate_storage = AliasedStorage("certificates")


def certificate_storage():
    # A storage of its own: certificates are private files, never served from the public media URL.
    return _certificate_storage


class CertificateStatus(models.TextChoices):
    PENDING = "pending", _("Being issued")
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


# From this many days before its expiry a certificate "expires soon": the learner may renew it, and an
# organisation's member is warned and given the course again.
RENEWAL_WINDOW_DAYS = 30


class Certificate(models.Model):
    """A certificate of completion for one enrollment.

    The printed fields are copied here when it is issued, so later renames of the learner or course never
    change a certificate already handed out, and the PDF can be rebuilt byte for byte from this row.
    A reissue after revocation is a new row with the next `issue_number`.
    """

    serial = models.CharField(max_length=24, unique=True, default=new_serial, editable=False)
    enrollment = models.ForeignKey("learning.Enrollment", on_delete=models.CASCADE, related_name="certificates")
    issue_number = models.PositiveSmallIntegerField(default=1)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates")
    course = models.ForeignKey("courses.CoursePage", on_delete=models.PROTECT, related_name="certificates")

    learner_name = models.CharField(max_length=300)
    course_title = models.CharField(max_length=300)
    trainer_name = models.CharField(max_length=300, blank=True)
    issuer_name = models.CharField(max_length=100)
    completed_on = models.DateField()
    issued_at = models.DateTimeField()
    verification_url = models.CharField(max_length=300)
    # The language it is printed in: the learner's when it was issued, so a rebuilt PDF matches its hash.
    language = models.CharField(max_length=8, default="en")
    logo_path = models.CharField(
        max_length=300, blank=True, help_text=_("The course logo's file in the default storage, as printed.")
    )

    pdf_file = models.FileField(storage=certificate_storage, blank=True, max_length=200)
    pdf_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    signature = models.CharField(max_length=64, blank=True)

    # Copied from the course's "certificate valid for N months" when issued; empty: it never expires. An expired
    # certificate is not revoked: it was valid until then, and stays verifiable as expired.
    expires_at = models.DateTimeField(null=True, blank=True)
    # When the learner (or their organisation) started renewing it: the course opened for a new round. Set once.
    renewal_started_at = models.DateTimeField(null=True, blank=True)
    # When the holder was warned of the coming expiry: claimed with a conditional UPDATE, so a warning goes once.
    expiry_warned_at = models.DateTimeField(null=True, blank=True)

    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=500, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            # The issuing task may run twice for one completion; the second insert fails here.
            models.UniqueConstraint(fields=["enrollment", "issue_number"], name="one_certificate_per_issue"),
        ]
        indexes = [models.Index(fields=["course", "issued_at"]), models.Index(fields=["user", "-issued_at"])]

    def __str__(self):
        return f"{self.serial} · {self.learner_name} · {self.course_title}"

    @property
    def status(self) -> str:
        if self.revoked_at:
            return CertificateStatus.REVOKED
        if not self.pdf_sha256:
            return CertificateStatus.PENDING
        if self.is_expired:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def expires_soon(self) -> bool:
        """Within the renewal window before its expiry (and not yet expired)."""
        if self.expires_at is None or self.is_expired:
            return False
        return self.expires_at - timezone.now() <= timedelta(days=RENEWAL_WINDOW_DAYS)

    @property
    def expires_on(self) -> date | None:
        """The last day it is valid, as printed: in the site's time zone, whoever looks at it."""
        if self.expires_at is None:
            return None
        return timezone.localdate(self.expires_at, timezone.get_default_timezone())

    @property
    def renewal_opens_at(self) -> datetime | None:
        return self.expires_at - timedelta(days=RENEWAL_WINDOW_DAYS) if self.expires_at else None

    def get_status_display(self) -> str:
        return str(CertificateStatus(self.status).label)

    def expected_signature(self) -> str:
        """An HMAC over everything the certificate asserts, keyed with a secret only the server holds."""
        fields = [
            self.serial,
            self.learner_name,
            self.course_title,
            self.completed_on.isoformat(),
            self.issued_at.date().isoformat(),
            self.pdf_sha256,
        ]
        if self.expires_at is not None:
            # Only when set, so the certificates issued before expiry existed keep their signatures.
            fields.append(self.expires_at.astimezone(UTC).isoformat())
        message = "\x1f".join(fields)  # a separator no name contains, so fields cannot run into each other
        return salted_hmac(
            "certificates.Certificate.signature", message, secret=signing_key(), algorithm="sha256"
        ).hexdigest()

    @property
    def signature_is_valid(self) -> bool:
        return bool(self.signature) and constant_time_compare(self.signature, self.expected_signature())
