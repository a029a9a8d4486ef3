"""StreamField blocks marketers build the home page and landing pages from."""

from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.images.blocks import ImageBlock

from courses.models import CoursePage
from lms_site.replicas import replica_reads

# Rendered with the site's stylesheet, so the block picker shows what visitors will see.
PREVIEW_TEMPLATE = "home/blocks/preview.html"

# No h1: the page's one main heading is the leading hero's or the page title.
MARKETING_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "link", "ol", "ul"]


class LinkValue(blocks.StructValue):
    @property
    def href(self) -> str:
        """Where the link goes; empty when it points at a page that is no longer live."""
        page = self.get("page")
        if page is not None:
            return (page.url or "") if page.live else ""
        return self.get("url") or ""


class LinkBlock(blocks.StructBlock):
    """A link to a page on this site or to another site: exactly one of the two."""

    page = blocks.PageChooserBlock(required=False, help_text=_("A page on this site…"))
    url = blocks.URLBlock(required=False, label=_("URL"), help_text=_("…or the full address of another site."))

    class Meta:
        icon = "link"
        value_class = LinkValue
        description = _("A link to a page on this site or to another website.")

    def clean(self, value):
        value = super().clean(value)
        has_page, has_url = bool(value.get("page")), bool(value.get("url"))
        if has_page and has_url:
            raise StructBlockValidationError(
                non_block_errors=ErrorList([ValidationError(gettext("Choose a page or enter a URL, not both."))])
            )
        if not has_page and not has_url:
            raise StructBlockValidationError(
                non_block_errors=ErrorList([ValidationError(gettext("Choose a page or enter a URL for this link."))])
            )
        return value


class MarketingStructBlock(blocks.StructBlock):
    class Meta:
        preview_template = PREVIEW_TEMPLATE


class HeroBlock(MarketingStructBlock):
    heading = blocks.CharBlock(max_length=100)
    text = blocks.TextBlock(max_length=300, help_text=_("One or two sentences that say who this is for."))
    image = ImageBlock(required=False)
    button_label = blocks.CharBlock(max_length=40, label=_("Call-to-action label"))
    link = LinkBlock(label=_("Call-to-action link"))

    class Meta:
        icon = "pick"
        template = "home/blocks/hero.html"
        description = _("The opening banner: a headline, a sentence, a button and an optional image.")

    def get_preview_value(self):
        # Built when shown, so the block picker's example reads in the editor's language.
        return self.normalize(
            {
                "heading": gettext("Learn the skills your next role asks for"),
                "text": gettext(
                    "Short, practical courses written by working trainers. Start free, learn at your own pace."
                ),
                "button_label": gettext("Browse courses"),
                "link": {"url": "https://example.com/courses/"},
            }
        )


class FeatureBlock(blocks.StructBlock):
    icon = blocks.CharBlock(
        required=False, max_length=16, help_text=_("An emoji shown above the title, e.g. 🎯. Screen readers skip it.")
    )
    title = blocks.CharBlock(max_length=80)
    text = blocks.TextBlock(max_length=300)

    class Meta:
        icon = "tick-inverse"
        label = _("Feature")


class FeatureGridBlock(MarketingStructBlock):
    heading = blocks.CharBlock(max_length=100)
    intro = blocks.TextBlock(required=False, max_length=300)
    features = blocks.ListBlock(FeatureBlock(), min_num=1, max_num=12)

    class Meta:
        icon = "grid"
        template = "home/blocks/feature_grid.html"
        description = _("A heading and a grid of short selling points.")

    def get_preview_value(self):
        # Built when shown, so the block picker's example reads in the editor's language.
        return self.normalize(
            {
                "heading": gettext("Why learners choose us"),
                "features": [
                    {
                        "icon": "🎯",
                        "title": gettext("Practical"),
                        "text": gettext("Every lesson ends with something you can use at work."),
                    },
                    {
                        "icon": "⏱️",
                        "title": gettext("Flexible"),
                        "text": gettext("Learn in short sessions that fit around your week."),
                    },
                    {
                        "icon": "🏅",
                        "title": gettext("Recognised"),
                        "text": gettext("Earn a verifiable certificate when you finish."),
                    },
                ],
            }
        )


