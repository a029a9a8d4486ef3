"""Pages that list lessons or enrollments cost the same number of queries whatever their size.

The lesson page and the dashboard are counted whole, as a signed-in learner's browser asks for them: the session,
the user, the site header (menu, "Admin" link) and every panel other apps add, not only learning's own part.
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from assessments import services as assessment_services
from assessments.tests.factories import make_assessment, right_answers
from courses.models import LessonPage
from courses.tests.factories import make_course
from gamification import services as gamification_services
from gamification.models import Badge, BadgeRule, Rule
from gamification.selectors import learner_summary
from home.tests.factories import make_image
from learning import services
from scheduling import services as scheduling_services
from scheduling.models import Booking
from scheduling.tests.factories import make_session

pytestmark = pytest.mark.django_db

# Issue 20: a signed-in learner's lesson page and dashboard, everything in the request counted.
PAGE_BUDGET = 8
# What the header and the session cost before they were cached: the session row, the menu pages (filtered on
# show_in_menus, quoted by either backend), the viewer's permissions for the "Admin" link, and the site whose
# tree the page sits in (home.middleware.CachedSiteMiddleware).
HEADER_QUERY = re.compile(r'django_session|show_in_menus["`]\)|auth_permission|FROM ["`]wagtailcore_site["`]')


def header_queries(sql: list[str]) -> list[str]:
    return [query for query in sql if HEADER_QUERY.search(query)]


def count_queries(django_assert_max_num_queries, client, url, limit, **kwargs):
    client.get(url, **kwargs)  # first visits create per-user rows (e.g. Wagtail's user profile) once
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url, **kwargs)
    assert response.status_code == 200
    return len(captured.captured_queries)


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
    """With the outline, the body, the menu, the viewer's admin access and their session cached (warm), the
    learner's own state adds a fixed number of queries: the same for a 30-lesson course and a 200-lesson one,
    moving to another lesson (its visit is recorded) included."""
    learner = UserFactory()
    client.force_login(learner)
    counts = []
    for title, modules, per_module in (("Thirty", 3, 10), ("Two hundred", 10, 20)):
        lessons = learner_in_course(client, catalogue, learner, title=title, modules=modules, per_module=per_module)
        for lesson in lessons[2:4]:
            client.get(lesson.url, headers=headers)  # warms the cache (outline, bodies, site root paths)
        # Django keeps the last 9000 queries; a full log would shift under the capture and misreport it.
        connection.queries_log.clear()
        with django_assert_max_num_queries(PAGE_BUDGET) as captured:
            response = client.get(lessons[2].url, headers=headers)  # a move: records the visit
        assert response.status_code == 200 and lessons[2].title in response.content.decode()
        sql = [query["sql"] for query in captured.captured_queries]
        # Nothing of the header: the session, the menu's site and pages, the viewer's permissions.
        assert not header_queries(sql), sql
        counts.append(len(sql))
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


def studying(course, learner, *, trainer):
    """Half the course done, a live session booked, a quiz graded and points won: every dashboard panel fills."""
    enrollment = services.enroll(user=learner, course=course)
    lesson = LessonPage.objects.live().descendant_of(course).first()
    services.complete_lesson(enrollment=enrollment, lesson=lesson)
    # What the completion's task (run on commit) awards.
    gamification_services.award(
        user=learner, rule=Rule.LESSON_COMPLETED, source=f"lesson:{lesson.pk}", occurred_at=timezone.now()
    )
    session = make_session(course, by=trainer, starts_at=timezone.now() + timedelta(days=3), title=course.title)
    scheduling_services.book_seat(session=session, user=learner)
    attempt = assessment_services.start_attempt(user=learner, assessment=make_assessment(course, title="Quiz"))
    for question_id, answer in right_answers(attempt).items():
        assessment_services.save_answer(attempt=attempt, question_id=question_id, answer=answer)
    attempt = assessment_services.submit_attempt(attempt=attempt)
    essay = next(question for question in attempt.snapshot["questions"] if question["type"] == "essay")
    assessment_services.grade_question(
        attempt=attempt, question_id=essay["id"], score="1", reason="", grader=trainer, feedback=None
    )
    gamification_services.adjust_points(user=learner, points=10, reason=f"{course.title} bonus", by=trainer)
    return enrollment


def dashboard_queries(client, django_assert_max_num_queries, limit):
    client.get(reverse("learning:dashboard"))  # warms the caches (session, menu, admin access, renditions)
    connection.queries_log.clear()
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(reverse("learning:dashboard"))
    assert response.status_code == 200
    sql = [query["sql"] for query in captured.captured_queries]
    # Learning's part (the enrolments with their courses and last lessons) is one query; the covers' renditions
    # come from the cache, the site the cards' links are found under too; nothing of the header.
    assert len([q for q in sql if re.match(r'SELECT ["`]learning_enrollment["`]\.', q)]) == 1
    assert not [q for q in sql if re.search(r'wagtailimages_rendition|wagtailcore_site["`]', q)], sql
    assert not header_queries(sql), sql
    return response.content.decode(), sql


@pytest.fixture
def dashboard_courses(catalogue, trainer):
    Badge.objects.create(name="First steps", description="One lesson", rule=BadgeRule.LESSONS_COMPLETED)
    Badge.objects.create(name="Marathon", description="Many lessons", rule=BadgeRule.LESSONS_COMPLETED, threshold=50)
    cover = make_image("Cover")
    # Three more than a learner enrols in, so a learner who finished 30 still gets suggestions.
    return [
        make_course(catalogue, title=f"Course {n}", trainer=trainer, modules=1, with_revisions=False, cover_image=cover)
        for n in range(33)
    ]


def enrolling_in_1_5_and_30(courses, enrol):
    """Enrols the learner (`enrol(course)`) in the first course, then up to 5, then up to 30, yielding how many."""
    done = 0
    for enrolled in (1, 5, 30):
        for course in courses[done:enrolled]:
            enrol(course)
        done = enrolled
        yield enrolled


def test_dashboard_takes_at_most_eight_queries_whatever_the_number_of_enrollments(
    client, dashboard_courses, trainer, django_assert_max_num_queries
):
    """The whole page: the user (the session comes from the cache), the enrolments (their covers' renditions and
    the site {% pageurl %} needs come from the cache), booked sessions, points and badges (two), recent grades."""
    learner = UserFactory()
    client.force_login(learner)
    counts = {}
    enrolments = enrolling_in_1_5_and_30(dashboard_courses, lambda course: studying(course, learner, trainer=trainer))
    for enrolled in enrolments:
        gamification_services.evaluate_badges(user=learner)
        assert Booking.objects.filter(user=learner).count() == enrolled
        html, sql = dashboard_queries(client, django_assert_max_num_queries, PAGE_BUDGET)
        assert f"Course {enrolled - 1}" in html and "In progress" in html and "was graded" in html
        assert 'data-badge="First steps" data-earned="yes"' in html and f"{enrolled} of 50" in html
        assert f'data-testid="points-total">{learner_summary(user=learner).points}<' in html
        counts[enrolled] = len(sql)
    assert counts[1] == counts[5] == counts[30]


def test_a_dashboard_with_every_course_finished_costs_the_same_at_1_5_and_30(
    client, dashboard_courses, trainer, django_assert_max_num_queries
):
    """Finished courses add the certificates panel and suggestions of what to take next (one query, the view
    restrictions inside it; their covers from the cache with the enrolments'): the whole budget, no more, whatever
    their number."""
    learner = UserFactory()
    client.force_login(learner)

    def finished(course):
        enrollment = studying(course, learner, trainer=trainer)
        for lesson in LessonPage.objects.live().descendant_of(course):
            services.complete_lesson(enrollment=enrollment, lesson=lesson)

    counts = {}
    for enrolled in enrolling_in_1_5_and_30(dashboard_courses, finished):
        html, sql = dashboard_queries(client, django_assert_max_num_queries, PAGE_BUDGET)
        assert "Completed" in html and "In progress" not in html and "What to learn next" in html
        # Every card still shows its cover: the finished courses' and the three suggestions'.
        assert html.count('srcset="') == enrolled + 3
        counts[enrolled] = len(sql)
    assert counts[1] == counts[5] == counts[30] == PAGE_BUDGET


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
