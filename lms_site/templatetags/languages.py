"""`{% language_links as links %}`: this page in every language the site speaks (lms_site.i18n)."""

from django import template
from django.utils.translation import get_language

from lms_site.i18n import LanguageLink
from lms_site.i18n import language_links as links_for

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context) -> list[LanguageLink]:
    request = context.get("request")
    return links_for(request) if request is not None else []


@register.simple_tag
def content_lang(page) -> str:
    """` lang="en"` where a page's text is not in the language around it (an untranslated page under /ar/), so a
    screen reader reads it with the right voice; nothing where they agree."""
    from django.utils.html import format_html

    from lms_site.translated_pages import content_language

    language = content_language(page)
    return format_html(' lang="{}"', language) if language and language != get_language() else ""
