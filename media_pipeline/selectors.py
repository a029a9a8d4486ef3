"""The read side of media: where an asset is used, and the signed sources a permitted viewer gets."""

import json
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from wagtail.models import ReferenceIndex

from courses.models import LessonPage

from .backends import LocalBackend, backend_named
from .models import VideoAsset


@dataclass(frozen=True)
class Usage:
    title: str
    edit_url: str | None


def asset_usage(*, asset: VideoAsset) -> list[Usage]:
    """The pages whose content places this asset: saved content from Wagtail's reference index, plus drafts
    (the index does not read unpublished revisions, and publishing one later would bring the asset back)."""
    pages = {}
    for source, _references in ReferenceIndex.get_grouped_references_to(asset):
        pages[source.pk] = source
    drafts = LessonPage.objects.filter(has_unpublished_changes=True).exclude(pk__in=pages)
    for lesson in drafts.select_related("latest_revision").only("pk", "title", "latest_revision__content"):
        if lesson.latest_revision and _places(lesson.latest_revision.content.get("body"), asset.pk):
            pages[lesson.pk] = lesson
    return [
        Usage(str(getattr(page, "title", page)), reverse("wagtailadmin_pages:edit", args=[page.pk]))
        for page in pages.values()
    ]


def _places(body, asset_id: int) -> bool:
    blocks = json.loads(body) if isinstance(body, str) else body or []
    return any(
        block.get("type") == "video_asset" and (block.get("value") or {}).get("asset") == asset_id for block in blocks
    )


@dataclass(frozen=True)
class VideoSources:
    src: str
    content_type: str
    poster_url: str | None
    captions_url: str | None
    captions_language: str


def video_sources(*, asset: VideoAsset) -> VideoSources | None:
    """Signed, expiring URLs for a ready asset. Call only for a viewer allowed to see the lesson."""
    if not asset.is_ready:
        return None
    ttl = settings.MEDIA_SIGNED_URL_SECONDS
    video_backend = backend_named(asset.backend)
    poster = asset.poster.get_rendition("width-1280").url if asset.poster else None
    captions = LocalBackend().url(asset.captions.name, expires_in=ttl) if asset.captions else None
    return VideoSources(
        src=video_backend.url(asset.remote_path, expires_in=ttl),
        content_type=asset.content_type,
        poster_url=poster,
        captions_url=captions,
        captions_language=asset.captions_language,
    )
