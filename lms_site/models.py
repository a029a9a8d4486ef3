import json

from django.db import models
from django.utils import timezone
from kombu.utils.json import JSONEncoder as KombuJSONEncoder
from kombu.utils.json import object_hook


class KombuJSONDecoder(json.JSONDecoder):
    """Reads back what Celery's JSON serializer wrote: dates, decimals and UUIDs come back as themselves."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("object_hook", object_hook)
        super().__init__(*args, **kwargs)


class UnqueuedTask(models.Model):
    """A task message the broker refused after the write that wanted it had committed (lms_site/outbox.py).

    Kept until the sweep publishes it; the arguments are stored as Celery would have serialised them."""

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, encoder=KombuJSONEncoder, decoder=KombuJSONDecoder)
    kwargs = models.JSONField(default=dict, encoder=KombuJSONEncoder, decoder=KombuJSONDecoder)
    # apply_async options (queue, eta, expires, ...); a countdown is stored as the eta it meant.
    options = models.JSONField(default=dict, encoder=KombuJSONEncoder, decoder=KombuJSONDecoder)
    request_id = models.CharField(max_length=64, blank=True)
    first_error = models.TextField()
    last_error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["created_at", "id"], name="unqueued_oldest_first")]

    def __str__(self) -> str:
        return f"{self.task_name} ({self.created_at:%Y-%m-%d %H:%M:%S})"
