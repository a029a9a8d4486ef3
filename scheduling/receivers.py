"""An attendance that changed may complete a course that requires attendance."""

from django.dispatch import receiver

from .signals import attendance_changed
from .tasks import refresh_attendance_progress


@receiver(attendance_changed, dispatch_uid="scheduling_attendance_progress")
def attendance_changed_refresh_progress(sender, attendance, **kwargs):
    refresh_attendance_progress.delay_on_commit(attendance.pk)
