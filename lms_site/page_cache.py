"""Whole pages for visitors, answered from Django's cache (docs/adr/0027-visitor-page-cache.md).

Only pages that opt in with `cache_for_visitors` are kept (home, landing, catalogue, course pages), and only
for visitors: a request carrying a session or a messages cookie is never answered from the cache, and a
response is kept only when it set no cookie at all, so it carries neither a session nor a CSRF token.

Every entry is stored beside the generation it was rendered in. `invalidate()` starts a new generation, so
one call makes every cached page stale at once: a publish, a move or a changed live session may show on the
course page, the catalogue and the home page's course cards, and listing which keys each change touches
would be the error-prone part. A generation is a random token, not a counter, so a generation key lost to
eviction or a Redis restart can never come back with a value that old entries still carry.

The middleware sits above SessionMiddleware: a hit costs two cache reads in one round trip and no query.
Middleware above it (request id, security headers, the Content-Security-Policy) runs on hits too; what the
middleware below it add (X-Frame-Options, Vary) is stored with the page.
"""

import hashlib
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language_from_path

from . import replicas

T = TypeVar("T")

MARK = "cache_for_visitors"
# Says what happened to an opted-in page: hit, stored or bypass. For operators reading nginx's logs, and tests.
STATUS_HEADER = "X-Page-Cache"
PROXY_HEADER = "X-Accel-Expires"


def cache_for_visitors(serve: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Marks what a page's `serve` (or a view) answers as fit for every visitor alike.

    Only for pages whose visitor version depends on nothing but the URL, the htmx headers and the language,
    and whose changes reach `invalidate()`.
    """

    @wraps(serve)
    def wrapper(*args: Any, **kwargs: Any) -> HttpResponse:
        response = serve(*args, **kwargs)
        setattr(response, MARK, True)
        return response

    return wrapper


def _prefix() -> str:
    return getattr(settings, "PAGE_CACHE_KEY_PREFIX", "pages")


def _generation_key() -> str:
    return f"{_prefix()}:generation"


def _new_generation() -> None:
    cache.set(_generation_key(), uuid.uuid4().hex, timeout=None)


def invalidate() -> None:
    """Makes every cached page stale: called when anything a cached page shows has changed.

    Now, so the old pages stop being served at once, and again on commit: a visitor's request that rendered
    the old rows while the change was being written would otherwise store them under the new generation.
    """
    _new_generation()
    transaction.on_commit(_new_generation)


def _current_generation(found: dict[str, Any]) -> str:
    generation = found.get(_generation_key())
    if generation is not None:
        return generation
    token = uuid.uuid4().hex
    if cache.add(_generation_key(), token, timeout=None):
        return token
    return cache.get(_generation_key()) or token


def _lookup(key: str) -> tuple[str, Any]:
    """The current generation and what `key` holds under it (None when it holds nothing or an older one), read
    in one round trip."""
    found = cache.get_many([_generation_key(), key])
    generation = _current_generation(found)
    entry = found.get(key)
    return generation, entry[1] if entry is not None and entry[0] == generation else None


def remember(key: str, build: Callable[[], T], timeout: int) -> T:
    """What `build()` answers, kept under `key` until `timeout` or the next `invalidate()`, whichever is first.

    For parts that every page shows, signed in or not, and that change with the pages (the site header's menu):
    a warm call costs one cache round trip and no query. Built on the primary, since it is kept for everyone.
    """
    generation, kept = _lookup(key)
    if kept is not None:
        value: T = kept
        return value
    with replicas.replica_reads(allowed=False):
        value = build()
    cache.set(key, (generation, value), timeout)
    return value


def _visitor_read(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    cookies = request.COOKIES
    # A session cookie may belong to a signed-in person; a messages cookie carries what this visitor is told.
    return settings.SESSION_COOKIE_NAME not in cookies and CookieStorage.cookie_name not in cookies


def _sorted_query(query_string: str) -> str:
    # Sorted by name only: the order of a name's repeated values is kept, since views read the last one.
    parts = [part for part in query_string.split("&") if part]
    return "&".join(sorted(parts, key=lambda part: part.split("=", 1)[0]))


def page_key(request: HttpRequest) -> str | None:
    """The cache key of the visitor's version of this request; None when the host is not one of ours."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return None  # the view stack answers 400
    # The path's prefix decides the language (lms_site/i18n.py); this middleware runs before LocaleMiddleware.
    language = get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    parts: list[str] = [
        request.scheme or "",
        host,
        request.path,
        _sorted_query(request.META.get("QUERY_STRING", "")),
        str(request.headers.get("HX-Request") == "true"),
        str(request.headers.get("HX-History-Restore-Request") == "true"),
        str(language),
    ]
    digest = hashlib.sha256("\n".join(parts).encode("utf-8", "surrogateescape")).hexdigest()
    return f"{_prefix()}:page:{digest}"


def _shareable(response: HttpResponse) -> bool:
    """The same for every visitor: a plain 200 that set no cookie (no session, no CSRF token, no messages)."""
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in response.get("Cache-Control", "")
    )


class VisitorPageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = settings.PAGE_CACHE_SECONDS
        if seconds <= 0:
            return self.get_response(request)
        key = page_key(request) if _visitor_read(request) else None
        if key is None:
            return self._personal(self.get_response(request))

        generation, kept = _lookup(key)
        if kept is not None:
            response: HttpResponse = kept
            response[STATUS_HEADER] = "hit"
            return response

        # A page kept for everyone reads the primary: a replica a second behind a publish would otherwise be
        # stored under the generation that publish started, and served until it expires (ADR 0025).
        with replicas.unit_of_work(pinned=True):
            response = self.get_response(request)
        if not getattr(response, MARK, False):
            return response
        # A page that used the CSRF token or the session has set a cookie; it is for this visitor only.
        if not _shareable(response) or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            return self._personal(response)
        patch_cache_control(response, public=True, max_age=0, s_maxage=seconds)
        # nginx's micro-cache keeps only what carries this (deploy/nginx), for less time than s-maxage: it is
        # not purged on publish. nginx does not pass the header on.
        if settings.PAGE_CACHE_PROXY_SECONDS > 0:
            response[PROXY_HEADER] = str(min(settings.PAGE_CACHE_PROXY_SECONDS, seconds))
        if request.method == "GET":
            response[STATUS_HEADER] = "stored"
            cache.set(key, (generation, response), seconds)
        return response

    @staticmethod
    def _personal(response: HttpResponse) -> HttpResponse:
        if getattr(response, MARK, False):
            # A signed-in person's page, or one with a visitor's messages: no shared cache may keep it.
            patch_cache_control(response, private=True, no_cache=True)
            response[STATUS_HEADER] = "bypass"
        return response
