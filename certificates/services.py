"""The write side of certificates: issuing, building the PDF, revoking, reissuing and signed downloads."""

import hashlib
import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Notification, User
from learning.models import Enrollment, EnrollmentStatus

from .models import Certificate, new_serial

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
    if current is None:
        if enrollment.status != EnrollmentStatus.COMPLETED or not enrollment.course.issues_certificate:
            return None
        try:
            with transaction.atomic():
                current = Certificate.objects.create(**_printed_fields(enrollment), issue_number=1)
        except IntegrityError:
            current = enrollment.certificates.get(issue_number=1)
    return attach_pdf(certificate=current)


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
    return certificate


def revoke_certificate(*, certificate: Certificate, reason: str, by: User | None = None) -> Certificate:
    reason = reason.strip()
    if not reason:
        raise CertificateError("Give a reason: it is shown to anyone who verifies the certificate.")
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.revoked_at:
            raise AlreadyRevoked(f"Certificate {certificate.serial} was already revoked.")
        certificate.revoked_at = timezone.now()
        certificate.revoked_reason = reason[:500]
        certificate.revoked_by = by
        certificate.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
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
        raise CertificateError("Give a reason for reissuing: it is recorded on the certificate it replaces.")
    with transaction.atomic():
        enrollment = Enrollment.objects.select_for_update().get(pk=certificate.enrollment_id)
        if enrollment.status != EnrollmentStatus.COMPLETED:
            raise NotEligible("Only a completed enrollment can have a certificate reissued.")
        latest = enrollment.certificates.aggregate(number=Max("issue_number"))["number"]
        if latest != certificate.issue_number:
            raise NotEligible(f"Certificate {certificate.serial} was already replaced by a newer one.")
        enrollment = Enrollment.objects.select_related("user", "course__trainer", "course__certificate_logo").get(
            pk=enrollment.pk
        )
        replacement = Certificate.objects.create(**_printed_fields(enrollment), issue_number=latest + 1)
        if not certificate.revoked_at:
            Certificate.objects.filter(pk=certificate.pk).update(
                revoked_at=timezone.now(),
                revoked_reason=f"Reissued as {replacement.serial}: {reason}"[:500],
                revoked_by=by,
            )
        build_certificate_pdf.delay_on_commit(replacement.pk)
    return replacement


def revoke_enrollment_certificates(*, enrollment: Enrollment, reason: str) -> int:
    """Revokes every valid certificate of an enrollment (e.g. its payment was refunded)."""
    return enrollment.certificates.filter(revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason[:500]
    )


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
        raise LinkExpired("This download link has expired. Open your dashboard for a fresh one.") from None
    except (signing.BadSignature, ValueError, TypeError):
        raise NotAllowed("This download link is not valid.") from None
    if user_id != user.pk:
        raise NotAllowed("This download link was made for someone else.")
    certificate = Certificate.objects.filter(pk=certificate_id).select_related("user").first()
    if certificate is None:
        raise NotFound("This certificate does not exist.")
    is_admin = getattr(user, "is_lms_admin", False)
    if certificate.user_id != user.pk and not is_admin:
        raise NotAllowed("This certificate belongs to someone else.")
    if certificate.revoked_at and not is_admin:
        raise NotAllowed("This certificate has been revoked.")
    if not certificate.pdf_sha256:
        raise NotReady("This certificate is still being prepared. Try again in a moment.")
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
        raise CertificateError("This certificate's file is unavailable. Please contact support.")
    name: str = storage.save(f"{certificate.serial}.pdf", ContentFile(pdf))
    Certificate.objects.filter(pk=certificate.pk).update(pdf_file=name)
    certificate.pdf_file.name = name
    return name


def _printed_fields(enrollment: Enrollment) -> dict[str, Any]:
    course = enrollment.course
    serial = new_serial()
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
        "issued_at": timezone.now().replace(microsecond=0),
        "verification_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("certificates:verify", args=[serial]),
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
    )
