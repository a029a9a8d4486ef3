import pytest
from django.urls import reverse

from courses.tests.factories import make_course
from home.models import HomePage

pytestmark = pytest.mark.django_db


def test_the_home_page_editor_offers_the_marketing_blocks_and_the_share_image(client, admin_user, home_page):
    client.force_login(admin_user)

    response = client.get(reverse("wagtailadmin_pages:edit", args=[home_page.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    for label in ("Hero", "Feature grid", "Featured courses", "Testimonial", "Call to action", "Rich text"):
        assert label in html
    assert 'name="og_image"' in html
    assert 'name="seo_title"' in html and 'name="search_description"' in html


def block_preview(client, name: str) -> str:
    block = HomePage._meta.get_field("body").stream_block.child_blocks[name]
    response = client.get(reverse("wagtailadmin_block_preview"), {"id": block.definition_prefix})
    assert response.status_code == 200, name
    return response.content.decode()


@pytest.mark.parametrize(
    "name", ["hero", "feature_grid", "featured_courses", "testimonial", "call_to_action", "rich_text"]
)
def test_marketing_block_previews_render_with_the_site_stylesheet(client, admin_user, name):
    client.force_login(admin_user)

    assert "/static/css/site.css" in block_preview(client, name)


def test_the_featured_courses_preview_shows_real_courses(client, admin_user, catalogue):
    make_course(catalogue, title="Python basics", modules=0)
    client.force_login(admin_user)

    assert "Python basics" in block_preview(client, "featured_courses")
