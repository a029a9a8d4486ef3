"""The read side of certificates: what a learner sees of theirs, and what verification answers anyone."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import User
from learning.models import Enrollment, EnrollmentStatus

from .models import Certificate, CertificateStatus, normalise_serial


@dataclass(frozen=True)
class CertificatePanel:
    """The certificate part of a completed course's card: preparing, ready or revoked."""

    enrollment: Enrollment
    certificate: Certificate | None

    @property
    def state(self) -> str:
        if self.certificate is None:
            return CertificateStatus.PENDING
        return self.certificate.status

    @property
    def can_renew(self) -> bool:
        """The renew button: from the renewal window on, for the latest certificate, once (see start_renewal)."""
        certificate = self.certificate
        if certificate is None or certificate.revoked_at or certificate.renewal_started_at:
            return False
        if not certificate.pdf_sha256:
            return False
        opens_at = certificate.renewal_opens_at
        return opens_at is not None and timezone.now() >= opens_at and self.enrollment.gives_access


def _expects_certificate(enrollment: Enrollment) -> bool:
    return enrollment.status == EnrollmentStatus.COMPLETED and enrollment.course.issues_certificate


def certificate_panels(*, enrollments: Iterable[Enrollment]) -> list[CertificatePanel]:
    """One panel per completed enrollment that earns a certificate, and per course being taken again to renew
    one (its certificate still counts until it expires), in one query for all of them."""
    enrollments = list(enrollments)
    expecting = [enrollment for enrollment in enrollments if _expects_certificate(enrollment)]
    renewing = [enrollment for enrollment in enrollments if enrollment.round_started_at and enrollment.gives_access]
    latest: dict[int, Certificate] = {}
    for certificate in Certificate.objects.filter(enrollment__in=expecting + renewing).order_by("issue_number"):
        latest[certificate.enrollment_id] = certificate
    being_renewed = {pk for pk, certificate in latest.items() if certificate.renewal_started_at}
    shown = {enrollment.pk for enrollment in expecting} | {e.pk for e in renewing if e.pk in being_renewed}
    return [CertificatePanel(e, latest.get(e.pk)) for e in enrollments if e.pk in shown]


def certificate_panel(*, enrollment: Enrollment) -> CertificatePanel | None:
    panels = certificate_panels(enrollments=[enrollment])
    return panels[0] if panels else None


def owned_enrollment(*, user: User | AnonymousUser, enrollment_id: int) -> Enrollment | None:
    if not user.is_authenticated:
        return None
    return Enrollment.objects.select_related("course").filter(pk=enrollment_id, user=user).first()


def owned_certificate(*, user: User | AnonymousUser, certificate_id: int) -> Certificate | None:
    if not user.is_authenticated:
        return None
    return Certificate.objects.filter(pk=certificate_id, user=user).first()


def enrollments_missing_certificates(*, settled_before: datetime, limit: int = 500) -> list[int]:
    """Completed enrollments whose certificate never got issued or never got its PDF."""
    unfinished = Q(certificates__pdf_sha256="", certificates__revoked_at__isnull=True)
    # A renewal round completed: the latest certificate is the one being renewed.
    newer = Certificate.objects.filter(enrollment=OuterRef("enrollment"), issue_number__gt=OuterRef("issue_number"))
    renewed = Exists(
        Certificate.objects.filter(enrollment=OuterRef("pk"), renewal_started_at__isnull=False).exclude(Exists(newer))
    )
    return list(
        Enrollment.objects.filter(
            status=EnrollmentStatus.COMPLETED, course__issues_certificate=True, completed_at__lt=settled_before
        )
        .filter(Q(certificates__isnull=True) | unfinished | renewed)
        .values_list("pk", flat=True)
        .distinct()[:limit]
    )


@dataclass(frozen=True)
class Verification:
    """What the public verification page says about a serial. `certificate` is None unless it may be shown."""

    serial: str
    status: str  # valid | expired | revoked | unknown | invalid
    certificate: Certificate | None = None

    def as_json(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"serial": self.serial, "status": self.status}
        if self.certificate is not None:
            certificate = self.certificate
            answer.update(
                learner_name=certificate.learner_name,
                course=certificate.course_title,
                completed_on=certificate.completed_on.isoformat(),
                issued_on=certificate.issued_at.date().isoformat(),
                issuer=certificate.issuer_name,
                verification_url=certificate.verification_url,
            )
            if (expires_on := certificate.expires_on) is not None:
                answer.update(valid_until=expires_on.isoformat())
            if certificate.revoked_at:
                answer.update(
                    revoked_on=certificate.revoked_at.date().isoformat(), revocation_reason=certificate.revoked_reason
                )
        return answer


def verification(*, serial: str) -> Verification:
    serial = normalise_serial(serial)
    certificate = Certificate.objects.filter(serial=serial).first()
    if certificate is None or not certificate.pdf_sha256:
        return Verification(serial, "unknown")
    if not certificate.signature_is_valid:
        # The row no longer matches what was signed: someone changed it outside the application.
        return Verification(serial, "invalid")
    if certificate.revoked_at:
        return Verification(serial, "revoked", certificate)
    if certificate.is_expired:
        # Not revoked: it was valid until then; whoever checks it sees it is no longer current.
        return Verification(serial, "expired", certificate)
    return Verification(serial, "valid", certificate)


def certificate_with_pdf_hash(*, sha256: str) -> Certificate | None:
    return Certificate.objects.filter(pdf_sha256=sha256).first()
