"""A completed enrollment earns its certificate, built by a task once the completion has committed."""

from django.dispatch import receiver

from learning.signals import enrollment_completed

from .tasks import issue_certificate


@receiver(enrollment_completed, dispatch_uid="certificates_issue_on_completion")
def enrollment_completed_issue_certificate(sender, enrollment, **kwargs):
    issue_certificate.delay_on_commit(enrollment.pk)
