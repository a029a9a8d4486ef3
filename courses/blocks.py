"""StreamField blocks for lesson bodies."""

import copy

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language_info, gettext
from django.utils.translation import gettext_lazy as _
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.models import Page
from wagtail.snippets.blocks import SnippetChooserBlock

from media_pipeline.sources import video_sources

# Rich text in lessons: enough to teach, not enough to break the page layout.
LESSON_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul", "code", "superscript", "subscript", "h3", "h4"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=120)
    size = blocks.ChoiceBlock(choices=[("h2", _("Section heading")), ("h3", _("Sub-heading"))], default="h2")

    class Meta:
        icon = "title"
        template = "courses/blocks/heading.html"
        description = _("A heading that also appears in the lesson's table of contents.")

    def get_preview_value(self):
        # Built when shown, so the block picker's example reads in the editor's language.
        return self.normalize({"text": gettext("Why this matters"), "size": "h2"})


class LessonImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(max_length=200, help_text=_("Describe the image for people who cannot see it."))
    caption = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "image"
        template = "courses/blocks/image.html"
        description = _("An image with a text alternative and an optional caption.")


class VideoBlock(blocks.StructBlock):
    url = blocks.URLBlock(help_text=_("A direct link to an MP4 or WebM file."))
    title = blocks.CharBlock(max_length=120)
    transcript = blocks.TextBlock(required=False, help_text=_("Shown below the player for accessibility."))

    class Meta:
        icon = "media"
        template = "courses/blocks/video.html"
        description = _("A video played in the browser's own player.")


class VideoAssetChooserBlock(SnippetChooserBlock):
    """Chooses a video from the media library; loads every video of a lesson with its poster in a fixed
    number of queries, so a lesson with many videos costs the same to render as one with a single video."""

    def bulk_to_python(self, values):
        found = self.model_class.objects.select_related("poster").prefetch_related("poster__renditions").in_bulk(values)
        seen, assets = set(), []
        for pk in values:
            asset = found.get(pk)
            # Two blocks placing the same video get separate instances, like Wagtail's own chooser blocks.
            assets.append(copy.copy(asset) if asset is not None and pk in seen else asset)
            seen.add(pk)
        return assets


class VideoAssetBlock(blocks.StructBlock):
    """A video from the media library, streamed through short-lived signed URLs to permitted viewers only."""

    asset = VideoAssetChooserBlock("media_pipeline.VideoAsset", help_text=_("A video from the media library."))
    complete_at_percent = blocks.IntegerBlock(
        required=False,
        min_value=1,
        max_value=100,
        label=_("Complete at (%)"),
        help_text=_(
            "Complete the lesson when a learner has watched this much; empty = learners mark it complete themselves."
        ),
    )

    class Meta:
        icon = "media"
        label = _("Video asset")
        template = "media_pipeline/blocks/video_asset.html"
        description = _("A video from the media library, with captions, that can complete the lesson when watched.")

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        asset = value["asset"]
        # Signed at render time: the lesson player renders the body only for viewers allowed to read it.
        context["sources"] = video_sources(asset=asset) if asset is not None else None
        context["captions_label"] = _language_name(asset.captions_language) if asset is not None else ""
        context["progress_url"] = _progress_url(value, parent_context or {}) if context["sources"] else None
        # Players on one page need distinct ids, and the player script comes once, however many videos there are.
        request = (parent_context or {}).get("request")
        count = getattr(request, "_video_players_rendered", 0)
        context["player_id"] = f"video-player-{count + 1}"
        context["load_player_script"] = count == 0
        if request is not None:
            request._video_players_rendered = count + 1
        return context


def _progress_url(value, parent_context) -> str | None:
    """Where the player reports watching, for an enrolled learner who has not completed the lesson yet."""
    player, lesson = parent_context.get("player"), parent_context.get("page")
    if not value["complete_at_percent"] or player is None or not isinstance(lesson, Page):
        return None
    if not (player.is_enrolled and player.access.can_read) or player.is_done:
        return None
    return reverse("media_pipeline:progress", args=[lesson.pk])


def _language_name(code: str) -> str:
    try:
        return get_language_info(code)["name_local"]
    except KeyError:
        return code


