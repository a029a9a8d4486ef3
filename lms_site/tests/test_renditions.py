"""Cards' cover renditions for a whole page: one query when the cache misses, none when it has them."""

import pytest
from wagtail.images import get_image_model

from home.tests.factories import make_image
from lms_site.renditions import RESPONSIVE_SPECS, load_renditions

pytestmark = pytest.mark.django_db


def urls(image) -> dict[str, str]:
    return {str(spec): rendition.url for spec, rendition in image.get_renditions(*RESPONSIVE_SPECS).items()}


def fresh(image):
    return get_image_model().objects.get(pk=image.pk)


@pytest.fixture
def images_with_renditions():
    """Two images whose renditions exist in the database, none of them in the cache."""
    images = [make_image("First"), make_image("Second", size=(1600, 900))]
    expected = [urls(fresh(image)) for image in images]  # Wagtail creates them, and caches them
    for image in images:
        for rendition in get_image_model().get_rendition_model().objects.filter(image=image):
            rendition.purge_from_cache()
    return images, expected


def test_one_query_for_every_image_then_none_once_cached(images_with_renditions, django_assert_num_queries):
    images, expected = images_with_renditions
    # The first image twice, as two cards of one page show it through two instances.
    cards = [fresh(images[0]), fresh(images[1]), fresh(images[0]), None]

    with django_assert_num_queries(1):
        load_renditions(cards)
        shown = [urls(image) for image in cards[:3]]
    assert shown == [expected[0], expected[1], expected[0]]
    assert all(rendition.image is cards[2] for rendition in cards[2].prefetched_renditions)

    again = [fresh(images[0]), fresh(images[1])]
    with django_assert_num_queries(0):
        load_renditions(again)
        assert [urls(image) for image in again] == expected


def test_no_image_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        load_renditions([None, None])
