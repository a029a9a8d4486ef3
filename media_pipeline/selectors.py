"""The read side of media: where an asset is used, and the signed sources a permitted viewer gets."""

from dataclasses import dataclass

from django.conf import settings
from wagtail.models import ReferenceIndex

from .backends import LocalBackend, backend_named
from .models import VideoAsset


@dataclass(frozen=True)
class Usage:
    title: str
    edit_url: str | None


def asset_usage(*, asset: VideoAsset) -> list[Usage]:
    """The pages (and other objects) whose content places this asset, as Wagtail's reference index knows."""
    usages = []
    for source, _references in ReferenceIndex.get_grouped_references_to(asset):
        edit_url = None
        if hasattr(source, "get_admin_display_title"):
            from django.urls import reverse

            edit_url = reverse("wagtailadmin_pages:edit", args=[source.pk])
        usages.append(Usage(str(getattr(source, "title", source)), edit_url))
    return usages


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
