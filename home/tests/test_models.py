import pytest
from wagtail.models import Page

from courses.models import CourseIndexPage, CoursePage
from home.models import HomePage, LandingPage
from home.tests import factories
from home.tests.factories import publish_body

pytestmark = pytest.mark.django_db


def test_the_migration_leaves_one_live_home_page_as_the_site_root(home_page):
    assert home_page.depth == 2
    assert home_page.live
    assert home_page.get_site().root_page_id == home_page.pk


def test_landing_pages_go_under_the_home_page_and_under_each_other(home_page):
    assert LandingPage.can_create_at(home_page)
    landing = home_page.add_child(instance=LandingPage(title="Spring offer", slug="spring"))
    assert LandingPage.can_create_at(landing)


def test_the_catalogue_goes_under_the_home_page_but_not_under_a_landing_page(home_page):
    landing = home_page.add_child(instance=LandingPage(title="Spring offer", slug="spring"))
    assert CourseIndexPage.can_create_at(home_page)
    assert not CourseIndexPage.can_create_at(landing)
    assert not CoursePage.can_create_at(landing)


def test_landing_pages_need_a_marketing_parent():
    root = Page.get_first_root_node()
    assert not LandingPage.can_create_at(root)


def test_there_is_only_ever_one_home_page(home_page):
    root = Page.get_first_root_node()
    assert HomePage.can_exist_under(root)
    assert not HomePage.can_create_at(root)
    assert not HomePage.can_create_at(home_page)


def test_the_page_title_is_the_heading_unless_a_hero_comes_first(home_page):
    assert not home_page.starts_with_hero
    publish_body(
        home_page, [factories.call_to_action(url="https://example.com/"), factories.hero(url="https://example.com/")]
    )
    assert not home_page.starts_with_hero
    publish_body(home_page, [factories.hero(url="https://example.com/")])
    assert home_page.starts_with_hero


def test_marketing_pages_search_their_body(home_page):
    search_fields = {field.field_name for field in LandingPage.search_fields}
    assert "body" in search_fields
    assert {"body"} <= {field.field_name for field in HomePage.search_fields}


def test_the_social_share_image_is_in_the_promote_tab():
    promote_tab = LandingPage.get_edit_handler().children[1]
    assert promote_tab.heading == "Promote"
    field_names = set(promote_tab.get_form_options()["fields"])
    assert {"seo_title", "search_description", "og_image"} <= field_names
