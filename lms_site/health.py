"""Liveness and readiness probes for nginx, container healthchecks and load balancers.

`/healthz` says the process answers and touches nothing else, so a database or Redis outage never gets
healthy web processes restarted. `/readyz` says whether this process can serve real work: the database
answers a query, the cache keeps what is written to it, and (with REDIS_URL) the Celery broker accepts a
connection. Neither reads the session or sets a cookie, and neither may be cached by anything in between.
Failures are logged with their cause; the answer names only the check that failed.
"""

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

BROKER_TIMEOUT = 1.0  # seconds; a probe that waits longer than its caller's timeout tells nobody anything


@never_cache
@require_safe
def healthz(request):
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def database_ready() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def cache_ready() -> bool:
    # A cache that is down reads as empty (lms_site/cache.py), so only reading back what was written tells.
    key, token = f"readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, token, timeout=10)
    kept = cache.get(key) == token
    cache.delete(key)
    return kept


def broker_ready() -> bool:
    from lms_site.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT)
    return True


def checks() -> dict:
    found = {"database": database_ready, "cache": cache_ready}
    if settings.REDIS_URL:
        found["broker"] = broker_ready
    return found


@never_cache
@require_safe
def readyz(request):
    results = {}
    for name, check in checks().items():
        try:
            results[name] = "ok" if check() else "failing"
        except Exception:
            logger.exception("Readiness check %s failed", name)
            results[name] = "failing"
    ready = all(result == "ok" for result in results.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", **results}, status=200 if ready else 503)
