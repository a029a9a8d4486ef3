"""StreamField blocks for lesson bodies."""

from django.utils.safestring import mark_safe
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

# Rich text in lessons: enough to teach, not enough to break the page layout.
LESSON_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul", "code", "superscript", "subscript", "h3", "h4"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=120)
    size = blocks.ChoiceBlock(choices=[("h2", "Section heading"), ("h3", "Sub-heading")], default="h2")

    class Meta:
        icon = "title"
        template = "courses/blocks/heading.html"
        preview_value = {"text": "Why this matters", "size": "h2"}
        description = "A heading that also appears in the lesson's table of contents."


class LessonImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(max_length=200, help_text="Describe the image for people who cannot see it.")
    caption = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "image"
        template = "courses/blocks/image.html"
        description = "An image with a text alternative and an optional caption."


class VideoBlock(blocks.StructBlock):
    url = blocks.URLBlock(help_text="A direct link to an MP4 or WebM file.")
    title = blocks.CharBlock(max_length=120)
    transcript = blocks.TextBlock(required=False, help_text="Shown below the player for accessibility.")

    class Meta:
        icon = "media"
        template = "courses/blocks/video.html"
        description = "A video played in the browser's own player."


class DownloadBlock(blocks.StructBlock):
    document = DocumentChooserBlock()
    description = blocks.CharBlock(required=False, max_length=200)

    class Meta:
        icon = "doc-full"
        template = "courses/blocks/download.html"
        description = "A file learners can download (slides, worksheets, data)."


class CodeBlock(blocks.StructBlock):
    language = blocks.ChoiceBlock(
        choices=[
            ("python", "Python"),
            ("javascript", "JavaScript"),
            ("html", "HTML"),
            ("css", "CSS"),
            ("sql", "SQL"),
            ("bash", "Shell"),
            ("json", "JSON"),
            ("text", "Plain text"),
        ],
        default="python",
    )
    code = blocks.TextBlock()
    caption = blocks.CharBlock(required=False, max_length=200)

    class Meta:
        icon = "code"
        template = "courses/blocks/code.html"
        preview_value = {"language": "python", "code": "print('hello, learner')"}
        description = "Source code, highlighted on the server."

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        lexer = get_lexer_by_name(value["language"], stripall=False)
        context["highlighted"] = mark_safe(highlight(value["code"], lexer, HtmlFormatter(nowrap=True)))  # noqa: S308
        return context


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(choices=[("info", "Note"), ("tip", "Tip"), ("warning", "Warning")], default="info")
    title = blocks.CharBlock(required=False, max_length=120)
    body = blocks.RichTextBlock(features=["bold", "italic", "link", "code", "ul", "ol"])

    class Meta:
        icon = "help"
        template = "courses/blocks/callout.html"
        preview_value = {"kind": "tip", "title": "Tip", "body": "<p>Save your work often.</p>"}
        description = "A highlighted note, tip or warning."


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock()
    attribution = blocks.CharBlock(required=False, max_length=120)

    class Meta:
        icon = "openquote"
        template = "courses/blocks/quote.html"
        preview_value = {"quote": "Tell me and I forget; teach me and I may remember.", "attribution": "Proverb"}
        description = "A quotation with its source."


class LessonBodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    rich_text = blocks.RichTextBlock(
        features=LESSON_TEXT_FEATURES, icon="pilcrow", template="courses/blocks/rich_text.html"
    )
    image = LessonImageBlock()
    video = VideoBlock()
    download = DownloadBlock()
    code = CodeBlock()
    callout = CalloutBlock()
    quote = QuoteBlock()
    embed = EmbedBlock(
        icon="media", help_text="A YouTube, Vimeo or other oEmbed link.", template="courses/blocks/embed.html"
    )
