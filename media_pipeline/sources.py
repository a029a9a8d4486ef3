"""The signed sources of a ready video, for the lesson body's video block.

Apart from selectors because courses' blocks render it, and selectors reads courses' pages: this module
imports nothing of courses, so courses can import it.
"""

from dataclasses import dataclass

from django.conf import settings

from .backends import LocalBackend, backend_named
from .models import VideoAsset


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
