"""Celery tasks of LTI. Posting a score twice is harmless: the platform keeps the latest by timestamp."""

from celery import shared_task
from pylti1p3.exception import LtiServiceException

from . import services


@shared_task(autoretry_for=(LtiServiceException, OSError), retry_backoff=30, retry_backoff_max=30 * 60, max_retries=8)
def post_lti_score(kind: str, object_id: int) -> int:
    """Sends the course progress ("enrollment") or the best assessment score ("attempt") to the platforms."""
    if kind == "enrollment":
        return services.post_course_progress(enrollment_id=object_id)
    if kind == "attempt":
        return services.post_assessment_score(attempt_id=object_id)
    return 0
