"""Reads for what every page of the site shows: the header's menu."""

import hashlib
from dataclasses import dataclass

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.utils.translation import get_language
from wagtail.models import Site

from lms_site import page_cache
from lms_site.translated_pages import in_language_many

# The menu changes with the pages (a new generation, lms_site.page_cache); the timeout only bounds a change
# made without a signal (a queryset update, a raw SQL fix).
MENU_CACHE_SECONDS = 60 * 60


@dataclass(frozen=True)
class MenuEntry:
    title: str
    url: str


def site_menu(request: HttpRequest) -> list[MenuEntry]:
    """The live pages under the request's site root that are shown in menus, as titles and URLs.

    Kept per host, port and language until a page or a site changes: a warm request reads neither the site nor a
    page. Keyed by what Wagtail finds the site by (host and port), since finding it is the query saved.
    """
    try:
        host = request.get_host()
    except DisallowedHost:
        return _menu(request)  # the request is refused with 400 anyway; nothing to keep for a host not ours
    key = _key("menu", host, request.get_port() or "", get_language() or "")
    return page_cache.remember(key, lambda: _menu(request), MENU_CACHE_SECONDS)


def site_for_request(request: HttpRequest) -> Site | None:
    """The request's Wagtail site, as `Site.find_for_request` finds it, kept per host and port until a page or a
    site changes, and left on the request where Wagtail looks first: `{% pageurl %}` and `page.get_url(request)`
    then read no site. For pages whose every card links to a page (the learner's dashboard)."""
    if hasattr(request, "_wagtail_site"):
        return request._wagtail_site  # already found for this request
    try:
        host = request.get_host()
    except DisallowedHost:
        return Site.find_for_request(request)  # refused with 400 anyway; nothing to keep for a host not ours
    key = _key("site", host, request.get_port() or "")
    site: Site | None = page_cache.remember(key, lambda: _site_with_root(request), MENU_CACHE_SECONDS)
    request._wagtail_site = site  # type: ignore[attr-defined]
    return site


def _site_with_root(request: HttpRequest) -> Site | None:
    site = Site.find_for_request(request)
    if site is not None:
        # Kept with the site: Wagtail's routing starts from `site.root_page.localized.specific`.
        site.root_page.localized.specific  # noqa: B018 (read for its cached value)
    return site


def _key(kind: str, *parts: str) -> str:
    # Hashed: a Host header is whatever the client sent (ALLOWED_HOSTS may hold a wildcard).
    where = "\n".join(parts)
    return f"home:{kind}:{hashlib.sha256(where.encode('utf-8', 'surrogateescape')).hexdigest()}"


def _menu(request: HttpRequest) -> list[MenuEntry]:
    site = Site.find_for_request(request)
    if site is None:
        return []
    entries = []
    for page in in_language_many(site.root_page.get_children().live().in_menu(), fields=("title",)):
        # Relative within the request's site, as {% pageurl %} writes it; a page no site routes to has none.
        url = page.get_url(request=request, current_site=site)
        if url:
            entries.append(MenuEntry(title=page.title, url=url))
    return entries