class ScormBlock(blocks.StructBlock):
    """A SCORM package from the SCORM library, played in a sandboxed frame served by this site.

    Named by its label only: the scorm app registers the package model, its files and the run-time API, so
    courses imports nothing of it."""

    package = SnippetChooserBlock("scorm.ScormPackage", help_text=_("A SCORM 1.2 or 2004 package from the library."))
    title = blocks.CharBlock(max_length=120, help_text=_("Names the frame for screen readers."))

    class Meta:
        icon = "folder-open-inverse"
        label = _("SCORM package")
        template = "scorm/blocks/scorm.html"
        description = _("A SCORM package whose completion and score count for the lesson.")

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        parent_context = parent_context or {}
        package, lesson, player = value["package"], parent_context.get("page"), parent_context.get("player")
        context["frame_url"] = context["state_url"] = None
        request = parent_context.get("request")
        context["sign_in"] = request is not None and not request.user.is_authenticated
        if package is None or not isinstance(lesson, Page) or player is None or not player.access.can_read:
            return context
        if context["sign_in"]:  # a free preview: the package's files and data are for signed-in people only
            return context
        launch_file, query_mark, query = package.launch_path.partition("?")
        frame_url = reverse("scorm:content", args=[package.pk, lesson.pk, launch_file])
        context["frame_url"] = frame_url + query_mark + query
        # Only an enrolled learner's session is stored; staff previews and free previews run unrecorded.
        context["state_url"] = reverse("scorm:state", args=[package.pk, lesson.pk])
        context["record"] = player.is_enrolled and not player.is_preview
        count = getattr(request, "_scorm_players_rendered", 0)
        context["load_runtime_script"] = count == 0
        if request is not None:
            request._scorm_players_rendered = count + 1
        return context


class DownloadBlock(blocks.StructBlock):
    document = DocumentChooserBlock()
    description = blocks.CharBlock(required=False, max_length=200)

    class Meta:
        icon = "doc-full"
        template = "courses/blocks/download.html"
        description = _("A file learners can download (slides, worksheets, data).")


class CodeBlock(blocks.StructBlock):
    language = blocks.ChoiceBlock(
        choices=[
            ("python", "Python"),
            ("javascript", "JavaScript"),
            ("html", "HTML"),
            ("css", "CSS"),
            ("sql", "SQL"),
            ("bash", _("Shell")),
            ("json", "JSON"),
            ("text", _("Plain text")),
        ],
        default="python",
    )
    code = blocks.TextBlock()
    caption = blocks.CharBlock(required=False, max_length=200)

    class Meta:
        icon = "code"
        template = "courses/blocks/code.html"
        preview_value = {"language": "python", "code": "print('hello, learner')"}
        description = _("Source code, highlighted on the server.")

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        lexer = get_lexer_by_name(value["language"], stripall=False)
        context["highlighted"] = mark_safe(highlight(value["code"], lexer, HtmlFormatter(nowrap=True)))  # noqa: S308
        return context


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[("info", _("Note")), ("tip", _("Tip")), ("warning", _("Warning"))], default="info"
    )
    title = blocks.CharBlock(required=False, max_length=120)
    body = blocks.RichTextBlock(features=["bold", "italic", "link", "code", "ul", "ol"])

    class Meta:
        icon = "help"
        template = "courses/blocks/callout.html"
        description = _("A highlighted note, tip or warning.")

    def get_preview_value(self):
        # Built when shown, so the block picker's example reads in the editor's language.
        return self.normalize(
            {"kind": "tip", "title": gettext("Tip"), "body": format_html("<p>{}</p>", gettext("Save your work often."))}
        )


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock()
    attribution = blocks.CharBlock(required=False, max_length=120)

    class Meta:
        icon = "openquote"
        template = "courses/blocks/quote.html"
        description = _("A quotation with its source.")

    def get_preview_value(self):
        # Built when shown, so the block picker's example reads in the editor's language.
        return self.normalize(
            {"quote": gettext("Tell me and I forget; teach me and I may remember."), "attribution": gettext("Proverb")}
        )


class LessonBodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    rich_text = blocks.RichTextBlock(
        features=LESSON_TEXT_FEATURES, icon="pilcrow", template="courses/blocks/rich_text.html"
    )
    image = LessonImageBlock()
    video = VideoBlock()
    video_asset = VideoAssetBlock()
    scorm = ScormBlock()
    download = DownloadBlock()
    code = CodeBlock()
    callout = CalloutBlock()
    quote = QuoteBlock()
    embed = EmbedBlock(
        icon="media", help_text=_("A YouTube, Vimeo or other oEmbed link."), template="courses/blocks/embed.html"
    )
