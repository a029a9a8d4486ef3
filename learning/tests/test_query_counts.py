"""Pages that list lessons or enrollments cost the same number of queries whatever their size."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from courses.models import LessonPage
from courses.tests.factories import make_course
from learning import services

pytestmark = pytest.mark.django_db


def count_queries(django_assert_max_num_queries, client, url, limit, **kwargs):
    client.get(url, **kwargs)  # first visits create per-user rows (e.g. Wagtail's user profile) once
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url, **kwargs)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["page", "htmx"])
def test_lesson_page_queries_do_not_grow_with_the_course(client, catalogue, django_assert_max_num_queries, headers):
    learner = UserFactory()
    client.force_login(learner)
    counts = []
    for title, modules, per_module in (("Small", 1, 5), ("Large", 10, 20)):
        course = make_course(
            catalogue, title=title, modules=modules, lessons_per_module=per_module, with_revisions=False
        )
        lessons = list(LessonPage.objects.live().descendant_of(course).order_by("path"))
        assert len(lessons) == modules * per_module
        enrollment = services.enroll(user=learner, course=course)
        for lesson in lessons[: len(lessons) // 2]:
            services.complete_lesson(enrollment=enrollment, lesson=lesson)
        counts.append(count_queries(django_assert_max_num_queries, client, lessons[2].url, 25, headers=headers))
    assert counts[0] == counts[1]


def test_mark_complete_queries_do_not_grow_with_the_course(client, catalogue, django_assert_max_num_queries):
    learner = UserFactory()
    client.force_login(learner)
    counts = []
    for title, modules, per_module in (("Small", 1, 5), ("Large", 10, 20)):
        course = make_course(
            catalogue, title=title, modules=modules, lessons_per_module=per_module, with_revisions=False
        )
        lesson = LessonPage.objects.live().descendant_of(course).order_by("path")[1]
        services.enroll(user=learner, course=course)
        # Whatever a process caches on its first visit (the site's root paths, content types) is cached by now,
        # so both courses are measured alike, whichever test ran before this one.
        assert client.get(lesson.url).status_code == 200
        with django_assert_max_num_queries(30) as captured:
            response = client.post(
                reverse("learning:complete_lesson", args=(lesson.pk,)), headers={"HX-Request": "true"}
            )
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_dashboard_queries_do_not_grow_with_enrollments(client, catalogue, django_assert_max_num_queries):
    learner = UserFactory()
    client.force_login(learner)
    courses = [
        make_course(catalogue, title=f"Course {n}", modules=1, lessons_per_module=1, with_revisions=False)
        for n in range(30)
    ]
    services.enroll(user=learner, course=courses[0])
    one = count_queries(django_assert_max_num_queries, client, reverse("learning:dashboard"), 12)
    for course in courses[1:]:
        services.enroll(user=learner, course=course)
    thirty = count_queries(django_assert_max_num_queries, client, reverse("learning:dashboard"), 12)
    assert one == thirty


def test_roster_queries_do_not_grow_with_learners(client, trainer, catalogue, django_assert_max_num_queries):
    course = make_course(catalogue, title="Popular", trainer=trainer, modules=1, with_revisions=False)
    client.force_login(trainer)
    url = reverse("learning:roster", args=(course.pk,))
    services.enroll(user=UserFactory(), course=course)
    one = count_queries(django_assert_max_num_queries, client, url, 12)
    for _ in range(30):
        services.enroll(user=UserFactory(), course=course)
    many = count_queries(django_assert_max_num_queries, client, url, 12)
    assert one == many
