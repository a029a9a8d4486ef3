from datetime import timedelta
from unittest import mock

import lxml.html
import pytest
from django.core.management import call_command
from django.utils import timezone

from courses.models import CoursePage, LessonPage, ModulePage
from courses.tests.factories import make_category, make_course
from lms_site.beat import publish_scheduled_pages

pytestmark = pytest.mark.django_db


def test_catalogue_page_lists_courses_with_filters(client, course):
    response = client.get("/courses/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert "Intro to Testing" in html
    assert 'name="q"' in html and 'hx-get="/courses/"' in html
    assert "HX-Request" in response["Vary"]


def test_catalogue_htmx_request_gets_only_the_results(client, catalogue):
    make_course(catalogue, title="Python basics", category=make_category("Programming"))
    make_course(catalogue, title="Leading teams", category=make_category("Business"))
    response = client.get("/courses/?category=business", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="catalogue-results"')
    assert "Leading teams" in html and "Python basics" not in html


def test_catalogue_history_restore_gets_the_full_page(client, course):
    response = client.get("/courses/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in response.content.decode()


def filter_counts(html: str) -> list[tuple[str, bool]]:
    """Each #active-filter-count in the answer: its text and whether htmx swaps it out of band."""
    return [
        (element.text_content().strip(), element.get("hx-swap-oob") == "true")
        for element in lxml.html.fromstring(html).xpath("//*[@id='active-filter-count']")
    ]


@pytest.mark.parametrize(
    ("query", "shown"),
    [("", ""), ("?q=python", ""), ("?category=business", "1 active"), ("?level=beginner&price=free", "2 active")],
)
def test_the_folded_filters_button_counts_the_active_filters(client, catalogue, query, shown):
    make_course(catalogue, title="Leading teams", category=make_category("Business"))
    html = client.get(f"/courses/{query}").content.decode()
    assert filter_counts(html) == [(shown, False)]
    button = lxml.html.fromstring(html).xpath("//button[@aria-controls='catalogue-filter-fields']")[0]
    assert button.get("aria-expanded") == "false"
    assert lxml.html.fromstring(html).get_element_by_id("catalogue-filter-fields").xpath(".//select[@name='price']")


def test_an_htmx_filter_answer_updates_the_count_out_of_band(client, catalogue):
    make_course(catalogue, title="Leading teams", category=make_category("Business"))
    htmx = {"HX-Request": "true"}
    assert filter_counts(client.get("/courses/?category=business&price=free", headers=htmx).content.decode()) == [
        ("2 active", True)
    ]
    # Back to the page without filters: the badge must go, so the answer still brings an empty count.
    assert filter_counts(client.get("/courses/", headers=htmx).content.decode()) == [("", True)]
    restored = client.get("/courses/?category=business", headers={**htmx, "HX-History-Restore-Request": "true"})
    assert filter_counts(restored.content.decode()) == [("1 active", False)]


def test_catalogue_pagination_links_keep_the_filters(client, catalogue, settings):
    settings.LMS_CATALOGUE_PAGE_SIZE = 2
    for n in range(3):
        make_course(catalogue, title=f"Course {n}", modules=0)
    html = client.get("/courses/?price=free").content.decode()
    assert 'href="?price=free&amp;page=2"' in html


def _seed_courses(catalogue, count, start=0):
    category = make_category("Programming")
    for n in range(start, start + count):
        make_course(catalogue, title=f"Course {n:03d}", modules=0, category=category)


@pytest.mark.usefixtures("pages_rendered_every_time")
def test_catalogue_queries_do_not_grow_with_courses(client, catalogue, django_assert_max_num_queries, settings):
    settings.LMS_CATALOGUE_PAGE_SIZE = 60
    _seed_courses(catalogue, 6)
    client.get("/courses/")  # what the first visit caches (the site's root paths) is not what is measured
    with django_assert_max_num_queries(14) as few:
        assert client.get("/courses/").status_code == 200
    _seed_courses(catalogue, 54, start=6)
    client.get("/courses/")
    with django_assert_max_num_queries(14) as many:
        response = client.get("/courses/")
    assert response.content.decode().count('class="group flex h-full') == 60
    assert len(many.captured_queries) == len(few.captured_queries)


# MySQL/MariaDB update FULLTEXT indexes only on commit, so search tests commit their data.
@pytest.mark.usefixtures("pages_rendered_every_time")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_catalogue_search_query_count_is_bounded(client, catalogue, django_assert_max_num_queries):
    _seed_courses(catalogue, 20)
    with django_assert_max_num_queries(15):
        response = client.get("/courses/?q=course&level=beginner")
    assert response.context["page_obj"].paginator.count == 20


def test_course_page_shows_the_outline(client, course):
    html = client.get(course.url).content.decode()
    assert "Course outline" in html
    assert html.index("module 1") < html.index("lesson 1.2") < html.index("module 2")
    free_lesson = LessonPage.objects.get(title="Intro to Testing lesson 1.1")
    assert f'href="{free_lesson.url}"' in html  # free previews are linked


@pytest.mark.usefixtures("pages_rendered_every_time")
def test_course_page_query_count_does_not_grow_with_lessons(client, catalogue, django_assert_max_num_queries):
    small = make_course(catalogue, title="Small", modules=1, lessons_per_module=1)
    big = make_course(catalogue, title="Big", modules=4, lessons_per_module=6)
    client.get(small.url)  # the site header's menu is built once after the pages changed, then kept
    with django_assert_max_num_queries(20) as small_queries:
        client.get(small.url)
    with django_assert_max_num_queries(20) as big_queries:
        client.get(big.url)
    assert len(big_queries.captured_queries) == len(small_queries.captured_queries)


def test_draft_course_is_not_served(client, catalogue):
    draft = make_course(catalogue, title="Secret plans", publish=False)
    assert client.get("/courses/secret-plans/").status_code == 404
    assert "Secret plans" not in client.get("/courses/").content.decode()
    assert draft.pk


def test_lesson_body_is_only_for_preview_or_course_staff(client, course, learner, trainer, other_trainer):
    preview = LessonPage.objects.get(title="Intro to Testing lesson 1.1")
    locked = LessonPage.objects.get(title="Intro to Testing lesson 1.2")
    assert "Body of lesson 1.1" in client.get(preview.url).content.decode()

    for user in (None, learner, other_trainer):
        if user:
            client.force_login(user)
        html = client.get(locked.url).content.decode()
        assert "Body of lesson 1.2" not in html
        assert "for enrolled learners" in html

    client.force_login(trainer)
    assert "Body of lesson 1.2" in client.get(locked.url).content.decode()


def test_module_url_leads_to_its_place_on_the_course_page(client, course):
    module = ModulePage.objects.child_of(course).first()
    response = client.get(module.url)
    assert response.status_code == 302
    assert response["Location"] == f"{course.url}#module-{module.pk}"


def test_scheduled_publishing_puts_a_course_live_when_its_time_comes(catalogue):
    course = make_course(catalogue, title="Coming soon", publish=False, modules=0)
    course.go_live_at = timezone.now() + timedelta(minutes=5)
    course.save_revision().publish()  # with a future go-live date this schedules instead of publishing
    course.refresh_from_db()
    assert not course.live

    call_command("publish_scheduled")
    assert not CoursePage.objects.get(pk=course.pk).live

    later = timezone.now() + timedelta(minutes=6)
    with mock.patch("django.utils.timezone.now", return_value=later):
        publish_scheduled_pages.delay()  # what Celery beat runs every minute
    assert CoursePage.objects.get(pk=course.pk).live
