"""Celery tasks of LTI. Posting a score twice is harmless: the platform keeps the latest by timestamp."""

from celery import shared_task

from . import services


# About five hours of tries, further and further apart (each wait under the broker's visibility timeout); a score
# that never arrives is logged by Celery as failed, and the next progress or grade posts the current one.
@shared_task(autoretry_for=(services.ScorePostFailed,), retry_backoff=60, retry_backoff_max=3600, max_retries=10)
def post_lti_score(kind: str, object_id: int) -> int:
    """Sends the course progress ("enrollment") or the best assessment score ("attempt") to the platforms."""
    if kind == "enrollment":
        return services.post_course_progress(enrollment_id=object_id)
    if kind == "attempt":
        return services.post_assessment_score(attempt_id=object_id)
    return 0
