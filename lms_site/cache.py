"""Django's Redis cache, made to treat an unreachable Redis as an empty cache (docs/adr/0022).

Wagtail reads its site-root paths from the cache on every page, so with Django's own backend a stopped Redis
answers every request with a 500. Here a connection or timeout error turns reads into misses and writes and
deletes into no-ops; the site runs on the database alone until Redis is back. Other Redis errors (a full
memory, a wrong type) still raise: they are bugs or configuration, not an outage.

After a failure the backend does not try Redis again for `RETRY_AFTER` seconds (an OPTIONS key, 2 by
default), so a Redis that drops packets costs one connect timeout per few seconds, not one per cache call.
One warning is logged when an outage starts and one line when Redis answers again.
"""

import functools
import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError)


class _Outage:
    """When Redis last failed, shared by every thread's cache instance (Django makes one per thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.failed_at: float | None = None

    def skipping(self, retry_after: float) -> bool:
        failed_at = self.failed_at
        return failed_at is not None and time.monotonic() - failed_at < retry_after

    def failed(self, error: Exception) -> None:
        with self.lock:
            starting = self.failed_at is None
            self.failed_at = time.monotonic()
        if starting:
            logger.warning("Cache unreachable, serving without it until it answers: %r", error)

    def answered(self) -> None:
        if self.failed_at is None:
            return
        with self.lock:
            ended = self.failed_at is not None
            self.failed_at = None
        if ended:
            logger.info("Cache reachable again")


def _or_miss(miss):
    """Runs the RedisCache method, answering `miss(*args, **kwargs)` when Redis is down or was down a moment ago."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if self._outage.skipping(self._retry_after):
                return miss(*args, **kwargs)
            try:
                result = method(self, *args, **kwargs)
            except OUTAGE_ERRORS as error:
                self._outage.failed(error)
                return miss(*args, **kwargs)
            self._outage.answered()
            return result

        return wrapper

    return decorate


def _missing_key(key, *args, **kwargs):
    # What Django's incr() says of a key that is not there: throttling then starts a new counter (a no-op).
    raise ValueError(f"Key {key!r} not found (cache unreachable).")


class ResilientRedisCache(RedisCache):
    _outages: dict[str, _Outage] = {}

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self._retry_after = float(options.pop("RETRY_AFTER", 2))
        super().__init__(server, {**params, "OPTIONS": options})
        # One record per Redis location, so a test that points the cache elsewhere starts with a clean slate.
        self._outage = self._outages.setdefault(str(server), _Outage())

    @_or_miss(lambda key, default=None, version=None: default)
    def get(self, key, default=None, version=None):
        return super().get(key, default, version)

    @_or_miss(lambda *args, **kwargs: False)
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().add(key, value, timeout, version)

    @_or_miss(lambda *args, **kwargs: None)
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set(key, value, timeout, version)

    @_or_miss(lambda *args, **kwargs: False)
    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return super().touch(key, timeout, version)

    @_or_miss(lambda *args, **kwargs: False)
    def delete(self, key, version=None):
        return super().delete(key, version)

    @_or_miss(lambda *args, **kwargs: {})
    def get_many(self, keys, version=None):
        return super().get_many(keys, version)

    @_or_miss(lambda *args, **kwargs: False)
    def has_key(self, key, version=None):
        return super().has_key(key, version)

    @_or_miss(_missing_key)
    def incr(self, key, delta=1, version=None):
        return super().incr(key, delta, version)

    @_or_miss(lambda data, *args, **kwargs: list(data))
    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set_many(data, timeout, version)

    @_or_miss(lambda *args, **kwargs: None)
    def delete_many(self, keys, version=None):
        return super().delete_many(keys, version)

    @_or_miss(lambda *args, **kwargs: False)
    def clear(self):
        return super().clear()
