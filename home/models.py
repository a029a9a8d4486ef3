from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page

from .blocks import MarketingBlock


class HomePage(Page):
    body = StreamField(MarketingBlock(), blank=True)

    content_panels = Page.content_panels + [FieldPanel("body")]

    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CourseIndexPage", "home.LandingPage"]


class LandingPage(Page):
    body = StreamField(MarketingBlock(), blank=True)

    content_panels = Page.content_panels + [FieldPanel("body")]

    parent_page_types = ["home.HomePage", "home.LandingPage"]
    subpage_types = ["home.LandingPage"]
