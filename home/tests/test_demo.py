import pytest
from wagtail.models import Page, Revision

from courses.models import CourseIndexPage
from courses.tests.factories import make_course
from home.demo import TEAMS_PAGE_SLUG, seed_home_content
from home.models import HomePage, LandingPage
from home.tests import factories
from home.tests.factories import publish_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def courses(catalogue):
    return [make_course(catalogue, title=title, modules=0) for title in ("Python basics", "SQL", "Leading teams")]


def test_seeding_fills_the_home_page_and_publishes_it(client, home_page, catalogue, courses):
    seed_home_content(home_page=home_page, catalogue=catalogue, featured_courses=courses)

    home = HomePage.objects.get()
    assert [block.block_type for block in home.body] == [
        "hero",
        "feature_grid",
        "featured_courses",
        "testimonial",
        "call_to_action",
    ]
    assert home.body[0].value["link"]["page"].pk == catalogue.pk
    assert [course.pk for course in home.body[2].value["courses"]] == [course.pk for course in courses]
    assert not home.has_unpublished_changes
    html = client.get("/").content.decode()
    assert all(course.title in html for course in courses)


def test_seeding_creates_the_teams_landing_page_once(client, home_page, catalogue, courses):
    seed_home_content(home_page=home_page, catalogue=catalogue, featured_courses=courses)

    teams = LandingPage.objects.child_of(home_page).get(slug=TEAMS_PAGE_SLUG)
    assert teams.title == "Learnwell for teams"
    assert teams.live and not teams.show_in_menus
    assert teams.seo_title and teams.search_description
    assert teams.body
    response = client.get(teams.url)
    assert response.status_code == 200
    assert teams.seo_title in response.content.decode()


def test_seeding_puts_the_catalogue_in_the_menu_and_not_the_landing_page(client, home_page, catalogue, courses):
    seed_home_content(home_page=home_page, catalogue=catalogue, featured_courses=courses)

    assert CourseIndexPage.objects.get(pk=catalogue.pk).show_in_menus
    nav_titles = [page.title for page in client.get("/").context["nav_pages"]]
    assert nav_titles == ["Courses"]


def test_seeding_twice_adds_nothing(home_page, catalogue, courses):
    seed_home_content(home_page=home_page, catalogue=catalogue, featured_courses=courses)
    pages, revisions = Page.objects.count(), Revision.objects.count()

    seed_home_content(home_page=home_page, catalogue=catalogue, featured_courses=courses)

    assert Page.objects.count() == pages
    assert Revision.objects.count() == revisions


def test_seeding_leaves_an_existing_home_page_and_menu_setting_alone(home_page, catalogue, courses):
    publish_body(home_page, [factories.rich_text("<p>Our own words.</p>")])
    catalogue.show_in_menus = True
    catalogue.save_revision().publish()
    catalogue_revisions = Revision.page_revisions.filter(object_id=str(catalogue.pk)).count()

    seed_home_content(home_page=home_page, catalogue=catalogue, featured_courses=courses)

    home = HomePage.objects.get()
    assert [block.block_type for block in home.body] == ["rich_text"]
    assert Revision.page_revisions.filter(object_id=str(catalogue.pk)).count() == catalogue_revisions


def test_seeding_respects_an_unpublished_draft_of_the_home_page(home_page, catalogue, courses):
    home_page.body = [factories.rich_text("<p>Work in progress.</p>")]
    home_page.save_revision()

    seed_home_content(home_page=home_page, catalogue=catalogue, featured_courses=courses)

    draft = HomePage.objects.get().get_latest_revision_as_object()
    assert [block.block_type for block in draft.body] == ["rich_text"]
