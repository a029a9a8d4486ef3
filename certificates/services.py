"""The write side of certificates: issuing, building the PDF, revoking, reissuing and signed downloads."""

import calendar
import hashlib
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext

from accounts import services as account_services
from accounts.models import Notification, User
from learning import services as learning_services
from learning.models import Enrollment, EnrollmentStatus
from lms_site.i18n import language_of

from .models import Certificate, new_serial
from .signals import certificate_issued, certificate_revoked

if TYPE_CHECKING:
    from .pdf import CertificateContent

logger = logging.getLogger(__name__)
DOWNLOAD_SALT = "certificates.download"


class CertificateError(Exception):
    """A certificate rule was broken; the message is for the person, status_code for the response."""

    status_code = 400


class NotAllowed(CertificateError):
    status_code = 403


class LinkExpired(CertificateError):
    status_code = 403


class NotFound(CertificateError):
    status_code = 404


class NotReady(CertificateError):
    status_code = 409


class AlreadyRevoked(CertificateError):
    status_code = 409


class NotEligible(CertificateError):
    status_code = 409


def issue_certificate(*, enrollment: Enrollment) -> Certificate | None:
    """Issues the certificate of a completed enrollment, or finishes one a dead worker left half-built.

    Safe to call any number of times, also concurrently: the (enrollment, issue_number) constraint
    admits one row, and the PDF is attached under that row's lock.
    """
    enrollment = Enrollment.objects.select_related("user", "course__trainer", "course__certificate_logo").get(
        pk=enrollment.pk
    )
    current = enrollment.certificates.order_by("-issue_number").first()
    # The latest certificate is being renewed: completing the new round earns the next one.
    renewed = current is not None and current.renewal_started_at is not None
    if current is None or renewed:
        if enrollment.status != EnrollmentStatus.COMPLETED or not enrollment.course.issues_certificate:
            return current
        number = current.issue_number + 1 if current is not None else 1
        try:
            with transaction.atomic():
                current = Certificate.objects.create(**_printed_fields(enrollment), issue_number=number)
        except IntegrityError:
            current = enrollment.certificates.get(issue_number=number)
    return attach_pdf(certificate=current)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later; the 31st falls back to the month's last day (not into the next)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def start_renewal(*, certificate: Certificate, user: User) -> Certificate:
    """The holder renews an expiring (or expired) certificate: its course opens for a new round
    (learning.services.start_new_round), and completing that round issues the next certificate with a new expiry.

    Open from RENEWAL_WINDOW_DAYS before the expiry, only for the latest, unrevoked certificate of an enrollment
    that still gives access (no new payment; a refunded course cannot be renewed). The old certificate is kept
    and stays verifiable until it expires, then as expired. Idempotent: a second call changes nothing.
    """
    now = timezone.now()
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().select_related("enrollment").get(pk=certificate.pk)
        if certificate.user_id != user.pk:
            raise NotFound(gettext("This certificate does not exist."))
        if certificate.renewal_started_at is not None:
            return certificate
        if certificate.revoked_at:
            raise NotEligible(gettext("This certificate has been revoked and cannot be renewed."))
        if certificate.expires_at is None:
            raise NotEligible(gettext("This certificate never expires: there is nothing to renew."))
        latest = certificate.enrollment.certificates.aggregate(number=Max("issue_number"))["number"]
        if latest != certificate.issue_number:
            raise NotEligible(gettext("This certificate was already replaced by a newer one."))
        opens_at = certificate.renewal_opens_at
        if opens_at is not None and now < opens_at:
            raise NotEligible(
                gettext("You can renew this certificate from %(date)s.")
                % {"date": formats.date_format(timezone.localdate(opens_at), "j F Y")}
            )
        try:
            learning_services.start_new_round(enrollment=certificate.enrollment, since=now)
        except learning_services.LearningError as error:
            raise NotAllowed(str(error)) from None
        certificate.renewal_started_at = now
        certificate.save(update_fields=["renewal_started_at"])
    return certificate


def claim_expiry_warning(*, certificate: Certificate) -> bool:
    """True once per certificate: the caller is the one that warns its holder of the coming expiry. A conditional
    UPDATE, so a retried task or two concurrent runs get True once; in the caller's transaction, so a rollback
    gives the claim back."""
    return bool(
        Certificate.objects.filter(pk=certificate.pk, expiry_warned_at__isnull=True).update(
            expiry_warned_at=timezone.now()
        )
    )


