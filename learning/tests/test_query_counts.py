"""Pages that list lessons or enrollments cost the same number of queries whatever their size."""

import pytest
from django.db import connection
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


# Every full page's site header reads the menu pages and the viewer's permissions (the "Admin" link): three
# queries that base.html and home's context processor spend, whatever the page.
SITE_HEADER = ("show_in_menus", '"auth_permission"')


def own_queries(captured) -> list[str]:
    return [query["sql"] for query in captured if not any(mark in query["sql"] for mark in SITE_HEADER)]


def learner_in_course(client, catalogue, learner, *, title, modules, per_module):
    course = make_course(catalogue, title=title, modules=modules, lessons_per_module=per_module, with_revisions=False)
    lessons = list(LessonPage.objects.live().descendant_of(course).order_by("path"))
    assert len(lessons) == modules * per_module
    enrollment = services.enroll(user=learner, course=course)
    for lesson in lessons[: len(lessons) // 2]:
        services.complete_lesson(enrollment=enrollment, lesson=lesson)
    return lessons


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["page", "htmx"])
def test_lesson_page_takes_at_most_eight_queries_at_30_and_200_lessons(
    client, catalogue, django_assert_max_num_queries, headers
):
    """With the outline and the body cached (warm), the learner's own state adds a fixed number of queries: the
    same for a 30-lesson course and a 200-lesson one, moving to another lesson (its visit is recorded) included."""
    learner = UserFactory()
    client.force_login(learner)
    counts = []
    for title, modules, per_module in (("Thirty", 3, 10), ("Two hundred", 10, 20)):
        lessons = learner_in_course(client, catalogue, learner, title=title, modules=modules, per_module=per_module)
        for lesson in lessons[2:4]:
            client.get(lesson.url, headers=headers)  # warms the cache (outline, bodies, site root paths)
        # Django keeps the last 9000 queries; a full log would shift under the capture and misreport it.
        connection.queries_log.clear()
        with django_assert_max_num_queries(11) as captured:
            response = client.get(lessons[2].url, headers=headers)  # a move: records the visit
        assert response.status_code == 200 and lessons[2].title in response.content.decode()
        own = own_queries(captured.captured_queries)
        assert len(own) <= 8, "\n".join(own)
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_htmx_navigation_stays_small_at_200_lessons(client, catalogue):
    learner = UserFactory()
    client.force_login(learner)
    lessons = learner_in_course(client, catalogue, learner, title="Long", modules=10, per_module=20)
    full = client.get(lessons[2].url)
    swap = client.get(lessons[3].url, headers={"HX-Request": "true"})
    assert swap.status_code == 200
    assert len(swap.content) < 20_000 < len(full.content)
    assert lessons[150].title in full.content.decode() and lessons[150].title not in swap.content.decode()


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
    counts = {}
    for enrolled in (1, 5, 30):
        for course in courses[:enrolled]:
            services.enroll(user=learner, course=course)
        client.get(reverse("learning:dashboard"))
        connection.queries_log.clear()
        with django_assert_max_num_queries(12) as captured:
            assert client.get(reverse("learning:dashboard")).status_code == 200
        # Learning's part (the enrolments with their courses and last lessons) is one query; the rest are the
        # session, the user, the site, the header and the panels other apps add (sessions, points, grades).
        assert len([q for q in captured.captured_queries if "learning_enrollment" in q["sql"]]) == 1
        counts[enrolled] = len(captured.captured_queries)
    assert counts[1] == counts[5] == counts[30]


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
