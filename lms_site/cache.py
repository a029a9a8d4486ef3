"""Django's Redis cache, made to treat an unreachable Redis as an empty cache (docs/adr/0022).

Wagtail reads its site-root paths from the cache on every page, so with Django's own backend a stopped Redis
answers every request with a 500. Here a connection or timeout error turns reads into misses and writes and
deletes into no-ops; the site runs on the database alone until Redis is back. Other Redis errors (a full
memory, a wrong type) still raise: they are bugs or configuration, not an outage.

After a failure the backend does not try Redis again for `RETRY_AFTER` seconds (an OPTIONS key, 2 by
default), so a Redis that drops packets costs one connect timeout per few seconds, not one per cache call.
One warning is logged when an outage starts and one line when Redis answers again.

A write or a delete that did not reach Redis may leave an older value there: a session signed out, a generation
that was to be replaced. When Redis was only out of reach (a partition, a paused server) rather than emptied by
a restart, that value would be served again once it answers. So the keys of such writes are remembered and
deleted as soon as Redis answers again: after an outage the cache can miss more, never answer older. They are
remembered in the process that failed to write them (up to `MAX_LOST_KEYS`), so a process that dies during the
outage takes its list with it; values then last until their timeout, as without this.
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
# Keys of lost writes remembered for deletion once Redis is back; past this, the rest are left to their timeout.
MAX_LOST_KEYS = 10_000
# Keys per DEL command when they are deleted after an outage.
DELETE_BATCH = 500


class _Outage:
    """When Redis last failed, shared by every thread's cache instance (Django makes one per thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.failed_at: float | None = None
        self.lost: set[str] = set()  # keys whose write or delete Redis did not receive
        self.overflowed = False

    def skipping(self, retry_after: float) -> bool:
        failed_at = self.failed_at
        return failed_at is not None and time.monotonic() - failed_at < retry_after

    def failed(self, error: Exception) -> None:
        with self.lock:
            starting = self.failed_at is None
            self.failed_at = time.monotonic()
        if starting:
            logger.warning("Cache unreachable, serving without it until it answers: %r", error)

    def lose(self, keys: list[str]) -> None:
        """Remembers keys whose write or delete did not reach Redis, to delete them once it answers."""
        with self.lock:
            room = MAX_LOST_KEYS - len(self.lost)
            self.lost.update(keys[:room])
            overflowing = len(keys) > room and not self.overflowed
            self.overflowed = self.overflowed or len(keys) > room
        if overflowing:
            logger.warning("Too many cache writes lost to remember: some may be read stale until they expire")

    def take_lost(self) -> list[str]:
        if not self.lost:
            return []
        with self.lock:
            lost, self.lost, self.overflowed = list(self.lost), set(), False
        return lost

    def answered(self) -> None:
        if self.failed_at is None:
            return
        with self.lock:
            ended = self.failed_at is not None
            self.failed_at = None
        if ended:
            logger.info("Cache reachable again")


def _or_miss(miss, written=None):
    """Runs the RedisCache method, answering `miss(*args, **kwargs)` when Redis is down or was down a moment ago.

    `written(self, *args, **kwargs)` names the keys a write or a delete changes, remembered when it is lost.
    """

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if self._outage.skipping(self._retry_after):
                return self._missed(miss, written, args, kwargs)
            try:
                # Before the call, so a key it writes again keeps its new value.
                self._delete_lost()
                result = method(self, *args, **kwargs)
            except OUTAGE_ERRORS as error:
                self._outage.failed(error)
                return self._missed(miss, written, args, kwargs)
            self._outage.answered()
            return result

        return wrapper

    return decorate


# The keys each write or delete changes, taking their arguments as the methods below do.
def _set_key(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
    return [self.make_and_validate_key(key, version=version)]


def _delete_key(self, key, version=None):
    return [self.make_and_validate_key(key, version=version)]


def _set_many_keys(self, data, timeout=DEFAULT_TIMEOUT, version=None):
    return [self.make_and_validate_key(key, version=version) for key in data]


def _delete_many_keys(self, keys, version=None):
    return [self.make_and_validate_key(key, version=version) for key in keys]


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

    def _missed(self, miss, written, args, kwargs):
        if written is not None:
            self._outage.lose(written(self, *args, **kwargs))
        return miss(*args, **kwargs)

    def _delete_lost(self):
        """Deletes what writes lost in an outage left behind in Redis, which may be older than the database."""
        keys = self._outage.take_lost()
        for start in range(0, len(keys), DELETE_BATCH):
            try:
                self._cache.delete_many(keys[start : start + DELETE_BATCH])
            except OUTAGE_ERRORS:
                self._outage.lose(keys[start:])
                raise

    @_or_miss(lambda key, default=None, version=None: default)
    def get(self, key, default=None, version=None):
        return super().get(key, default, version)

    @_or_miss(lambda *args, **kwargs: False)
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().add(key, value, timeout, version)

    @_or_miss(lambda *args, **kwargs: None, written=_set_key)
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set(key, value, timeout, version)

    @_or_miss(lambda *args, **kwargs: False)
    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return super().touch(key, timeout, version)

    @_or_miss(lambda *args, **kwargs: False, written=_delete_key)
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

    @_or_miss(lambda data, *args, **kwargs: list(data), written=_set_many_keys)
    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set_many(data, timeout, version)

    @_or_miss(lambda *args, **kwargs: None, written=_delete_many_keys)
    def delete_many(self, keys, version=None):
        return super().delete_many(keys, version)

    @_or_miss(lambda *args, **kwargs: False)
    def clear(self):
        return super().clear()
