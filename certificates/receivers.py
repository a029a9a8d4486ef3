"""A completed enrollment earns its certificate, built by a task once the completion has committed; a refunded
or lost-dispute order revokes the course's certificates at once."""

from django.dispatch import receiver

from billing.signals import order_refunded
from learning.models import Enrollment
from learning.signals import enrollment_completed

from . import services
from .tasks import issue_certificate


@receiver(enrollment_completed, dispatch_uid="certificates_issue_on_completion")
def enrollment_completed_issue_certificate(sender, enrollment, **kwargs):
    issue_certificate.delay_on_commit(enrollment.pk)


@receiver(order_refunded, dispatch_uid="certificates_revoke_on_refund")
def order_refunded_revoke_certificates(sender, order, **kwargs):
    # Not a task: billing sends this inside the transaction that ends the learner's access, so the certificates
    # stop verifying in the same commit, and an error here rolls the refund's settlement back with them.
    enrollment = Enrollment.objects.filter(user_id=order.user_id, course_id=order.course_id).first()
    if enrollment is not None:
        reason = f"Payment {order.get_status_display().lower()}"
        services.revoke_enrollment_certificates(enrollment=enrollment, reason=reason)
