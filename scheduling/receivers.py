"""An attendance that changed may complete a course that requires attendance; a session shows on its course page."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from lms_site import page_cache

from .models import LiveSession
from .signals import attendance_changed
from .tasks import refresh_attendance_progress


@receiver(attendance_changed, dispatch_uid="scheduling_attendance_progress")
def attendance_changed_refresh_progress(sender, attendance, **kwargs):
    refresh_attendance_progress.delay_on_commit(attendance.pk)


@receiver(post_save, sender=LiveSession, dispatch_uid="scheduling_session_saved_page_cache")
@receiver(post_delete, sender=LiveSession, dispatch_uid="scheduling_session_deleted_page_cache")
def session_changed(sender, raw=False, **kwargs):
    # Visitors' course pages say whether upcoming sessions exist (a new, moved or cancelled one changes that).
    if not raw:
        page_cache.invalidate()
