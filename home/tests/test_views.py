import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.tests.factories import make_course
from home.models import LandingPage
from home.tests import factories
from home.tests.factories import make_image, publish_body

pytestmark = pytest.mark.django_db

# Site, page and privacy lookups (the header's menu comes from the cache); the pages and images the body's
# choosers point at; then, for each featured courses block, its live courses with their cards' relations and
# cover renditions.
HOME_PAGE_QUERY_BUDGET = 14


def headings(html: str) -> list[str]:
    return re.findall(r"<(h[1-6])\b", html)


def test_the_home_page_renders_every_block_type(client, home_page, catalogue):
    live = make_course(catalogue, title="Python basics", modules=0)
    draft = make_course(catalogue, title="Secret draft course", modules=0, publish=False)
    photo = make_image("Trainer at a whiteboard")
    publish_body(
        home_page,
        [
            factories.hero(
                heading="Learn what matters", page=catalogue, image=photo, alt_text="A trainer explaining a chart"
            ),
            factories.feature_grid("Practical lessons", "Flexible pace"),
            factories.featured_courses([live, draft], heading="Start here"),
            factories.testimonial(quote="Three weeks of lunch breaks well spent."),
            factories.call_to_action(label="Create your account", url="https://example.com/sign-up/"),
            factories.rich_text("<h2>About us</h2><p>We teach what we do.</p>"),
        ],
    )

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"<h1 [^>]*>Learn what matters</h1>", html)
    assert '<a class="btn btn-primary px-6 py-3 text-base" href="/courses/">Browse courses</a>' in html
    assert 'alt="A trainer explaining a chart"' in html
    assert "Practical lessons" in html and "Flexible pace" in html
    assert "Start here" in html and "Python basics" in html
    assert "Secret draft course" not in html
    assert "Three weeks of lunch breaks well spent." in html and "Ada Byron" in html
    assert 'href="https://example.com/sign-up/">Create your account</a>' in html
    assert "We teach what we do." in html
    # One h1 from the hero, and no level skipped on the way down (h1 > h2 sections > h3 cards and features).
    levels = [int(tag[1]) for tag in headings(html)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(later <= earlier + 1 for earlier, later in zip(levels, levels[1:], strict=False))


def test_a_page_without_a_leading_hero_shows_its_title_as_the_heading(client, home_page):
    landing = home_page.add_child(instance=LandingPage(title="Spring offer", slug="spring"))
    publish_body(
        landing, [factories.rich_text(), factories.hero(heading="Not the main heading", url="https://example.com/")]
    )

    html = client.get("/spring/").content.decode()

    assert re.search(r"<h1 [^>]*>Spring offer</h1>", html)
    assert re.search(r"<h2 [^>]*>Not the main heading</h2>", html)


def test_featured_courses_section_is_left_out_when_none_of_its_courses_is_live(client, home_page, catalogue):
    draft = make_course(catalogue, title="Secret draft course", modules=0, publish=False)
    publish_body(home_page, [factories.featured_courses([draft], heading="Start here")])

    html = client.get("/").content.decode()

    assert "Start here" not in html
    assert "Secret draft course" not in html


def test_marketing_pages_carry_open_graph_tags(client, home_page):
    landing = home_page.add_child(
        instance=LandingPage(
            title="For teams",
            slug="for-teams",
            seo_title="Team training that works",
            search_description="Courses for your whole team.",
            og_image=make_image("Team photo", size=(1600, 900)),
        )
    )
    landing.save_revision().publish()

    html = client.get("/for-teams/").content.decode()

    assert '<meta property="og:title" content="Team training that works">' in html
    assert '<meta property="og:description" content="Courses for your whole team.">' in html
    assert f'<meta property="og:url" content="{landing.full_url}">' in html
    assert re.search(r'<meta property="og:image" content="http://testserver/media/images/[^"]+fill-1200x630', html)
    assert '<meta property="og:image:width" content="1200">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<meta name="description" content="Courses for your whole team.">' in html


def test_open_graph_tags_fall_back_to_the_page_title(client, home_page):
    html = client.get("/").content.decode()

    assert f'<meta property="og:title" content="{home_page.title}">' in html
    assert 'property="og:image"' not in html
    assert '<meta name="twitter:card" content="summary">' in html


def test_the_sitemap_lists_live_pages_and_not_drafts(client, home_page):
    live = home_page.add_child(instance=LandingPage(title="Spring offer", slug="spring-offer"))
    live.save_revision().publish()
    home_page.add_child(instance=LandingPage(title="Winter offer", slug="winter-offer", live=False)).save_revision()

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    xml = response.content.decode()
    assert f"<loc>{home_page.full_url}</loc>" in xml
    assert f"<loc>{live.full_url}</loc>" in xml
    assert "winter-offer" not in xml


def test_robots_txt_keeps_crawlers_out_of_private_areas_and_points_at_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /accounts/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def build_home_with_featured_courses(home_page, catalogue, count: int) -> list:
    courses = [
        make_course(catalogue, title=f"Course {count}.{n}", modules=0, cover_image=make_image(f"Cover {count}.{n}"))
        for n in range(1, count + 1)
    ]
    publish_body(
        home_page,
        [
            factories.hero(page=catalogue, image=make_image("Hero"), alt_text="Learners at work"),
            factories.featured_courses(courses[: count // 2]),
            factories.testimonial(),
            factories.featured_courses(courses[count // 2 :], heading="New this month"),
            factories.call_to_action(page=catalogue),
        ],
    )
    return courses


@pytest.mark.usefixtures("pages_rendered_every_time")
@pytest.mark.parametrize("course_count", [3, 9])
def test_home_page_queries_stay_within_budget_however_many_courses_are_featured(
    client, home_page, catalogue, django_assert_max_num_queries, course_count
):
    courses = build_home_with_featured_courses(home_page, catalogue, course_count)
    client.get("/")  # the first visit creates the image renditions; later visits only read them

    with django_assert_max_num_queries(HOME_PAGE_QUERY_BUDGET):
        response = client.get("/")

    html = response.content.decode()
    assert all(course.title in html for course in courses)


@pytest.mark.usefixtures("pages_rendered_every_time")
def test_home_page_query_count_does_not_grow_with_featured_courses(client, home_page, catalogue):
    def queries_for_home_page() -> int:
        client.get("/")  # warm the renditions
        with CaptureQueriesContext(connection) as captured:
            client.get("/")
        return len(captured)

    build_home_with_featured_courses(home_page, catalogue, 3)
    with_three = queries_for_home_page()
    build_home_with_featured_courses(home_page, catalogue, 9)
    with_nine = queries_for_home_page()

    assert with_nine == with_three
