"""Organisations' background tasks."""

from celery import shared_task

# --- Recertification (organisations/recertification.py) -------------------------------------------------------


@shared_task
def recertify_members() -> int:
    """Daily: members whose certificate for an assigned course expires within 30 days are warned and assigned the
    course again, once per certificate. Returns how many certificates this run handled."""
    from . import recertification

    return sum(outcome.claimed for outcome in recertification.recertify_due())


# --- end of recertification -----------------------------------------------------------------------------------
