"""A small limiter on Django's cache for sign-in, sign-up and password reset.

Why not django-axes: it would be a new dependency with its own tables, admin and middleware, and it locks
accounts out until an admin or a timer releases them. What is needed here is a few counters with a short
life, which Django's cache does atomically (`add` then `incr`) with the local-memory cache and Redis alike.

Counters live in fixed windows of `seconds` aligned to the clock: the key names the window, so a blocked
client knows exactly when it may try again (Retry-After) without asking the cache for a TTL, which
neither LocMemCache nor Django's RedisCache offers. The cool-down is therefore at most one window.

The cache is a convenience, not a gate: if it fails, the request is treated as not throttled and the
error is logged, so a Redis outage never stops people from signing in.
"""

import hashlib
import ipaddress
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    scope: str
    attempts: int
    seconds: int


def limit(scope: str) -> Limit:
    """The limit configured for scope in settings.ACCOUNTS_THROTTLE, read at call time (tests override it)."""
    attempts, seconds = settings.ACCOUNTS_THROTTLE[scope]
    return Limit(scope=scope, attempts=int(attempts), seconds=int(seconds))


def now() -> float:
    # One clock for the module, so tests can move it (time-machine moves time.time too).
    return time.time()


def client_address(request) -> str:
    """The address the request came from, as far as the trusted proxies in front of Django tell.

    REMOTE_ADDR is the peer of the WSGI server. Behind nginx (deploy/), that is nginx for every client, so
    with ACCOUNTS_TRUSTED_PROXY_COUNT = n the address is the n-th entry from the end of X-Forwarded-For:
    each trusted proxy appends the peer it saw, and whatever a client wrote at the start of the header
    stays to the left of it, so a client cannot choose its own address. IPv6 clients are grouped by /64,
    the block one customer usually holds, or each could try from 2^64 addresses.
    """
    address = request.META.get("REMOTE_ADDR", "") or ""
    proxies = int(getattr(settings, "ACCOUNTS_TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _key(limit_: Limit, identity: str, window: int) -> str:
    # Hashed: identities include what people type (any length, any characters), which cache keys must not.
    digest = hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    # The prefix lets tests give each test its own counters without clearing a cache that Celery may share.
    prefix = getattr(settings, "ACCOUNTS_THROTTLE_KEY_PREFIX", "throttle")
    return f"{prefix}:{limit_.scope}:{digest}:{window}"


def _window(limit_: Limit, at: float) -> int:
    return int(at // limit_.seconds)


def retry_after(limit_: Limit, identity: str) -> int | None:
    """Seconds until identity may try again, or None when it is not blocked under limit_."""
    at = now()
    window = _window(limit_, at)
    try:
        count = cache.get(_key(limit_, identity, window), 0)
    except Exception:
        logger.exception("Throttle cache unavailable; %s is not throttled", limit_.scope)
        return None
    if count < limit_.attempts:
        return None
    return max(1, math.ceil((window + 1) * limit_.seconds - at))


def hit(limit_: Limit, identity: str) -> None:
    """Counts one attempt by identity in the current window."""
    window = _window(limit_, now())
    key = _key(limit_, identity, window)
    try:
        # add() creates the counter only if absent, incr() is atomic: concurrent requests never lose a count.
        cache.add(key, 0, timeout=limit_.seconds + 1)
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=limit_.seconds + 1)
    except Exception:
        logger.exception("Throttle cache unavailable; %s attempt not counted", limit_.scope)


def reset(limit_: Limit, identity: str) -> None:
    try:
        cache.delete(_key(limit_, identity, _window(limit_, now())))
    except Exception:
        logger.exception("Throttle cache unavailable; %s counter not reset", limit_.scope)


def blocked(*checks: tuple[Limit, str]) -> int | None:
    """The longest wait among the (limit, identity) pairs that are blocked, or None if none is."""
    waits = [wait for limit_, identity in checks if (wait := retry_after(limit_, identity)) is not None]
    return max(waits) if waits else None
