"""Error reports to Sentry, when SENTRY_DSN is set; without it the SDK is never initialised and sends nothing.

Called where a long-running process starts: lms_site/wsgi.py for gunicorn ("web"), and Celery's
celeryd_init and beat_init signals (lms_site/celery.py) for the worker and beat. Not from settings, which
every management command, test run and image build imports too. Reports carry the request id as a tag (the
same id as the log lines) and nothing personal (see init_sentry).
"""

import os
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

from lms_site import request_id

if TYPE_CHECKING:
    from sentry_sdk._types import Event


def _traces_sample_rate() -> float:
    raw = os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "").strip() or "0"
    try:
        rate = float(raw)
    except ValueError:
        rate = -1.0
    if not 0 <= rate <= 1:
        raise ImproperlyConfigured(f"SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1, not {raw!r}")
    return rate


def _tag_request_id(event: "Event", hint: dict[str, Any]) -> "Event":
    current = request_id.current()
    if current:
        event.setdefault("tags", {})["request_id"] = current
    return event


def init_sentry(component: str) -> bool:
    """Starts the SDK for this process when SENTRY_DSN is set; True if it did."""
    dsn = os.environ.get("SENTRY_DSN", "").strip()
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.redis import RedisIntegration

    sentry_sdk.init(
        dsn=dsn,
        # The logging integration is on by default: ERROR records become events, lower ones breadcrumbs.
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # The Redis integration (on by default when redis is installed) records each command's keys in
        # breadcrumbs and spans, and cache keys hold session ids (sessions are read through the cache).
        disabled_integrations=[RedisIntegration()],
        environment=os.environ.get("SENTRY_ENVIRONMENT", "").strip() or "production",
        # Unset: the SDK's own guess (SENTRY_RELEASE, else the git commit when a checkout is at hand).
        release=os.environ.get("SENTRY_RELEASE", "").strip() or None,
        traces_sample_rate=_traces_sample_rate(),
        # Nothing personal: no cookies, user or client address (send_default_pii), no posted form (it may hold
        # an e-mail address or a message) and no local variables (a failing frame may hold anything, a
        # session key in a query's parameters included). The request id leads to the logs for the rest.
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=_tag_request_id,
        before_send_transaction=_tag_request_id,
    )
    sentry_sdk.get_global_scope().set_tag("component", component)
    return True
