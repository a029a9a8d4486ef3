from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

from . import services
from .models import AssessmentPage, GradeChange

# Long enough for a trainer to see the result of a regrade, short enough that stale progress goes away.
REGRADE_PROGRESS_SECONDS = 60 * 60


def regrade_progress_key(assessment_id: int) -> str:
    return f"assessments:regrade-progress:{assessment_id}"


def regrade_progress(assessment_id: int) -> dict | None:
    """What the last regrade of this assessment reported: {"done", "total", "changed", "finished"}, or None."""
    return cache.get(regrade_progress_key(assessment_id))


def set_regrade_progress(
    assessment_id: int, *, done: int, total: int, changed: int, finished: bool, failed: bool = False
) -> None:
    progress = {"done": done, "total": total, "changed": changed, "finished": finished}
    if failed:
        progress["failed"] = True
    cache.set(regrade_progress_key(assessment_id), progress, REGRADE_PROGRESS_SECONDS)


@shared_task
def submit_expired_attempts() -> int:
    """Closes attempts whose time limit passed while the learner was away (their answers so far count)."""
    return services.submit_expired_attempts()


@shared_task
def regrade_assessment_task(assessment_id: int, user_id: int | None) -> int:
    """Regrades every submitted attempt of an assessment with its current keys, reporting progress in the cache.

    Running it twice changes nothing the second time: an attempt already graded with the current keys keeps
    its score and gets no new audit row.
    """
    assessment = AssessmentPage.objects.get(pk=assessment_id)
    by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    started = timezone.now()

    def progress(done: int, total: int) -> None:
        changed = GradeChange.objects.filter(
            attempt__assessment_id=assessment_id, kind=GradeChange.Kind.REGRADE, changed_at__gte=started
        ).count()
        set_regrade_progress(assessment_id, done=done, total=total, changed=changed, finished=False)

    try:
        changed = services.regrade_assessment(assessment=assessment, by=by, progress=progress)
    except Exception:
        current = regrade_progress(assessment_id) or {"done": 0, "total": 0, "changed": 0}
        set_regrade_progress(
            assessment_id,
            done=current["done"],
            total=current["total"],
            changed=current["changed"],
            finished=True,
            failed=True,
        )
        raise
    current = regrade_progress(assessment_id) or {}
    total = current.get("total", 0)
    set_regrade_progress(assessment_id, done=total, total=total, changed=changed, finished=True)
    return changed
