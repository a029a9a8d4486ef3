import logging
import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from celery.signals import task_postrun, task_prerun
from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from lms_site import replicas

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms_site.settings.dev")

logger = logging.getLogger(__name__)


class Task(DjangoTask):
    def delay_on_commit(self, *args, **kwargs) -> None:
        """Queues the task once the transaction commits; a broker that cannot be reached is logged, not raised.

        The write is committed by then, so raising would only turn the learner's saved action into a 500.
        The message is lost: only certificates of completed courses are caught up later, by a beat sweep;
        an outbox for the rest is still to be built (issue 19).
        """
        transaction.on_commit(lambda: self._publish_or_log(args, kwargs))

    def _publish_or_log(self, args, kwargs) -> None:
        try:
            self.delay(*args, **kwargs)
        except (OperationalError, RedisConnectionError, RedisTimeoutError):
            if self.app.conf.task_always_eager:
                raise  # a task run in-process failed: that is the task's own error, not the broker's
            logger.exception("Broker unreachable: %s was not queued (args=%r)", self.name, args)


# Given here, so Celery's Django fixup keeps it instead of its own DjangoTask.
app = Celery("lms_site", task_cls=Task)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Each task is a unit of work for read replicas: it starts with no writes of its own, and once it has written it
# reads the primary (lms_site/replicas.py). Postrun runs after a failure too.
task_prerun.connect(replicas.task_started)
task_postrun.connect(replicas.task_finished)


@app.on_after_configure.connect
def _redbeat_settings_by_their_own_names(sender, **kwargs) -> None:
    """celery-redbeat checks for its settings by bare name (redbeat_redis_url, ...), which the Django settings
    namespace hides behind CELERY_; without this it ignores them and falls back to the broker's options."""
    for key in [key for key in sender.conf.keys() if key.startswith("CELERY_REDBEAT_")]:
        sender.conf[key.removeprefix("CELERY_").lower()] = sender.conf[key]
