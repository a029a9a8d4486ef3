"""Other apps' events, turned into webhook deliveries in the sender's transaction (sent once it commits).
The payload is built only when some endpoint receives the event.

The payloads name people and courses by id and e-mail, never answers, keys or payment secrets."""

from django.dispatch import receiver

from assessments.signals import attempt_graded
from billing.signals import order_paid, order_refunded
from certificates.signals import certificate_issued, certificate_revoked
from learning.signals import enrollment_completed, enrollment_opened
from scheduling.signals import attendance_changed

from .models import EventType
from .services import record_event


def _when(moment):
    return moment.isoformat() if moment else None


def _user(user_id: int, email: str) -> dict:
    return {"id": user_id, "email": email}


def _course(course) -> dict | None:
    return {"id": course.pk, "title": course.title, "slug": course.slug} if course is not None else None


def _enrollment(enrollment) -> dict:
    return {
        "enrollment": {
            "id": enrollment.pk,
            "status": enrollment.status,
            "progress_percent": enrollment.progress_percent,
            "enrolled_at": _when(enrollment.enrolled_at),
            "completed_at": _when(enrollment.completed_at),
        },
        "user": _user(enrollment.user_id, enrollment.user.email),
        "course": _course(enrollment.course),
    }


def _certificate(certificate) -> dict:
    return {
        "certificate": {
            "id": certificate.pk,
            "serial": certificate.serial,
            "enrollment_id": certificate.enrollment_id,
            "issued_at": _when(certificate.issued_at),
            "expires_at": _when(certificate.expires_at),
            "verification_url": certificate.verification_url,
            "revoked_at": _when(certificate.revoked_at),
            "revoked_reason": certificate.revoked_reason,
        },
        "user": _user(certificate.user_id, certificate.user.email),
        "course": _course(certificate.course),
    }


def _order(order) -> dict:
    return {
        "order": {
            "id": order.pk,
            "kind": order.kind,
            "status": order.status,
            "amount": str(order.amount),
            "amount_paid": str(order.amount_paid) if order.amount_paid is not None else None,
            "amount_refunded": str(order.amount_refunded),
            "currency": order.currency,
            "created_at": _when(order.created_at),
        },
        "user": _user(order.user_id, order.user.email),
        "course": _course(order.course),
    }


@receiver(enrollment_opened, dispatch_uid="webhooks_enrollment_opened")
def enrollment_opened_webhook(sender, enrollment, reopened=False, **kwargs):
    record_event(
        event_type=EventType.ENROLLMENT_CREATED,
        object_key=f"enrollment:{enrollment.pk}",
        data=lambda: {**_enrollment(enrollment), "reopened": reopened},
    )


@receiver(enrollment_completed, dispatch_uid="webhooks_enrollment_completed")
def enrollment_completed_webhook(sender, enrollment, **kwargs):
    record_event(
        event_type=EventType.ENROLLMENT_COMPLETED,
        object_key=f"enrollment:{enrollment.pk}",
        data=lambda: _enrollment(enrollment),
    )


@receiver(certificate_issued, dispatch_uid="webhooks_certificate_issued")
def certificate_issued_webhook(sender, certificate, **kwargs):
    record_event(
        event_type=EventType.CERTIFICATE_ISSUED,
        object_key=f"certificate:{certificate.pk}",
        data=lambda: _certificate(certificate),
    )


@receiver(certificate_revoked, dispatch_uid="webhooks_certificate_revoked")
def certificate_revoked_webhook(sender, certificate, **kwargs):
    record_event(
        event_type=EventType.CERTIFICATE_REVOKED,
        object_key=f"certificate:{certificate.pk}",
        data=lambda: _certificate(certificate),
    )


@receiver(order_paid, dispatch_uid="webhooks_order_paid")
def order_paid_webhook(sender, order, **kwargs):
    record_event(event_type=EventType.ORDER_PAID, object_key=f"order:{order.pk}", data=lambda: _order(order))


@receiver(order_refunded, dispatch_uid="webhooks_order_refunded")
def order_refunded_webhook(sender, order, **kwargs):
    record_event(event_type=EventType.ORDER_REFUNDED, object_key=f"order:{order.pk}", data=lambda: _order(order))


@receiver(attempt_graded, dispatch_uid="webhooks_attempt_graded")
def attempt_graded_webhook(sender, attempt, **kwargs):
    record_event(
        event_type=EventType.ATTEMPT_GRADED, object_key=f"attempt:{attempt.pk}", data=lambda: _attempt(attempt)
    )


def _attempt(attempt) -> dict:
    return {
        "attempt": {
            "id": attempt.pk,
            "assessment_id": attempt.assessment_id,
            "number": attempt.number,
            "status": attempt.status,
            "score": str(attempt.score) if attempt.score is not None else None,
            "max_score": str(attempt.max_score),
            "percent": str(attempt.percent) if attempt.percent is not None else None,
            "passed": attempt.passed,
            "submitted_at": _when(attempt.submitted_at),
        },
        "user": _user(attempt.user_id, attempt.user.email),
    }


@receiver(attendance_changed, dispatch_uid="webhooks_attendance_marked")
def attendance_changed_webhook(sender, attendance, **kwargs):
    record_event(
        event_type=EventType.ATTENDANCE_MARKED,
        object_key=f"attendance:{attendance.pk}",
        data=lambda: _attendance(attendance),
    )


def _attendance(attendance) -> dict:
    session = attendance.session
    return {
        "attendance": {
            "id": attendance.pk,
            "status": attendance.status,
            "checked_in_at": _when(attendance.checked_in_at),
            "updated_at": _when(attendance.updated_at),
        },
        "session": {
            "id": session.pk,
            "title": session.title,
            "starts_at": _when(session.starts_at),
            "course_id": session.course_id,
        },
        "user": _user(attendance.user_id, attendance.user.email),
    }
