from celery import shared_task
from django.db import DatabaseError

from . import services


# A font file that cannot be read or a lock that timed out should not cost a buyer their receipt; the service
# leaves nothing behind when it fails, so a retry starts afresh.
@shared_task(autoretry_for=(OSError, DatabaseError), retry_backoff=True, max_retries=5, acks_late=True)
def send_receipt(order_id: int) -> bool:
    """Idempotent: the receipt of an order is claimed once, so a retry or a second delivery sends nothing more."""
    return services.send_receipt(order_id=order_id)
