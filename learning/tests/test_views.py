import re

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from courses.models import LessonPage
from courses.tests.factories import make_course
from learning import services
from learning.models import Enrollment, EnrollmentStatus, LessonProgress
from lms_site.tests.clients import as_

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def enrolled(course):
    learner = UserFactory(role="learner")
    services.enroll(user=learner, course=course)
    return learner


@pytest.fixture
def people(learner, enrolled, trainer, other_trainer, admin_user):
    """Everyone who may knock on a learning URL; `trainer` runs the course, `other_trainer` does not."""
    return {
        "visitor": None,
        "other learner": learner,
        "enrolled learner": enrolled,
        "trainer of another course": other_trainer,
        "course trainer": trainer,
        "admin": admin_user,
    }


def location(response):
    return response.get("Location", "")


# Who may do what, URL by URL


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("visitor", 403),
        ("other learner", 403),
        ("enrolled learner", 200),
        ("trainer of another course", 403),
        ("course trainer", 200),
        ("admin", 200),
    ],
)
def test_who_reads_a_lesson(client, people, lessons, who, status):
    response = as_(client, people[who]).get(lessons[1].url)
    assert response.status_code == status
    body = response.content.decode()
    assert ("Body of lesson 1.2" in body) is (status == 200)


@pytest.mark.parametrize("who", ["visitor", "other learner", "enrolled learner", "trainer of another course"])
def test_everyone_reads_a_free_preview(client, people, lessons, who):
    response = as_(client, people[who]).get(lessons[0].url)
    assert response.status_code == 200
    assert "Body of lesson 1.1" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("visitor", 302),
        ("other learner", 403),
        ("enrolled learner", 302),
        ("trainer of another course", 403),
        ("course trainer", 403),  # staff read lessons; progress belongs to enrolled learners
        ("admin", 403),
    ],
)
def test_who_marks_a_lesson_complete(client, people, lessons, who, status):
    response = as_(client, people[who]).post(reverse("learning:complete_lesson", args=(lessons[1].pk,)))
    assert response.status_code == status
    completed = LessonProgress.objects.filter(lesson=lessons[1]).exists()
    assert completed is (who == "enrolled learner")
    if who == "visitor":
        assert location(response).startswith(reverse("accounts:sign_in"))


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("visitor", 302),
        ("other learner", 403),
        ("enrolled learner", 403),
        ("trainer of another course", 403),
        ("course trainer", 200),
        ("admin", 200),
    ],
)
def test_who_sees_a_course_roster(client, people, course, who, status):
    response = as_(client, people[who]).get(reverse("learning:roster", args=(course.pk,)))
    assert response.status_code == status
    if status == 200:
        assert people["enrolled learner"].email in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("visitor", 302), ("other learner", 403), ("enrolled learner", 403), ("course trainer", 200), ("admin", 200)],
)
def test_who_has_a_teaching_overview(client, people, course, who, status):
    assert as_(client, people[who]).get(reverse("learning:teaching")).status_code == status


def test_teaching_overview_lists_only_the_trainers_courses(client, people, catalogue, course):
    make_course(catalogue, title="Not mine", trainer=people["trainer of another course"])
    html = as_(client, people["course trainer"]).get(reverse("learning:teaching")).content.decode()
    assert "Intro to Testing" in html and "Not mine" not in html
    html = as_(client, people["admin"]).get(reverse("learning:teaching")).content.decode()
    assert "Intro to Testing" in html and "Not mine" in html


@pytest.mark.parametrize(("who", "status"), [("visitor", 302), ("other learner", 200), ("enrolled learner", 200)])
def test_who_has_a_dashboard(client, people, who, status):
    assert as_(client, people[who]).get(reverse("learning:dashboard")).status_code == status


