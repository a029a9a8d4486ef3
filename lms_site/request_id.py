"""One id per request, on every log line and error report it causes, including those of the tasks it queued.

nginx makes the id (`$request_id`) and sends it as X-Request-ID, so its access log and ours share it; without
a proxy, or when the header is not a plausible id, the middleware makes one. The id lives in a context
variable for the request; Celery carries it in a message header to the worker, which binds it while the task
runs. A task nobody's request queued (beat's) uses its own task id, so its lines still group together.
"""

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from celery import current_task
from celery.signals import before_task_publish, task_postrun, task_prerun

HEADER = "X-Request-ID"
# The message header; prefixed so that it cannot collide with a field of Celery's own task context.
MESSAGE_HEADER = "lms_request_id"
# What nginx's $request_id (32 hex digits) and the usual load balancers and tracing ids look like; anything
# else is made up by a client and would let it write arbitrary text into our logs.
_PLAUSIBLE = re.compile(r"[A-Za-z0-9._-]{1,64}")

_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def current() -> str | None:
    return _current.get()


def accepted(value: object) -> str | None:
    """The value if it is a plausible id, else None."""
    if isinstance(value, str) and _PLAUSIBLE.fullmatch(value):
        return value
    return None


def new() -> str:
    return uuid.uuid4().hex


@contextmanager
def bound(value: str | None) -> Iterator[None]:
    token = _current.set(value)
    try:
        yield
    finally:
        _current.reset(token)


class RequestIdMiddleware:
    """First in MIDDLEWARE, so that everything after it, redirects included, logs and answers with the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = accepted(request.headers.get(HEADER)) or new()
        # Django logs a 4xx/5xx answer after the middleware has returned; RequestIdFilter finds it here then.
        request.request_id = request_id
        with bound(request_id):
            response = self.get_response(request)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds request_id to every record, and task_name and task_id to those logged while a task runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = _current.get() or getattr(getattr(record, "request", None), "request_id", None)
        record.request_id = request_id or "-"
        task = current_task
        if task and task.request.id and not hasattr(record, "task_id"):
            record.task_name = task.name
            record.task_id = task.request.id
        return True


@before_task_publish.connect(dispatch_uid="lms_site.request_id.publish")
def _send_request_id(headers=None, **kwargs) -> None:
    request_id = _current.get()
    if request_id and headers is not None:
        headers.setdefault(MESSAGE_HEADER, request_id)


@task_prerun.connect(dispatch_uid="lms_site.request_id.prerun")
def _bind_request_id(task_id=None, task=None, **kwargs) -> None:
    if task is None or task.request.is_eager:
        return  # run in the caller's process and context, which already has the caller's id
    _current.set(accepted(task.request.get(MESSAGE_HEADER)) or task_id)


@task_postrun.connect(dispatch_uid="lms_site.request_id.postrun")
def _unbind_request_id(task=None, **kwargs) -> None:
    if task is None or task.request.is_eager:
        return
    _current.set(None)  # the worker's next task, or its own lines in between, must not inherit it
