"""What the learner's dashboard offers when nothing is left to study."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageViewRestriction

from accounts.tests.factories import UserFactory
from courses.models import CourseIndexPage, CoursePage, LessonPage
from courses.tests.factories import make_category, make_course
from learning import selectors, services
from learning.models import EnrollmentStatus

pytestmark = pytest.mark.django_db


def finish(user, course: CoursePage):
    enrollment = services.enroll(user=user, course=course)
    for lesson in LessonPage.objects.live().descendant_of(course):
        services.complete_lesson(enrollment=enrollment, lesson=lesson)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED
    return enrollment


def course(catalogue, title, *, category="Programming", level="beginner", days_old=0, **fields):
    made = make_course(
        catalogue,
        title=title,
        category=make_category(category),
        level=level,
        lessons_per_module=1,
        with_revisions=False,
        **fields,
    )
    # Publication dates decide the order within a rank; spread them so the test does not hang on a tie.
    CoursePage.objects.filter(pk=made.pk).update(first_published_at=timezone.now() - timedelta(days=days_old))
    return made


@pytest.fixture
def learner_who_finished_python(catalogue, learner):
    finish(learner, course(catalogue, "Python", category="Programming", level="beginner", days_old=30))
    return learner


def titles(courses):
    return [course.title for course in courses]


def test_suggestions_put_the_same_category_first_then_the_same_level(catalogue, learner_who_finished_python):
    course(catalogue, "Accounting advanced", category="Business", level="advanced", days_old=1)
    course(catalogue, "Sales for beginners", category="Business", level="beginner", days_old=2)
    course(catalogue, "Rust advanced", category="Programming", level="advanced", days_old=3)
    course(catalogue, "Go for beginners", category="Programming", level="beginner", days_old=4)

    dashboard = selectors.learner_dashboard(user=learner_who_finished_python)

    assert dashboard.active == [] and titles(enrollment.course for enrollment in dashboard.completed) == ["Python"]
    assert titles(dashboard.suggestions) == ["Go for beginners", "Rust advanced", "Sales for beginners"]


def test_suggestions_leave_out_courses_taken_left_unpublished_or_taught_by_the_learner(
    catalogue, learner_who_finished_python, trainer
):
    learner = learner_who_finished_python
    left = course(catalogue, "Left behind")
    services.leave_course(enrollment=services.enroll(user=learner, course=left))
    course(catalogue, "Draft", publish=False)
    learner.role = "trainer"
    learner.save()
    course(catalogue, "Taught by them", trainer=learner)
    course(catalogue, "Open to take", trainer=trainer, days_old=5)

    suggestions = titles(selectors.learner_dashboard(user=learner).suggestions)

    assert suggestions == ["Open to take"]


def test_suggestions_leave_out_courses_behind_a_view_restriction_on_them_or_above_them(
    catalogue, home_page, learner_who_finished_python
):
    """The restriction check sits inside the suggestions' query: what Wagtail's `public()` would leave out."""
    with_password = course(catalogue, "With a password", days_old=1)
    PageViewRestriction.objects.create(
        page=with_password, restriction_type=PageViewRestriction.PASSWORD, password="s3cret"
    )
    members = home_page.add_child(instance=CourseIndexPage(title="Members only", slug="members-only"))
    PageViewRestriction.objects.create(page=members, restriction_type=PageViewRestriction.LOGIN)
    course(members, "In the members' catalogue", days_old=2)
    course(catalogue, "Open to all", days_old=3)

    suggestions = titles(selectors.learner_dashboard(user=learner_who_finished_python).suggestions)

    assert suggestions == ["Open to all"]
    assert "Open to all" in titles(CoursePage.objects.live().public())
    assert not {"With a password", "In the members' catalogue"} & set(titles(CoursePage.objects.live().public()))


def test_a_course_in_progress_means_no_suggestions(client, catalogue, learner_who_finished_python):
    services.enroll(user=learner_who_finished_python, course=course(catalogue, "Still studying"))
    course(catalogue, "Would be suggested")

    client.force_login(learner_who_finished_python)
    html = client.get(reverse("learning:dashboard")).content.decode()

    assert "Would be suggested" not in html and "What to learn next" not in html


def test_a_learner_who_finished_everything_sees_cards_to_take_up_next(client, catalogue, learner_who_finished_python):
    suggested = course(catalogue, "Go for beginners")

    client.force_login(learner_who_finished_python)
    html = client.get(reverse("learning:dashboard")).content.decode()

    assert "What to learn next" in html
    assert f'href="{suggested.url}"' in html


def test_a_learner_with_no_course_gets_the_newest_courses(client, catalogue, learner):
    for n in range(5):
        course(catalogue, f"Course {n}", days_old=n)

    assert titles(selectors.learner_dashboard(user=learner).suggestions) == ["Course 0", "Course 1", "Course 2"]
    client.force_login(learner)
    html = client.get(reverse("learning:dashboard")).content.decode()
    assert "Courses to start with" in html and "Course 0" in html and "Course 4" not in html


def test_suggestion_queries_do_not_grow_with_the_catalogue_or_finished_courses(
    client, catalogue, django_assert_max_num_queries
):
    learner = UserFactory()
    client.force_login(learner)
    url = reverse("learning:dashboard")
    counts = []
    for round_ in range(2):
        for n in range(1 if round_ == 0 else 12):
            finish(learner, course(catalogue, f"Finished {round_}.{n}", category=f"Subject {n}"))
            course(catalogue, f"Open {round_}.{n}", category=f"Subject {n}")
        client.get(url)  # first visits create per-user rows (e.g. Wagtail's user profile) once
        with django_assert_max_num_queries(16) as captured:
            response = client.get(url)
        assert response.status_code == 200
        assert "What to learn next" in response.content.decode()
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
