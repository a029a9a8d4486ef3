from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from learning.models import Enrollment

from . import selectors, services
from .models import Certificate

# Retried with backoff: a storage hiccup should not cost a learner their certificate.
RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def issue_certificate(enrollment_id: int) -> str | None:
    """Idempotent: a duplicate event or a retry after a worker died finds the row and finishes it."""
    enrollment = Enrollment.objects.filter(pk=enrollment_id).first()
    if enrollment is None:
        return None
    certificate = services.issue_certificate(enrollment=enrollment)
    return certificate.serial if certificate else None


@shared_task(**RETRY)
def build_certificate_pdf(certificate_id: int) -> str | None:
    certificate = Certificate.objects.filter(pk=certificate_id).first()
    if certificate is None:
        return None
    return services.attach_pdf(certificate=certificate).serial


@shared_task
def issue_missing_certificates() -> int:
    """Beat's safety net for issuing tasks that never ran; recent completions are left to their own task."""
    enrollment_ids = selectors.enrollments_missing_certificates(settled_before=timezone.now() - timedelta(minutes=5))
    for enrollment_id in enrollment_ids:
        issue_certificate.delay(enrollment_id)
    return len(enrollment_ids)
