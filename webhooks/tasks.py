"""Celery tasks of webhooks. Sending twice is possible (a worker dying after the POST); receivers drop an event
id they already have."""

from celery import shared_task

from . import services


@shared_task
def deliver_webhook(delivery_id: int) -> str | None:
    """Sends one delivery if it is due and its object's earlier deliveries are through."""
    delivery = services.deliver(delivery_id=delivery_id)
    return delivery.status if delivery is not None else None


@shared_task
def send_due_webhooks() -> int:
    """Beat's sweep: queues every open delivery whose next attempt has come (retries after a failure, and any
    delivery whose first task was lost). Retries are not Celery countdowns, which Redis could deliver twice."""
    ids = services.due_delivery_ids()
    for delivery_id in ids:
        deliver_webhook.delay(delivery_id)
    return len(ids)
