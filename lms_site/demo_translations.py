"""The demo's German and Arabic pages, made as an editor makes them: with wagtail-localize, segment by segment.

The texts live in demo_texts/<language>.json, keyed by the English segment; a segment without a translation keeps
the English (wagtail-localize's fallback), as an editor's half-finished translation would.
"""

import json
from pathlib import Path

from django.db import transaction
from wagtail.models import Locale, Page

TEXTS = Path(__file__).resolve().parent / "demo_texts"


def demo_pages(*, home: Page, course_slug: str) -> list[Page]:
    """What the demo translates, parents first: the home page, the catalogue, and one course with all inside it."""
    catalogue = home.get_children().first()
    course = Page.objects.filter(slug=course_slug, locale=home.locale).first()
    pages = [home]
    if catalogue is not None:
        pages.append(catalogue)
    if course is not None:
        pages.extend([course, *course.get_descendants().order_by("path")])
    return [page.specific for page in pages]


def texts_for(language: str) -> dict[str, str]:
    path = TEXTS / f"{language}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


@transaction.atomic
def translate_pages(pages: list[Page], *, language: str, texts: dict[str, str], only_missing: bool = False) -> int:
    """Translates and publishes each page into `language` with `texts`; returns how many segments were found
    translated. Run again, it updates the translations (the texts or the English may have changed), unless
    `only_missing`: then pages already translated into `language` are left as they are."""
    from wagtail_localize.models import Translation, TranslationSource  # type: ignore[import-untyped]

    locale = Locale.objects.get(language_code=language)
    translated = 0
    for page in pages:
        if only_missing and page.get_translation_or_none(locale) is not None:
            continue
        source, _created = TranslationSource.get_or_create_from_instance(page)
        source.update_from_db()
        translation, _created = Translation.objects.get_or_create(
            source=source, target_locale=locale, defaults={"enabled": True}
        )
        po = translation.export_po()
        for entry in po:
            if entry.msgctxt == "slug":
                # Readers never see it (every language uses the original's address); editors and queries by
                # slug tell the translation from the original by it.
                entry.msgstr = f"{entry.msgid}-{language}"
                continue
            entry.msgstr = texts.get(entry.msgid, "")
            translated += bool(entry.msgstr)
        translation.import_po(po)
        # Saved as a draft, then published from a fresh copy of its revision: wagtail-localize publishes on
        # commit from the revision it made, whose page still counts the children it had then, and publishing it
        # after its translated children were added would write that stale count back into the tree.
        translation.save_target(publish=False)
        target = source.get_translated_instance(locale)
        Page.objects.get(pk=target.pk).get_latest_revision().publish()
    return translated


DEMO_COURSE = "python-for-data-analysis"


def translate_demo(*, home: Page) -> dict[str, int]:
    """The demo's home page, catalogue and Python course in every language with demo texts."""
    pages = demo_pages(home=home, course_slug=DEMO_COURSE)
    done = {}
    for language in ("de", "ar"):
        texts = texts_for(language)
        if texts and Locale.objects.filter(language_code=language).exists():
            # Only what is missing: seed_demo run again adds nothing.
            done[language] = translate_pages(pages, language=language, texts=texts, only_missing=True)
    return done


def source_segments(pages: list[Page]) -> list[str]:
    """Every English text segment of `pages`, in order, once: what demo_texts/<language>.json translates."""
    from wagtail_localize.models import TranslationSource

    seen: dict[str, None] = {}
    for page in pages:
        source, _created = TranslationSource.get_or_create_from_instance(page)
        source.update_from_db()
        for segment in source.stringsegment_set.order_by("order").select_related("string"):
            seen.setdefault(segment.string.data, None)
    return list(seen)