def test_banned_learner_loses_access_at_once(client, enrolled, lessons):
    client.force_login(enrolled)
    assert client.get(lessons[1].url).status_code == 200
    enrolled.is_banned = True
    enrolled.save()
    response = client.get(lessons[1].url)
    assert response.status_code == 302 and location(response) == reverse("accounts:sign_in")
    assert client.get(lessons[1].url).status_code == 403
    assert client.post(reverse("learning:complete_lesson", args=(lessons[1].pk,))).status_code == 302
    assert not LessonProgress.objects.exists()


# Enrolling and leaving


def test_enrol_with_a_plain_form_post_lands_in_the_first_lesson(client, learner, course, lessons):
    client.force_login(learner)
    response = client.post(reverse("learning:enrol", args=(course.pk,)))
    assert response.status_code == 302 and location(response) == lessons[0].url
    assert Enrollment.objects.get(user=learner, course=course).status == EnrollmentStatus.ACTIVE


def test_enrol_with_htmx_redirects_the_browser(client, learner, course, lessons):
    client.force_login(learner)
    response = client.post(reverse("learning:enrol", args=(course.pk,)), headers=HTMX)
    assert response["HX-Redirect"] == lessons[0].url


def test_visitor_enrolling_is_sent_to_sign_in_and_back(client, course):
    response = client.post(reverse("learning:enrol", args=(course.pk,)))
    assert location(response) == f"{reverse('accounts:sign_in')}?next={course.url}"
    assert not Enrollment.objects.exists()


def test_paid_course_refuses_free_enrolment_with_a_message(client, learner, paid_course):
    client.force_login(learner)
    response = client.post(reverse("learning:enrol", args=(paid_course.pk,)))
    assert response.status_code == 402
    assert "paid course" in response.content.decode()
    response = client.post(
        reverse("learning:enrol", args=(paid_course.pk,)), headers={**HTMX, "HX-Target": "course-call-to-action"}
    )
    assert response.status_code == 402
    assert 'id="course-call-to-action"' in response.content.decode()
    assert not Enrollment.objects.exists()


def test_course_page_offers_what_fits_the_visitor(client, learner, enrolled, course, paid_course):
    html = client.get(course.url).content.decode()
    assert "Sign in to enrol for free" in html
    client.force_login(learner)
    html = client.get(course.url).content.decode()
    assert "Enrol for free" in html
    html = client.get(paid_course.url).content.decode()
    assert "99.00 EUR" in html and "Buy course" in html and "Enrol for free" not in html
    client.force_login(enrolled)
    html = client.get(course.url).content.decode()
    assert "Continue learning" in html and "Enrol for free" not in html


def test_leaving_a_course(client, enrolled, course):
    client.force_login(enrolled)
    response = client.post(reverse("learning:leave", args=(course.pk,)))
    assert location(response) == reverse("learning:dashboard")
    assert Enrollment.objects.get(user=enrolled).status == EnrollmentStatus.CANCELLED
    assert "Enrol for free" in client.get(course.url).content.decode()


def test_leaving_a_course_you_are_not_in_is_refused(client, learner, course):
    client.force_login(learner)
    assert client.post(reverse("learning:leave", args=(course.pk,))).status_code == 403


# The lesson player


def test_player_shows_outline_progress_and_next_lesson(client, enrolled, lessons):
    client.force_login(enrolled)
    html = client.get(lessons[1].url).content.decode()
    assert 'aria-current="page"' in html
    assert "Mark complete" in html
    assert f'href="{lessons[2].url}"' in html
    assert 'id="course-progress"' in html
    assert html.count('id="lesson-outline"') == 1


