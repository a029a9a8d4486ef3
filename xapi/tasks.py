"""Celery task of xAPI. The same task sends after a commit and, from beat every minute, retries what is due and
what a lost task left behind."""

from celery import shared_task

from . import services


@shared_task
def send_statements() -> int:
    """Sends the due statements in batches; returns how many were offered to the LRS."""
    return services.send_due()
