"""The renditions a page of image cards needs, for all its images at once, from Wagtail's rendition cache first.

Prefetching `renditions` on each queryset costs one query per list of cards, on every request, and Wagtail
never caches what was prefetched. Here the cache is read for every image in one round trip and only the images it
misses are read from the database, in one query, and written back: a warm page reads no rendition at all.
"""

import copy
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from wagtail.images import get_image_model
from wagtail.images.models import Filter

# The widths {% responsive_image %} (media_pipeline) offers in its srcset.
RESPONSIVE_WIDTHS = (320, 640, 960, 1280)
RESPONSIVE_SPECS = tuple(f"width-{width}" for width in RESPONSIVE_WIDTHS)


def load_renditions(images: Iterable[Any], specs: Iterable[str] = RESPONSIVE_SPECS) -> None:
    """Gives each image (None is skipped) its renditions for `specs`, so rendering them reads nothing more.

    Images whose renditions are all cached get those; the others get what the database holds (Wagtail creates
    any still missing when the page asks for it, as it would with a prefetch). At most one query.
    """
    if settings.IMAGEKIT_PRIVATE_KEY and settings.IMAGEKIT_URL_ENDPOINT:
        return  # ImageKit's CDN resizes the originals (media_pipeline.backends): no rendition is read
    images = [image for image in images if image is not None]
    if not images:
        return
    rendition_model = get_image_model().get_rendition_model()
    filters = [Filter(spec) for spec in specs]
    keys = {
        id(image): [
            rendition_model.construct_cache_key(image, image_filter.get_cache_key(image), image_filter.spec)
            for image_filter in filters
        ]
        for image in images
    }
    cached = rendition_model.cache_backend.get_many([key for image_keys in keys.values() for key in image_keys])
    missing = []
    for image in images:
        found = [cached[key] for key in keys[id(image)] if key in cached]
        if len(found) == len(filters):
            for rendition in found:
                rendition.image = image  # as Wagtail does with a cached rendition: the image's own alt text
            image.prefetched_renditions = found
        else:
            missing.append(image)
    if not missing:
        return
    by_image: dict[int, list[Any]] = defaultdict(list)
    specs_wanted = [image_filter.spec for image_filter in filters]
    for rendition in rendition_model.objects.filter(
        image_id__in={image.pk for image in missing}, filter_spec__in=specs_wanted
    ):
        by_image[rendition.image_id].append(rendition)
    additions = {}
    for image in missing:
        renditions = [_copy_for(rendition, image) for rendition in by_image.get(image.pk, [])]
        image.prefetched_renditions = renditions
        for rendition in renditions:
            image_filter = Filter(rendition.filter_spec)
            # Only a rendition of the image's current focal point is the one its cache key names.
            if rendition.focal_point_key == image_filter.get_cache_key(image):
                additions[
                    rendition_model.construct_cache_key(image, rendition.focal_point_key, rendition.filter_spec)
                ] = rendition
    if additions:
        rendition_model.cache_backend.set_many(additions)


def _copy_for(rendition: Any, image: Any) -> Any:
    # Several cards may show one image through distinct instances; each gets a rendition pointing at itself.
    copied = copy.copy(rendition)
    copied.image = image
    return copied
