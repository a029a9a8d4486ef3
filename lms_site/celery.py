import logging
import logging.config
import os

from celery import Celery, signals
from celery.contrib.django.task import DjangoTask
from celery.signals import task_postrun, task_prerun
from django.db import transaction

from lms_site import replicas
from lms_site import request_id as _request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms_site.settings.dev")


class Task(DjangoTask):
    """Every project task. Work that follows a write is queued with delay_on_commit; a message the broker
    refuses is kept in the outbox (lms_site/outbox.py) and sent later, never raised into the learner's request
    and never dropped."""

    def delay_on_commit(self, *args, **kwargs) -> None:
        self._on_commit(args, kwargs, {})

    def apply_async_on_commit(self, args=None, kwargs=None, **options) -> None:
        from lms_site.outbox import check_options

        check_options(options)
        self._on_commit(args, kwargs, options)

    def _on_commit(self, args, kwargs, options) -> None:
        # The request id of the code that asked, even if the commit comes after its request has ended.
        asked_in = _request_id.current()

        def publish() -> None:
            with _request_id.bound(asked_in or _request_id.current()):
                self.publish_or_keep(args, kwargs, **options)

        transaction.on_commit(publish)

    def delay_or_keep(self, *args, **kwargs) -> None:
        """Queues now, for a task that follows a write already committed (a claim outside a transaction)."""
        self.publish_or_keep(args, kwargs)

    def publish_or_keep(self, args=None, kwargs=None, **options) -> None:
        from lms_site import outbox

        try:
            self.apply_async(args, kwargs, **options)
        except outbox.BROKER_ERRORS as error:
            if self.app.conf.task_always_eager:
                raise  # a task run in-process failed: that is the task's own error, not the broker's
            outbox.keep(task_name=self.name, args=args, kwargs=kwargs, options=options, error=error)


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
    for key in [key for key in sender.conf if key.startswith("CELERY_REDBEAT_")]:
        sender.conf[key.removeprefix("CELERY_").lower()] = sender.conf[key]


@signals.setup_logging.connect(dispatch_uid="lms_site.celery.logging")
def use_project_logging(loglevel=None, **kwargs) -> None:
    """The worker and beat log like the web processes (settings.LOGGING: JSON lines in production) instead of
    Celery's own format; --loglevel still sets the level."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)


@signals.celeryd_init.connect(dispatch_uid="lms_site.celery.sentry_worker")
def start_sentry_in_worker(**kwargs) -> None:
    from lms_site.sentry import init_sentry

    init_sentry("worker")


@signals.beat_init.connect(dispatch_uid="lms_site.celery.sentry_beat")
def start_sentry_in_beat(**kwargs) -> None:
    from lms_site.sentry import init_sentry

    init_sentry("beat")
