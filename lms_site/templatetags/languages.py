"""`{% language_links as links %}`: this page in every language the site speaks (lms_site.i18n)."""

from django import template

from lms_site.i18n import LanguageLink
from lms_site.i18n import language_links as links_for

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context) -> list[LanguageLink]:
    request = context.get("request")
    return links_for(request) if request is not None else []
