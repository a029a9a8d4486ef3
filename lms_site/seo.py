"""How a page's title tag reads, and the "For search engines" panel that tells editors so.

The site name follows the page's own title once: an editor who already ended the SEO title with it (as many
style guides ask) gets no second copy. Every page type that renders through base.html uses these panels, so
the help text describes what the template does.
"""

from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy
from wagtail.admin.panels import FieldPanel, MultiFieldPanel

SEPARATOR = " · "


def title_tag(page_title: str, site_name: str) -> str:
    """`page_title · site_name`, unless the title already ends with the site name (any case) or is empty."""
    page_title = page_title.strip()
    if not page_title:
        return site_name
    if page_title.casefold().endswith(site_name.casefold()):
        return page_title
    return f"{page_title}{SEPARATOR}{site_name}"


def _seo_title_help() -> str:
    return gettext(
        "Shown in the browser tab and as the headline in search results instead of the page title. "
        "The site name, “%(site)s”, is added after it unless it already ends with “%(site)s”: no need to type it."
    ) % {"site": settings.WAGTAIL_SITE_NAME}


# Evaluated when the admin renders the form, in the editor's language.
SEO_TITLE_HELP = lazy(_seo_title_help, str)()


def promote_panels() -> list:
    """Wagtail's promote panels (slug, SEO title, description, menus) with the title tag's rule explained."""
    return [
        MultiFieldPanel(
            [FieldPanel("slug"), FieldPanel("seo_title", help_text=SEO_TITLE_HELP), FieldPanel("search_description")],
            # Wagtail's own headings, so its translations apply.
            heading=gettext_lazy("For search engines"),
        ),
        MultiFieldPanel([FieldPanel("show_in_menus")], heading=gettext_lazy("For site menus")),
    ]
