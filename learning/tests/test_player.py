"""The lesson player shows progress and the way on once each, and staff can preview a course as a learner
without anything being recorded."""

import re

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from courses.models import LessonPage
from courses.tests.factories import make_course
from learning import services
from learning.models import Enrollment, LessonProgress
from lms_site.tests import row_snapshots
from lms_site.tests.clients import as_

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
    # The lesson, then the current outline entry and the course strip's bar out of band: still one of each.
    assert html.count(PROGRESS_BAR) == 1
    assert re.search(r'id="course-progress" hx-swap-oob="true"', html)
    assert html.count(f'id="outline-item-{lessons[2].pk}" hx-swap-oob="true"') == 1
    assert 'id="lesson-outline"' not in html
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


# Preview as a learner


def preview_url(lesson) -> str:
    return f"{lesson.url}?preview=1"


def test_the_course_page_offers_staff_a_preview(client, course, lessons, trainer, admin_user):
    for staff in (trainer, admin_user):
        html = as_(client, staff).get(course.url).content.decode()
        assert f'href="{preview_url(lessons[0])}"' in html and "Preview as a learner" in html


@pytest.mark.parametrize("who", ["visitor", "learner", "enrolled", "other trainer"])
def test_the_course_page_offers_no_preview_to_others(client, course, learner, enrolled, other_trainer, who):
    user = {"visitor": None, "learner": learner, "enrolled": enrolled, "other trainer": other_trainer}[who]
    html = as_(client, user).get(course.url).content.decode()
    assert "Preview as a learner" not in html and "?preview=1" not in html


def test_preview_shows_the_player_as_a_learner_sees_it(client, trainer, lessons):
    client.force_login(trainer)
    response = client.get(preview_url(lessons[1]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Body of lesson 1.2" in html
    assert "your progress is not recorded" in html
    # "Mark complete" is there to be seen, but disabled, and nothing posts to the completion URL.
    assert re.search(r'<button type="button" class="btn btn-primary" disabled[^>]*>Mark complete</button>', html)
    assert reverse("learning:complete_lesson", args=(lessons[1].pk,)) not in html
    # Moving on keeps the preview: the outline and the lesson navigation carry it.
    for lesson in lessons:
        assert f'href="{preview_url(lesson)}"' in html
    assert len(NEXT_LESSON.findall(html)) == 1
    assert response["Cache-Control"] == "private, no-cache"


def test_preview_writes_nothing(client, course, lessons, admin_user):
    """An admin who is also enrolled previews the course: their progress, last lesson and activity stay as they
    were, and no row anywhere is added or changed (enrolment, completion, points, visits)."""
    enrollment = services.enroll(user=admin_user, course=course)
    services.complete_lesson(enrollment=enrollment, lesson=lessons[0])
    client.force_login(admin_user)
    client.get(course.url)  # a first visit may create per-user rows (Wagtail's user profile)
    before = row_snapshots.read_tables()

    html = client.get(preview_url(lessons[0])).content.decode()
    assert "your progress is not recorded" in html
    assert "Lesson completed" not in html and "(completed)" not in html  # the preview starts afresh
    assert html.count(PROGRESS_BAR) == 1 and 'aria-valuenow="0"' in html  # not the admin's own 25 %
    for lesson in lessons[1:]:
        client.get(preview_url(lesson), headers=HTMX)
        client.get(preview_url(lesson))

    changes = row_snapshots.difference(before, row_snapshots.read_tables())
    assert not changes.added and not changes.changed
    assert LessonProgress.objects.filter(enrollment=enrollment).count() == 1


@pytest.mark.parametrize("who", ["visitor", "learner", "other trainer"])
def test_preview_is_not_for_those_who_do_not_run_the_course(client, lessons, learner, other_trainer, who):
    user = {"visitor": None, "learner": learner, "other trainer": other_trainer}[who]
    response = as_(client, user).get(preview_url(lessons[1]))
    html = response.content.decode()
    # They get the player as without the parameter: the way to enrol, no body, no preview banner.
    assert response.status_code == 403
    assert "This lesson is for enrolled learners" in html and "Body of lesson 1.2" not in html
    assert "your progress is not recorded" not in html and "?preview=1" not in html
    assert not Enrollment.objects.exists()


def test_an_enrolled_learner_asking_for_a_preview_studies_as_usual(client, enrolled, course, lessons):
    client.force_login(enrolled)
    html = client.get(preview_url(lessons[1])).content.decode()
    assert "your progress is not recorded" not in html
    assert reverse("learning:complete_lesson", args=(lessons[1].pk,)) in html
    assert Enrollment.objects.get(user=enrolled, course=course).last_lesson_id == lessons[1].pk


def test_preview_takes_only_the_exact_parameter(client, trainer, lessons):
    client.force_login(trainer)
    for query in ("?preview=0", "?preview=yes", "?preview=1%00", "?preview"):
        html = client.get(lessons[1].url + query).content.decode()
        assert "your progress is not recorded" not in html


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_preview_queries_do_not_grow_with_the_course(
    client, catalogue, trainer, django_assert_max_num_queries, headers
):
    client.force_login(trainer)
    counts = []
    for title, modules, per_module in (("Small", 1, 5), ("Large", 10, 20)):
        course = make_course(
            catalogue,
            title=title,
            trainer=trainer,
            modules=modules,
            lessons_per_module=per_module,
            with_revisions=False,
        )
        url = preview_url(LessonPage.objects.live().descendant_of(course).order_by("path")[2])
        client.get(url, headers=headers)  # whatever a first visit caches (site root paths, content types)
        with django_assert_max_num_queries(25) as captured:
            response = client.get(url, headers=headers)
        assert response.status_code == 200 and 'disabled aria-describedby="preview-completion-note"' in str(
            response.content
        )
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