def _announce(certificate: Certificate) -> None:
    """Tells the learner once the PDF is there to download; a retried task finds the e-mail already claimed."""
    if not certificate.revoked_at:
        account_services.notify(
            user=certificate.user,
            kind=Notification.CERTIFICATE,
            key=f"certificate:{certificate.pk}",
            template="certificates/emails/issued",
            context={"certificate": certificate},
        )


def attach_pdf(*, certificate: Certificate) -> Certificate:
    """Builds, stores, hashes and signs the PDF of a certificate that has none yet."""
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().select_related("user").get(pk=certificate.pk)
        if certificate.pdf_sha256:
            _announce(certificate)
            return certificate
        pdf = _render(certificate)
        name = f"{certificate.serial}.pdf"
        storage = certificate.pdf_file.storage
        if storage.exists(name):  # left by a worker that died before committing; the bytes are the same
            storage.delete(name)
        certificate.pdf_file.save(name, ContentFile(pdf), save=False)
        certificate.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        certificate.signature = certificate.expected_signature()
        certificate.save(update_fields=["pdf_file", "pdf_sha256", "signature"])
        _announce(certificate)
        if not certificate.revoked_at:
            certificate_issued.send(sender=Certificate, certificate=certificate)
    return certificate


def revoke_certificate(*, certificate: Certificate, reason: str, by: User | None = None) -> Certificate:
    reason = reason.strip()
    if not reason:
        raise CertificateError(gettext("Give a reason: it is shown to anyone who verifies the certificate."))
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.revoked_at:
            raise AlreadyRevoked(
                gettext("Certificate %(serial)s was already revoked.") % {"serial": certificate.serial}
            )
        certificate.revoked_at = timezone.now()
        certificate.revoked_reason = reason[:500]
        certificate.revoked_by = by
        certificate.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
        certificate_revoked.send(sender=Certificate, certificate=certificate)
    return certificate


def reissue_certificate(*, certificate: Certificate, reason: str, by: User | None = None) -> Certificate:
    """Replaces a certificate with a new one (new serial, today's names) and revokes the old one.

    Used when a learner's name was wrong or a certificate was revoked by mistake. The new PDF is
    built by a task once this commits.
    """
    # Imported here because certificates.tasks imports this module.
    from .tasks import build_certificate_pdf

    reason = reason.strip()
    if not reason:
        raise CertificateError(gettext("Give a reason for reissuing: it is recorded on the certificate it replaces."))
    with transaction.atomic():
        enrollment = Enrollment.objects.select_for_update().get(pk=certificate.enrollment_id)
        if enrollment.status != EnrollmentStatus.COMPLETED:
            raise NotEligible(gettext("Only a completed enrollment can have a certificate reissued."))
        latest = enrollment.certificates.aggregate(number=Max("issue_number"))["number"]
        if latest != certificate.issue_number:
            raise NotEligible(
                gettext("Certificate %(serial)s was already replaced by a newer one.") % {"serial": certificate.serial}
            )
        enrollment = Enrollment.objects.select_related("user", "course__trainer", "course__certificate_logo").get(
            pk=enrollment.pk
        )
        # A replacement corrects the certificate; it does not extend how long it is valid.
        fields = {**_printed_fields(enrollment), "expires_at": certificate.expires_at}
        replacement = Certificate.objects.create(**fields, issue_number=latest + 1)
        if not certificate.revoked_at:
            Certificate.objects.filter(pk=certificate.pk).update(
                revoked_at=timezone.now(),
                revoked_reason=f"Reissued as {replacement.serial}: {reason}"[:500],
                revoked_by=by,
            )
            certificate_revoked.send(sender=Certificate, certificate=Certificate.objects.get(pk=certificate.pk))
        build_certificate_pdf.delay_on_commit(replacement.pk)
    return replacement


def revoke_enrollment_certificates(*, enrollment: Enrollment, reason: str) -> int:
    """Revokes every valid certificate of an enrollment (e.g. its payment was refunded)."""
    with transaction.atomic():
        ids = list(
            enrollment.certificates.select_for_update().filter(revoked_at__isnull=True).values_list("pk", flat=True)
        )
        revoked = Certificate.objects.filter(pk__in=ids).update(revoked_at=timezone.now(), revoked_reason=reason[:500])
        for certificate in Certificate.objects.filter(pk__in=ids).order_by("pk"):
            certificate_revoked.send(sender=Certificate, certificate=certificate)
    return revoked