class FeaturedCoursesBlock(MarketingStructBlock):
    heading = blocks.CharBlock(max_length=100)
    intro = blocks.TextBlock(required=False, max_length=300)
    courses = blocks.ListBlock(blocks.PageChooserBlock(page_type="courses.CoursePage"), min_num=1, max_num=12)

    class Meta:
        icon = "list-ul"
        template = "home/blocks/featured_courses.html"
        description = _("Course cards for hand-picked courses. Courses that are not published are left out.")

    def get_preview_value(self):
        # Real courses make a truthful preview; a placeholder course would need a page that does not exist.
        recent = CoursePage.objects.live().public().originals().order_by("-first_published_at")[:3]
        return self.normalize({"heading": gettext("Popular right now"), "courses": list(recent)})

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        user = getattr(parent_context.get("request") if parent_context else None, "user", None)
        visitor = user is not None and not user.is_authenticated
        with replica_reads(allowed=visitor):  # as the catalogue: visitors' cards may be a second old
            context["courses"] = live_courses_for_cards(value["courses"])
        return context


def live_courses_for_cards(chosen) -> list:
    """The chosen courses that visitors may see, in the editor's order, loaded with what a card shows.

    One query (plus one for cover renditions) however many courses are chosen, because the pages
    the chooser loaded do not carry the category, cover image or its renditions.
    """
    ids = list(dict.fromkeys(page.pk for page in chosen if page is not None))
    if not ids:
        return []
    by_id = (
        CoursePage.objects.live()
        .public()
        .select_related("category", "cover_image")
        .prefetch_related("cover_image__renditions")
        .in_bulk(ids)
    )
    return [by_id[pk] for pk in ids if pk in by_id]


class TestimonialBlock(MarketingStructBlock):
    quote = blocks.TextBlock(max_length=500)
    name = blocks.CharBlock(max_length=80, label=_("Person's name"))
    role = blocks.CharBlock(max_length=120, help_text=_("Job title and organisation, e.g. “Data analyst, Acme”."))
    image = ImageBlock(required=False, label=_("Portrait"))

    class Meta:
        icon = "openquote"
        template = "home/blocks/testimonial.html"
        description = _("A quotation from a learner or client, with their name and role.")

    def get_preview_value(self):
        # Built when shown, so the block picker's example reads in the editor's language.
        return self.normalize(
            {
                "quote": gettext("I finished the SQL course in three weeks of lunch breaks and use it every day now."),
                "name": "Priya Raman",
                "role": gettext("Operations analyst, Northwind"),
            }
        )


class CallToActionBlock(MarketingStructBlock):
    heading = blocks.CharBlock(max_length=100)
    text = blocks.TextBlock(required=False, max_length=300)
    button_label = blocks.CharBlock(max_length=40)
    link = LinkBlock()

    class Meta:
        icon = "link-external"
        template = "home/blocks/call_to_action.html"
        description = _("A banner that asks the visitor to take one action, with a single button.")

    def get_preview_value(self):
        # Built when shown, so the block picker's example reads in the editor's language.
        return self.normalize(
            {
                "heading": gettext("Ready to start?"),
                "text": gettext("Create a free account and try any course's preview lessons today."),
                "button_label": gettext("Sign up free"),
                "link": {"url": "https://example.com/accounts/sign-up/"},
            }
        )


class MarketingRichTextBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault("features", MARKETING_TEXT_FEATURES)
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        label = _("Rich text")
        template = "home/blocks/rich_text.html"
        preview_template = PREVIEW_TEMPLATE
        description = _("Formatted text: paragraphs, sub-headings, lists and links.")

    def get_preview_value(self):
        # Built when shown, so the block picker's example reads in the editor's language.
        return self.normalize(
            format_html(
                "<h2>{}</h2><p>{}</p>",
                gettext("About Learnwell"),
                gettext("We write courses with the people who do the work."),
            )
        )


class MarketingBlock(blocks.StreamBlock):
    hero = HeroBlock()
    feature_grid = FeatureGridBlock()
    featured_courses = FeaturedCoursesBlock()
    testimonial = TestimonialBlock()
    call_to_action = CallToActionBlock()
    rich_text = MarketingRichTextBlock()
