"""Languages: which one a request, a person and a message is in.

The URL decides the page's language (`/de/...`, `/ar/...`; English has no prefix), so a page cached for visitors
is cached per language by its path alone. A person's preferred language (their profile) decides what reaches
them away from a page: e-mails, certificates, receipts, and where they land after signing in.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.urls import translate_url
from django.utils import translation


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's, minus `Vary: Accept-Language`: with no prefix for English, an unprefixed URL is always English
    (Django's own rule), so the answer never depends on that header and a CDN need not keep one copy per
    browser language."""

    def process_response(self, request, response):
        vary_before = response.headers.get("Vary")
        response = super().process_response(request, response)
        if vary_before is None:
            response.headers.pop("Vary", None)
        else:
            response.headers["Vary"] = vary_before
        return response


def supported(code: str | None) -> str:
    """`code` if the site speaks it, otherwise the site's default language."""
    codes = {language for language, _name in settings.LANGUAGES}
    return code if code in codes else settings.LANGUAGE_CODE


def language_of(user) -> str:
    """The language to write to `user` in when no page decides it (anonymous or unknown: the default)."""
    return supported(getattr(user, "preferred_language", None))


@contextmanager
def speaking_to(user) -> Iterator[str]:
    """Everything translated inside speaks `user`'s language: for e-mails, PDFs and other things sent later."""
    language = language_of(user)
    with translation.override(language):
        yield language


def url_in(url: str, language: str) -> str:
    """`url` (a path on this site) in `language`: the same page under that language's prefix.

    Read in the language of its own prefix: Django resolves a path in the active language only, and the page
    tree's catch-all would take "/ar/courses/" read in English for a page called "ar"."""
    with translation.override(translation.get_language_from_path(url) or settings.LANGUAGE_CODE):
        return translate_url(url, supported(language))


@dataclass(frozen=True)
class LanguageLink:
    code: str
    name: str  # in its own language: a reader who cannot read the current one still finds theirs
    url: str
    current: bool


def language_links(request: HttpRequest) -> list[LanguageLink]:
    """The language switcher's entries: this page in each language the site speaks.

    The path only: a query string is whatever a link carried (a `next`, a search), and would be echoed back into
    every page's header."""
    current = translation.get_language()
    path = request.path
    return [
        LanguageLink(
            code=code,
            name=translation.get_language_info(code)["name_local"],
            url=url_in(path, code),
            current=code == current,
        )
        for code, _name in settings.LANGUAGES
    ]
