"""The lesson player shows progress and the way on once each."""

import re

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from learning import services
from learning.models import Enrollment

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
PROGRESS_BAR = 'role="progressbar"'
NEXT_LESSON = re.compile(r'<a [^>]*rel="next"[^>]*>\s*Next lesson:')


@pytest.fixture
def enrolled(course):
    learner = UserFactory(role="learner")
    services.enroll(user=learner, course=course)
    return learner


def next_lesson_controls(html: str) -> int:
    """Every control that leads to the next lesson, whatever it says."""
    return html.count('rel="next"') + html.count("Skip to next") + html.count("Next lesson")


# Progress and the way on: once each


def test_the_full_page_shows_one_progress_bar_and_one_next_lesson(client, enrolled, lessons):
    client.force_login(enrolled)
    html = client.get(lessons[1].url).content.decode()
    assert html.count(PROGRESS_BAR) == 1
    assert 'aria-label="Course progress"' in html and "Your progress" not in html
    assert next_lesson_controls(html) == 2  # rel="next" and its text, on one link
    assert len(NEXT_LESSON.findall(html)) == 1
    assert f'href="{lessons[2].url}"' in html


def test_htmx_navigation_swaps_one_progress_bar_and_one_next_lesson(client, enrolled, lessons):
    client.force_login(enrolled)
    html = client.get(lessons[2].url, headers=HTMX).content.decode()
    # The lesson, then the outline and the course strip's bar out of band: still one of each.
    assert html.count(PROGRESS_BAR) == 1
    assert re.search(r'id="course-progress" hx-swap-oob="true"', html)
    assert html.count('id="lesson-outline" hx-swap-oob="true"') == 1
    assert len(NEXT_LESSON.findall(html)) == 1 and next_lesson_controls(html) == 2


def test_completion_swaps_one_progress_bar_and_turns_the_next_link_into_the_button(client, enrolled, lessons):
    client.force_login(enrolled)
    page = client.get(lessons[1].url).content.decode()
    assert re.search(r'class="nav-link text-end" rel="next"', page)  # quiet while the lesson waits
    response = client.post(reverse("learning:complete_lesson", args=(lessons[1].pk,)), headers=HTMX)
    html = response.content.decode()
    assert html.count(PROGRESS_BAR) == 1 and 'aria-valuenow="25"' in html
    assert len(NEXT_LESSON.findall(html)) == 1 and next_lesson_controls(html) == 2
    assert re.search(r'class="btn btn-primary text-end" rel="next"', html)


def test_the_last_lesson_offers_the_way_back_once_done(client, enrolled, course, lessons):
    enrollment = Enrollment.objects.get(user=enrolled, course=course)
    services.complete_lesson(enrollment=enrollment, lesson=lessons[-1])
    client.force_login(enrolled)
    html = client.get(lessons[-1].url).content.decode()
    assert next_lesson_controls(html) == 0
    assert html.count("Back to my learning") == 1


def test_the_outline_sits_in_a_disclosure_without_a_scroll_box(client, enrolled, lessons):
    client.force_login(enrolled)
    html = client.get(lessons[0].url).content.decode()
    assert re.search(r"<details id=\"outline-disclosure\"[^>]*data-lesson-outline>", html)
    assert re.search(r"<summary[^>]*>\s*<span>Course outline</span>", html)
    assert "max-h-72" not in html
    assert "js/lesson-outline.js" in html
