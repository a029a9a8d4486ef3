"""The player's cached parts (course outlines, rendered lesson bodies) are the same for every learner, and never
outlive a change to the pages they come from."""

import pickle
import re

import pytest
from django.core.cache import cache
from wagtail.models import PageViewRestriction

from accounts.tests.factories import UserFactory
from courses.models import LessonPage
from learning import selectors, services
from learning.models import Enrollment

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def ann(course):
    learner = UserFactory(role="learner", username="ann")
    services.enroll(user=learner, course=course)
    return learner


@pytest.fixture
def bob(course):
    learner = UserFactory(role="learner", username="bob")
    services.enroll(user=learner, course=course)
    return learner


def outline_entry(html: str, lesson: LessonPage) -> str:
    found = re.search(rf'<li id="outline-item-{lesson.pk}"[^>]*>.*?</li>', html, re.S)
    assert found, f"no outline entry for {lesson.title}"
    return found.group(0)


def test_a_published_change_to_a_lesson_body_shows_on_the_next_view(client, ann, lessons):
    client.force_login(ann)
    assert "Body of lesson 1.2" in client.get(lessons[1].url).content.decode()  # now cached

    lesson = LessonPage.objects.get(pk=lessons[1].pk)
    lesson.body = [{"type": "rich_text", "value": "<p>Rewritten after review</p>"}]
    lesson.save_revision().publish()

    for headers in ({}, HTMX):
        html = client.get(lessons[1].url, headers=headers).content.decode()
        assert "Rewritten after review" in html and "Body of lesson 1.2" not in html


def test_a_draft_does_not_reach_learners(client, ann, lessons):
    client.force_login(ann)
    client.get(lessons[1].url)
    lesson = LessonPage.objects.get(pk=lessons[1].pk)
    lesson.body = [{"type": "rich_text", "value": "<p>Not ready yet</p>"}]
    lesson.title = "Draft title"
    lesson.save_revision()  # saved, not published

    html = client.get(lessons[1].url).content.decode()
    assert "Body of lesson 1.2" in html and "Not ready yet" not in html and "Draft title" not in html


def test_an_added_lesson_and_a_renamed_one_show_in_the_outline_on_the_next_view(client, ann, course, lessons):
    client.force_login(ann)
    client.get(lessons[0].url)  # the outline is cached now
    module = lessons[0].get_parent()
    added = module.add_child(
        instance=LessonPage(title="A lesson added later", live=False, body=[{"type": "rich_text", "value": "<p>x</p>"}])
    )
    added.save_revision().publish()
    renamed = LessonPage.objects.get(pk=lessons[3].pk)
    renamed.title = "A better title"
    renamed.save_revision().publish()

    html = client.get(lessons[0].url).content.decode()
    assert "A lesson added later" in outline_entry(html, added)
    assert "A better title" in outline_entry(html, renamed)


def test_an_unpublished_lesson_leaves_the_outline(client, ann, lessons):
    client.force_login(ann)
    client.get(lessons[0].url)
    LessonPage.objects.get(pk=lessons[3].pk).unpublish()
    html = client.get(lessons[0].url).content.decode()
    assert f'id="outline-item-{lessons[3].pk}"' not in html
    assert client.get(lessons[3].url).status_code == 404


def test_one_learners_progress_never_shows_for_another(client, ann, bob, course, lessons):
    services.complete_lesson(enrollment=Enrollment.objects.get(user=ann, course=course), lesson=lessons[1])
    client.force_login(ann)
    ann_html = client.get(lessons[1].url).content.decode()  # Ann's view fills the cache
    assert "(completed)" in outline_entry(ann_html, lessons[1]) and "Lesson completed" in ann_html

    client.force_login(bob)
    for headers in ({}, HTMX):
        bob_html = client.get(lessons[1].url, headers=headers).content.decode()
        assert "(completed)" not in bob_html and "Lesson completed" not in bob_html
        assert "Mark complete" in bob_html and 'aria-valuenow="0"' in bob_html
        assert "ann" not in re.findall(r"\b(ann|bob)\b", bob_html)


def test_the_cached_outline_holds_nothing_of_a_learner(client, ann, course, lessons):
    services.complete_lesson(enrollment=Enrollment.objects.get(user=ann, course=course), lesson=lessons[0])
    client.force_login(ann)
    client.get(lessons[1].url)
    structure = selectors.course_structure(course_path=course.path)
    assert structure is not None and structure.course.pk == course.pk
    assert [lesson.pk for module in structure.outline for lesson in module.lessons] == [lesson.pk for lesson in lessons]
    assert all(not step.is_done for step in structure.steps)
    # Pages only: no user, enrolment or progress row travels with it.
    stored = pickle.dumps(structure)
    assert b"accounts.models" not in stored and b"learning.models" not in stored and b"ann" not in stored


def test_outlines_are_rebuilt_after_a_page_changes_and_read_from_the_cache_before(
    client, ann, course, lessons, django_assert_num_queries
):
    selectors.course_structure(course_path=course.path)
    with django_assert_num_queries(0):
        assert selectors.course_structure(course_path=course.path) is not None
    LessonPage.objects.get(pk=lessons[0].pk).save_revision()  # any save of a page makes outlines stale
    with django_assert_num_queries(4):  # course, modules, lessons, assessments
        selectors.course_structure(course_path=course.path)


def test_a_cache_outage_only_costs_queries(client, ann, lessons, monkeypatch):
    monkeypatch.setattr(cache, "get", lambda *args, **kwargs: kwargs.get("default", args[1] if len(args) > 1 else None))
    client.force_login(ann)
    html = client.get(lessons[1].url).content.decode()
    assert "Body of lesson 1.2" in html and lessons[3].title in html


# The route and the view restrictions found in one query each still behave like Wagtail's


def test_a_view_restriction_on_the_course_still_guards_its_lessons(client, ann, course, lessons):
    PageViewRestriction.objects.create(page=course, restriction_type=PageViewRestriction.PASSWORD, password="s3cret")
    client.force_login(ann)
    response = client.get(lessons[1].url)
    assert "Body of lesson 1.2" not in response.content.decode()
    assert LessonPage.objects.get(pk=lessons[1].pk).get_view_restrictions().count() == 1


def test_lesson_addresses_route_like_the_tree(client, ann, course, lessons):
    client.force_login(ann)
    assert client.get(lessons[1].url).status_code == 200
    assert client.get(lessons[1].url + "extra/").status_code == 404
    assert client.get(lessons[1].url.replace(lessons[1].slug, "no-such-lesson")).status_code == 404
    module = lessons[1].get_parent()
    assert client.get(module.url).status_code == 302  # a module still redirects to its course


def test_outline_entries_rendered_once_follow_each_learners_state(client, ann, bob, course, lessons):
    """Entries come from a per-process memo keyed on what they show: alternating learners and lessons, each page
    has its own ticks and one current entry."""
    services.complete_lesson(enrollment=Enrollment.objects.get(user=ann, course=course), lesson=lessons[0])
    for who, lesson in ((ann, lessons[1]), (bob, lessons[1]), (ann, lessons[2]), (bob, lessons[0])):
        client.force_login(who)
        html = client.get(lesson.url).content.decode()
        done = "(completed)" in outline_entry(html, lessons[0])
        assert done is (who == ann)
        assert html.count('aria-current="page"') == 1
        assert 'aria-current="page"' in outline_entry(html, lesson)
