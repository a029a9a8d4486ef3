from celery import shared_task

from . import services


@shared_task
def submit_expired_attempts() -> int:
    """Closes attempts whose time limit passed while the learner was away (their answers so far count)."""
    return services.submit_expired_attempts()
