"""Template tags for media: responsive images from ImageKit's CDN when configured, Wagtail renditions otherwise."""

from django import template
from django.conf import settings
from django.utils.html import format_html, format_html_join

from lms_site.renditions import RESPONSIVE_SPECS, RESPONSIVE_WIDTHS
from media_pipeline.backends import imagekit_client, imagekit_configured

register = template.Library()

# The width the plain src falls back to (browsers without srcset, and the width/height hints).
FALLBACK_WIDTH = 640


@register.simple_tag
def responsive_image(image, sizes="100vw", alt="", **attrs):
    """An <img> with a srcset of widths 320 to 1280, e.g.
    {% responsive_image page.cover sizes="(min-width: 64rem) 33vw, 100vw" alt="" class="w-full" %}

    ImageKit (set up with our MEDIA_URL as its origin) resizes the original file when configured; Wagtail
    renditions are used otherwise. Extra keyword arguments become attributes (class, loading, ...).
    """
    if not image:
        return ""
    candidates = _imagekit_candidates(image) if imagekit_configured() else _rendition_candidates(image)
    fallback = next((c for c in candidates if c[1] >= FALLBACK_WIDTH), candidates[-1])
    src, width, height = fallback
    attributes = {
        "src": src,
        "srcset": ", ".join(f"{url} {candidate_width}w" for url, candidate_width, _ in candidates),
        "sizes": sizes,
        "width": width,
        "height": height or None,
        "loading": "lazy",
        "decoding": "async",
        **{name.replace("_", "-"): value for name, value in attrs.items()},
    }
    # alt is always present: alt="" marks a decorative image, a missing alt makes screen readers read the URL.
    present = ((name, value) for name, value in attributes.items() if value is not None)
    rendered = format_html_join("", ' {}="{}"', present)
    return format_html('<img alt="{}"{}>', alt or "", rendered)


def _rendition_candidates(image) -> list[tuple[str, int, int]]:
    # One lookup for all widths, served from prefetched renditions when the caller prefetched them.
    renditions = image.get_renditions(*RESPONSIVE_SPECS)
    candidates: dict[int, tuple[str, int, int]] = {}
    for rendition in renditions.values():
        # Wagtail never enlarges, so a small original gives the same width more than once.
        candidates.setdefault(rendition.width, (rendition.url, rendition.width, rendition.height))
    return sorted(candidates.values(), key=lambda candidate: candidate[1])


def _imagekit_candidates(image) -> list[tuple[str, int, int]]:
    helper = imagekit_client().helper
    original_width, original_height = image.width or 0, image.height or 0
    widths = [width for width in RESPONSIVE_WIDTHS if not original_width or width <= original_width]
    widths = widths or [RESPONSIVE_WIDTHS[0]]
    candidates = []
    for width in widths:
        url = helper.build_url(
            src=image.file.name, url_endpoint=settings.IMAGEKIT_URL_ENDPOINT, transformation=[{"width": width}]
        )
        height = round(width * original_height / original_width) if original_width else 0
        candidates.append((url, width, height))
    return candidates
