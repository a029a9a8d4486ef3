"""Pages in the reader's language, while the original stays the one course (docs/adr/0038).

Editors translate pages with wagtail-localize: a translation is a page of its own in another locale, with the
original's structure (block ids, questions, keys) and translated text. Learners, though, enrol in a course,
progress through its lessons and take its assessments once, whatever language they read them in, and every
record (enrolment, progress, attempt, certificate, order, seat) points at the original page. So the site routes
through the original tree in every language and shows an original *carrying its translation's text*: a copy in
memory, never saved, with the translated fields of the live translation in the active language, or the original's
own text where there is none (the fallback the catalogue needs). Addresses are the original's under the language's
prefix (/de/courses/python/): one address per page and language, whatever slug a translator chose.

In the site's own language nothing here reads the database.
"""

import copy
import json
from collections.abc import Iterable
from functools import cache
from typing import TypeVar

from django.conf import settings
from django.utils import translation
from wagtail.models import Locale, Page, PageManager
from wagtail.query import PageQuerySet

P = TypeVar("P", bound=Page)

# Fields that must stay the original's even where wagtail-localize lets a translator change them: the address.
KEPT_FIELDS = {"slug"}


def active_language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def in_original_language(language: str | None = None) -> bool:
    return (language or active_language()) == settings.LANGUAGE_CODE


def translated_field_names(model: type[Page]) -> tuple[str, ...]:
    """The model's fields that wagtail-localize translates and that a page shows: text, rich text, streams."""
    names = _FIELD_NAMES.get(model)
    if names is None:
        from wagtail_localize.fields import TranslatableField, get_translatable_fields

        concrete = {field.name for field in model._meta.concrete_fields}
        names = _FIELD_NAMES[model] = tuple(
            field.field_name
            for field in get_translatable_fields(model)
            if isinstance(field, TranslatableField)
            and field.field_name in concrete
            and field.field_name not in KEPT_FIELDS
        )
    return names


_FIELD_NAMES: dict[type[Page], tuple[str, ...]] = {}


def _locale_id(language: str) -> int | None:
    # Locales change only through the admin, rarely; one small query per process and language is fine.
    return _locale_ids().get(language)


@cache
def _locale_ids() -> dict[str, int]:
    return dict(Locale.objects.values_list("language_code", "pk"))


@cache
def _languages_by_locale_id() -> dict[int, str]:
    # Asked for every page address Wagtail builds: kept, not rebuilt for each link.
    return {pk: code for code, pk in _locale_ids().items()}


def forget_locales() -> None:
    """After a locale is added or removed (translated_page_receivers): the next lookup reads them again."""
    _locale_ids.cache_clear()
    _languages_by_locale_id.cache_clear()


def original_locale_id() -> int | None:
    return _locale_id(settings.LANGUAGE_CODE)


class OriginalsQuerySet(PageQuerySet):
    def originals(self):
        """Only the originals: what to list, count and choose from (a translation is the same course again)."""
        # By language code, not a looked-up id: querysets built at import time (admin filters) must not query.
        return self.filter(locale__language_code=settings.LANGUAGE_CODE)


class OriginalsPageManager(PageManager.from_queryset(OriginalsQuerySet)):  # type: ignore[misc]
    """The default manager of the site's content pages: Wagtail's own, plus `.originals()`."""


def original_of(page: P) -> P:
    """The page in the site's own language that `page` translates; `page` itself when it is the original."""
    default_id = _locale_id(settings.LANGUAGE_CODE)
    if default_id is None or page.locale_id == default_id:
        return page
    original = type(page).objects.filter(translation_key=page.translation_key, locale_id=default_id).first()
    return original if original is not None else page


def in_language(page: P, language: str | None = None) -> P:
    """`page` (an original) carrying the text of its live translation in `language` (the active one by default)."""
    return in_language_many([page], language)[0]


