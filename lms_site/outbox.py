"""Task messages the broker refused, kept in the database until it takes them (ADR 0026).

A write commits, then its task is published (Task.delay_on_commit in lms_site/celery.py). When the broker
cannot be reached, the message is stored here instead of being dropped, and beat's send_unqueued_tasks
publishes the stored ones, oldest first, once the broker answers again. Tasks are idempotent, so the rare
message that is published twice (the broker took it, then the row's deletion failed) changes nothing twice.
"""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from lms_site import request_id
from lms_site.models import UnqueuedTask

logger = logging.getLogger(__name__)

# What publishing raises when the broker is down, refuses the connection or does not answer in time.
BROKER_ERRORS = (OperationalError, RedisConnectionError, RedisTimeoutError)
# The apply_async options a kept message may carry: plain values, or times, which are stored as such.
OPTIONS = frozenset({"queue", "routing_key", "priority", "countdown", "eta", "expires"})
SWEEP_LIMIT = 500  # messages per run: beat runs the sweep every minute and it must end before the next


def check_options(options: dict[str, Any]) -> None:
    """Refuses, when a task is queued, an option a kept message could not carry (a callback, a signature)."""
    unknown = set(options) - OPTIONS
    if unknown:
        raise TypeError(f"apply_async options the outbox cannot keep: {', '.join(sorted(unknown))}")


def _storable(options: dict[str, Any], now: datetime) -> dict[str, Any]:
    # Relative times become absolute: a message sent by the sweep minutes later keeps its original moment.
    stored = {key: value for key, value in options.items() if key != "countdown"}
    if options.get("countdown") is not None:
        stored["eta"] = now + timedelta(seconds=float(options["countdown"]))
    if isinstance(stored.get("expires"), int | float):
        stored["expires"] = now + timedelta(seconds=float(stored["expires"]))
    return stored


def keep(*, task_name: str, args: Any, kwargs: Any, options: dict[str, Any], error: Exception) -> None:
    """Stores a message the broker refused. Called after the commit, so the write it follows is already saved."""
    now = timezone.now()
    try:
        with transaction.atomic():
            row = UnqueuedTask.objects.create(
                task_name=task_name,
                args=list(args or ()),
                kwargs=dict(kwargs or {}),
                options=_storable(options, now),
                request_id=request_id.current() or "",
                first_error=repr(error)[:2000],
                created_at=now,
                last_attempt_at=now,
            )
    except DatabaseError:
        # The database and the broker are both gone: nothing is left to keep the message in.
        logger.exception("Broker unreachable and the outbox unwritable: %s was lost (args=%r)", task_name, args)
        return
    logger.warning("Broker unreachable: %s kept in the outbox as #%s (%r)", task_name, row.pk, error)


def _publish(row: UnqueuedTask) -> None:
    from lms_site.celery import app

    # send_task publishes even where tasks would run in-process, and names the task without importing it.
    with request_id.bound(row.request_id or None):
        app.send_task(row.task_name, args=row.args, kwargs=row.kwargs, ignore_result=True, **row.options)


def send_unqueued(*, limit: int = SWEEP_LIMIT) -> int:
    """Publishes kept messages, oldest first, deleting each once the broker took it; stops at the first
    refusal, which leaves that message and the later ones for the next run. Returns how many were sent."""
    sent = 0
    for pk in UnqueuedTask.objects.order_by("created_at", "pk").values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            # Locked while it is published, so a second sweep running at the same time skips it.
            row = UnqueuedTask.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if row is None:
                continue  # sent by another sweep meanwhile, or being sent by it
            try:
                _publish(row)
            except BROKER_ERRORS as error:
                row.attempts += 1
                row.last_error = repr(error)[:2000]
                row.last_attempt_at = timezone.now()
                row.save(update_fields=["attempts", "last_error", "last_attempt_at"])
                logger.warning("Broker still unreachable: %s stays in the outbox as #%s", row.task_name, row.pk)
                return sent
            row.delete()
        sent += 1
    if sent:
        logger.info("Sent %s task(s) kept while the broker was unreachable", sent)
    return sent
