"""The LOGGING of every process: web, Celery worker and beat (lms_site/celery.py hands the worker's logging to
it), as JSON lines in production and as text elsewhere (LOG_FORMAT), each record with its request id."""

import logging
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

FORMATS = ("json", "text")
# Extras left out of the JSON: Django's `request` object (its path is in the message already) and Celery's
# `data` on a failed task, which holds the task's arguments (e-mail bodies and addresses, attachments).
_NOT_LOGGED = [*RESERVED_ATTRS, "request", "data"]


class _JsonLines(JsonFormatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - logging's name
        return datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")


def json_formatter() -> logging.Formatter:
    """time, level, logger, message and request_id on every line; task_name and task_id while a task runs, the
    traceback as exc_info, and what a caller passed in `extra` (Django's status_code, ...)."""
    return _JsonLines(
        ["asctime", "levelname", "name", "message", "request_id"],
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        reserved_attrs=_NOT_LOGGED,
    )


def text_formatter() -> logging.Formatter:
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


def logging_config(log_format: str, level: str = "INFO") -> dict[str, Any]:
    """A dictConfig for one console handler on the root logger; loggers propagate to it."""
    log_format = log_format.strip().lower()
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "lms_site.request_id.RequestIdFilter"}},
        "formatters": {
            "json": {"()": "lms_site.logs.json_formatter"},
            "text": {"()": "lms_site.logs.text_formatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request_id"],
                "formatter": log_format,
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's defaults give these their own console handlers (shown only with DEBUG) and mail the
            # admins on errors; here they go through the root handler once, and Sentry reports errors.
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        },
    }