def in_language_many(
    pages: Iterable[P], language: str | None = None, *, fields: tuple[str, ...] | None = None
) -> list[P]:
    """Each page carrying its translation's text, one query per page type; the originals' order is kept.

    `fields` limits what is read to what a listing shows (titles, summaries), not every lesson's body."""
    pages = list(pages)
    language = language or active_language()
    locale_id = None if in_original_language(language) else _locale_id(language)
    if locale_id is None or not pages:
        return pages
    by_model: dict[type[Page], list[P]] = {}
    for page in pages:
        by_model.setdefault(type(page), []).append(page)
    texts: dict[tuple[type[Page], object], dict] = {}
    for model, members in by_model.items():
        names = translated_field_names(model)
        if fields is not None:
            names = tuple(name for name in names if name in fields)
        if not names:
            continue
        rows = (
            model.objects.live()
            .filter(locale_id=locale_id, translation_key__in={page.translation_key for page in members})
            .values("translation_key", *names)
        )
        for row in rows:
            texts[(model, row.pop("translation_key"))] = row
    shown = []
    for page in pages:
        values = texts.get((type(page), page.translation_key))
        if values is None:
            shown.append(page)
            continue
        carrying = copy.copy(page)
        carrying.shown_in_language = language
        for name, value in values.items():
            if name in page.__dict__ and _structure(page.__dict__[name]) != _structure(value):
                # The original's blocks changed since it was translated (a question, an option, a video added):
                # its own, current content rather than a translation of an older one, whose answer keys and
                # blocks no longer match.
                continue
            # Through the field's descriptor: a StreamField turns what values() read into its blocks.
            setattr(carrying, name, value)
        shown.append(carrying)
    return shown


def _structure(value) -> list[str] | None:
    """A StreamField value's block ids, nested ones included, in order; None for a field that is not a stream."""
    raw = getattr(value, "raw_data", None)
    if raw is None and isinstance(value, str) and value.startswith("["):
        try:
            raw = json.loads(value)
        except ValueError:
            return None
    if raw is None:
        return None
    ids: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("id"), str):
                ids.append(node["id"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list | tuple):
            for child in node:
                walk(child)
        elif hasattr(node, "raw_data"):
            walk(list(node.raw_data))

    walk(list(raw))
    return ids


def content_language(page) -> str | None:
    """The language `page`'s text is in: its translation's where it carries one, else its own locale's."""
    shown = getattr(page, "shown_in_language", None)
    if shown:
        return shown
    locale_id = getattr(page, "locale_id", None)
    return _language_of_locale(locale_id) if locale_id is not None else None


def url_for_language(page: Page, page_path: str | None) -> str | None:
    """A page's path as Wagtail reversed it, under the active language's prefix (none for the site's own)."""
    if page_path is None:
        return None
    language = active_language()
    if in_original_language(language) or language not in {code for code, _ in settings.LANGUAGES}:
        return page_path
    prefix = f"/{language}"
    return page_path if page_path.startswith(prefix + "/") else prefix + page_path


class OneAddressPerLanguage:
    """For page models: a page's address is its original's, under the active language's prefix.

    Wagtail would give an original page its own language's address (no prefix) however the reader reads the
    site, so every link on a German page would lead back to English; and a translation the address of its own
    tree, which the site does not route through."""

    def save(self, *args, **kwargs):
        # A page carrying its translation's text is the original with other words in it: saving it would write
        # them over the original's.
        if getattr(self, "shown_in_language", None):
            raise RuntimeError("This page carries a translation's text for display; save the page itself.")
        return super().save(*args, **kwargs)  # type: ignore[misc]

    def get_url_parts(self, request=None):
        page: Page = self  # type: ignore[assignment]
        own_language = _language_of_locale(page.locale_id)
        if not in_original_language(own_language):
            original = original_of(page)
            if original.pk != page.pk:
                with translation.override(own_language):
                    return original.get_url_parts(request)
        parts = super().get_url_parts(request)  # type: ignore[misc]
        if parts is None:
            return None
        site_id, root_url, page_path = parts
        return site_id, root_url, url_for_language(page, page_path)


def _language_of_locale(locale_id: int) -> str:
    return _languages_by_locale_id().get(locale_id, settings.LANGUAGE_CODE)
