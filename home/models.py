from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index
from wagtail.url_routing import RouteResult

from courses.models import LessonPage
from lms_site import seo, translated_pages
from lms_site.page_cache import cache_for_visitors
from lms_site.translated_pages import OriginalsPageManager

from .blocks import MarketingBlock

if TYPE_CHECKING:
    from wagtail.images.models import Image


class MarketingPage(translated_pages.OneAddressPerLanguage, Page):
    """What the home page and landing pages share: a body of marketing blocks and a social share image."""

    # `.originals()` lists a page once, not once per language (lms_site/translated_pages.py).
    objects = OriginalsPageManager()

    body = StreamField(MarketingBlock(), blank=True)
    # Spelled out: Page is Any to mypy, so django-stubs cannot infer the type of a field declared on its subclass.
    og_image: "models.ForeignKey[Image | None, Image | None]" = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("social share image"),
        help_text=_("Shown when the page is shared on social media; cropped to 1200×630."),
    )

    content_panels = Page.content_panels + [FieldPanel("body")]
    promote_panels = seo.promote_panels() + [MultiFieldPanel([FieldPanel("og_image")], heading=_("For social media"))]
    search_fields = Page.search_fields + [index.SearchField("body")]

    class Meta:
        abstract = True

    @cache_for_visitors  # course cards reach lms_site.page_cache.invalidate() through publishing
    def serve(self, request, *args, **kwargs):
        return super().serve(request, *args, **kwargs)

    @property
    def starts_with_hero(self) -> bool:
        """A leading hero carries the page's main heading; otherwise the template shows the title."""
        return bool(self.body) and self.body[0].block_type == "hero"


class HomePage(MarketingPage):
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CourseIndexPage", "home.LandingPage"]
    page_description = _("The site's front page. There is only one.")

    def route(self, request, path_components):
        # Every language routes through the original tree, and the page found carries the text of its translation
        # in the URL's language (lms_site/translated_pages.py). A translated home is where Wagtail starts for
        # /de/ once one exists.
        home = translated_pages.original_of(self)
        if home.pk != self.pk:
            return home.route(request, path_components)
        # A lesson (catalogue/course/module/lesson) in one query rather than two at each of four levels.
        lesson = LessonPage.live_at(parent=self, path_components=path_components)
        found = RouteResult(lesson) if lesson is not None else super().route(request, path_components)
        page, args, kwargs = found
        return RouteResult(translated_pages.in_language(page), args, kwargs)


class LandingPage(MarketingPage):
    parent_page_types = ["home.HomePage", "home.LandingPage"]
    subpage_types = ["home.LandingPage"]
    page_description = _("A campaign or audience page built from marketing blocks.")