def test_htmx_navigation_gets_the_lesson_and_its_outline_entry_out_of_band(client, enrolled, lessons):
    client.force_login(enrolled)
    response = client.get(lessons[2].url, headers=HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith(f"<title>{lessons[2].title}")
    assert f'<div id="lesson-swap" class="min-w-0" data-lesson-id="{lessons[2].pk}"' in html
    # Only the new lesson's entry, marked current (js/lesson-outline.js unmarks the one left behind).
    entry = re.search(rf'<li id="outline-item-{lessons[2].pk}" hx-swap-oob="true">.*?</li>', html, re.S)
    assert entry and 'aria-current="page"' in entry.group(0)
    assert 'id="lesson-outline"' not in html and lessons[0].title not in html
    assert "HX-Request" in response["Vary"]


def test_history_restore_gets_the_full_page(client, enrolled, lessons):
    client.force_login(enrolled)
    html = client.get(lessons[2].url, headers={**HTMX, "HX-History-Restore-Request": "true"}).content.decode()
    assert "<html" in html


def test_opening_a_lesson_remembers_where_the_learner_is(client, enrolled, course, lessons):
    client.force_login(enrolled)
    client.get(lessons[2].url)
    assert Enrollment.objects.get(user=enrolled).last_lesson_id == lessons[2].pk
    html = client.get(reverse("learning:dashboard")).content.decode()
    assert "Continue where you left off" in html and lessons[2].title in html


def test_mark_complete_with_htmx_updates_actions_outline_and_progress(client, enrolled, lessons):
    client.force_login(enrolled)
    response = client.post(reverse("learning:complete_lesson", args=(lessons[1].pk,)), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="lesson-actions"')
    assert "Lesson completed" in html and f"Next lesson: {lessons[2].title}" in html
    assert re.search(r'id="course-progress" hx-swap-oob="true"', html)
    assert 'aria-valuenow="25"' in html
    # The sidebar's entry of that lesson, ticked for screen readers; not the whole outline.
    entry = re.search(rf'<li id="outline-item-{lessons[1].pk}" hx-swap-oob="true">.*?</li>', html, re.S)
    assert entry and "(completed)" in entry.group(0)
    assert 'id="lesson-outline"' not in html


def test_mark_complete_with_a_plain_post_redirects_back(client, enrolled, lessons):
    client.force_login(enrolled)
    response = client.post(reverse("learning:complete_lesson", args=(lessons[1].pk,)))
    assert location(response) == lessons[1].url
    assert "Lesson completed" in client.get(lessons[1].url).content.decode()


def test_refused_completion_under_htmx_answers_in_place(client, learner, lessons):
    client.force_login(learner)
    response = client.post(
        reverse("learning:complete_lesson", args=(lessons[1].pk,)), headers={**HTMX, "HX-Target": "lesson-actions"}
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert 'id="lesson-actions"' in html and "Enrol in this course" in html


def test_locked_lesson_says_when_it_opens(client, enrolled, lessons):
    lesson = lessons[2]
    lesson.drip_days = 7
    lesson.save_revision().publish()
    client.force_login(enrolled)
    html = client.get(LessonPage.objects.get(pk=lesson.pk).url).content.decode()
    assert "This lesson opens on" in html
    assert "Body of lesson 2.1" not in html
    assert "Mark complete" not in html


def test_roster_sorts_and_pages(client, trainer, course):
    learners = [UserFactory(first_name=name, last_name="X") for name in ("Cleo", "Abe", "Bea")]
    for index, learner in enumerate(learners):
        enrollment = services.enroll(user=learner, course=course)
        Enrollment.objects.filter(pk=enrollment.pk).update(progress_percent=index * 40)
    client.force_login(trainer)
    url = reverse("learning:roster", args=(course.pk,))
    html = client.get(url, {"sort": "name"}).content.decode()
    assert html.index("Abe X") < html.index("Bea X") < html.index("Cleo X")
    html = client.get(url, {"sort": "-progress"}, headers=HTMX).content.decode()
    assert "<html" not in html
    assert html.index("Bea X") < html.index("Abe X") < html.index("Cleo X")
    html = client.get(url, {"sort": "password"}).content.decode()  # not a column: falls back to name
    assert html.index("Abe X") < html.index("Cleo X")