def download_token(*, certificate: Certificate, user: User) -> str:
    """A link token bound to one certificate and one person; it expires (CERTIFICATE_DOWNLOAD_LINK_MAX_AGE)."""
    return signing.dumps([certificate.pk, user.pk], salt=DOWNLOAD_SALT, compress=True)


def certificate_for_download(*, token: str, user: User | AnonymousUser) -> Certificate:
    """The certificate a download link names, if the link is intact, fresh and `user` may have the file."""
    try:
        certificate_id, user_id = signing.loads(
            token, salt=DOWNLOAD_SALT, max_age=settings.CERTIFICATE_DOWNLOAD_LINK_MAX_AGE
        )
    except signing.SignatureExpired:
        raise LinkExpired(gettext("This download link has expired. Open your dashboard for a fresh one.")) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise NotAllowed(gettext("This download link is not valid.")) from None
    if user_id != user.pk:
        raise NotAllowed(gettext("This download link was made for someone else."))
    certificate = Certificate.objects.filter(pk=certificate_id).select_related("user").first()
    if certificate is None:
        raise NotFound(gettext("This certificate does not exist."))
    is_admin = getattr(user, "is_lms_admin", False)
    if certificate.user_id != user.pk and not is_admin:
        raise NotAllowed(gettext("This certificate belongs to someone else."))
    if certificate.revoked_at and not is_admin:
        raise NotAllowed(gettext("This certificate has been revoked."))
    if not certificate.pdf_sha256:
        raise NotReady(gettext("This certificate is still being prepared. Try again in a moment."))
    return certificate


def certificate_pdf(*, certificate: Certificate) -> bytes:
    """The issued PDF; when its file was lost, rebuilt from the stored fields and checked against the hash."""
    with certificate.pdf_file.storage.open(certificate_file(certificate=certificate), "rb") as stored:
        content: bytes = stored.read()
    return content


def certificate_file(*, certificate: Certificate) -> str:
    """The issued PDF's name in the certificates storage; a lost file is rebuilt first, and kept only if it
    hashes as issued."""
    storage = certificate.pdf_file.storage
    stored: str = certificate.pdf_file.name
    if stored and storage.exists(stored):
        return stored
    pdf = _render(certificate)
    if hashlib.sha256(pdf).hexdigest() != certificate.pdf_sha256:
        logger.error("Certificate %s could not be rebuilt to its issued hash", certificate.serial)
        raise CertificateError(gettext("This certificate's file is unavailable. Please contact support."))
    name: str = storage.save(f"{certificate.serial}.pdf", ContentFile(pdf))
    Certificate.objects.filter(pk=certificate.pk).update(pdf_file=name)
    certificate.pdf_file.name = name
    return name


def _printed_fields(enrollment: Enrollment) -> dict[str, Any]:
    course = enrollment.course
    serial = new_serial()
    issued_at = timezone.now().replace(microsecond=0)
    return {
        "serial": serial,
        "enrollment": enrollment,
        "user": enrollment.user,
        "course": course,
        "learner_name": enrollment.user.display_name,
        "course_title": course.title,
        "trainer_name": course.trainer.display_name if course.trainer else "",
        "issuer_name": settings.WAGTAIL_SITE_NAME,
        "completed_on": timezone.localdate(enrollment.completed_at or timezone.now()),
        "issued_at": issued_at,
        "expires_at": add_months(issued_at, months) if (months := course.certificate_valid_months) else None,
        "verification_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("certificates:verify", args=[serial]),
        "language": language_of(enrollment.user),
        "logo_path": course.certificate_logo.file.name if course.certificate_logo else "",
    }


def _render(certificate: Certificate) -> bytes:
    # ReportLab is imported by the process that draws a certificate (the documents worker, or a web worker
    # rebuilding a lost file), not by every web worker at start-up.
    from .pdf import render_certificate

    return render_certificate(_content(certificate))


def _content(certificate: Certificate) -> "CertificateContent":
    from .pdf import CertificateContent

    logo = None
    if certificate.logo_path and default_storage.exists(certificate.logo_path):
        with default_storage.open(certificate.logo_path, "rb") as stored:
            logo = stored.read()
    return CertificateContent(
        serial=certificate.serial,
        learner_name=certificate.learner_name,
        course_title=certificate.course_title,
        trainer_name=certificate.trainer_name,
        issuer_name=certificate.issuer_name,
        completed_on=certificate.completed_on,
        issued_at=certificate.issued_at,
        verification_url=certificate.verification_url,
        logo=logo,
        expires_on=certificate.expires_on,
        language=certificate.language,
    )
