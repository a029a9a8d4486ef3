"""`{% title_tag page %}`: the <title> of a page, with the site name once (lms_site.seo)."""

from django import template
from django.conf import settings

from lms_site import seo

register = template.Library()


@register.simple_tag
def title_tag(page=None) -> str:
    site_name = settings.WAGTAIL_SITE_NAME
    if not page:
        return site_name
    own_title = getattr(page, "seo_title", "") or getattr(page, "title", "")
    return seo.title_tag(own_title, site_name)
