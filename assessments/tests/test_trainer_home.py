"""The trainer home's "Essays to grade" panel ({% grading_backlog %} on learning:teaching)."""

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from accounts.tests.factories import UserFactory
from assessments import selectors, services
from assessments.tests.factories import by_type, make_assessment
from courses.models import ModulePage
from courses.tests.factories import make_course
from lms_site.tests.clients import as_

from .test_trainer_views import enrolled, take

pytestmark = pytest.mark.django_db

URL = reverse("learning:teaching")


def panel(client, user):
    response = as_(client, user).get(URL)
    assert response.status_code == 200
    (section,) = lxml_html.fromstring(response.content.decode()).xpath('//section[@data-panel="grading"]')
    return section


def text(node) -> str:
    return " ".join(node.text_content().split())


@pytest.fixture
def second_course(catalogue, trainer):
    return make_course(catalogue, title="Second course", trainer=trainer, with_revisions=False)


def test_the_backlog_counts_attempts_waiting_for_an_essay_grade_per_course(trainer, course, assessment, second_course):
    # An assessment inside a module belongs to the course as much as one right under it.
    in_module = make_assessment(ModulePage.objects.child_of(second_course).first(), title="Module exam", slug="exam")
    first = [take(enrolled(course), assessment) for _ in range(2)]
    take(enrolled(second_course), in_module)
    graded = take(enrolled(second_course), in_module)
    services.grade_question(
        attempt=graded, question_id=by_type(graded)["essay"]["id"], score="1", reason="", grader=trainer
    )
    services.start_attempt(user=enrolled(course), assessment=assessment)  # still open: not submitted

    backlog = selectors.grading_backlog(courses=[course, second_course])
    assert [(line.course, line.attempts) for line in backlog] == [(course, 2), (second_course, 1)]
    assert backlog[0].oldest_submitted_at == min(attempt.submitted_at for attempt in first)
    # The panel and the queue agree.
    assert backlog[0].attempts == selectors.grading_queue(course=course).count()


def test_the_panel_links_each_course_to_its_grading_queue(client, trainer, course, assessment, second_course):
    take(enrolled(course), assessment)
    section = panel(client, trainer)
    (line,) = section.xpath(".//li")
    assert line.get("data-course") == str(course.pk)
    assert "1 attempt waiting for an essay grade" in text(line)
    (link,) = line.xpath(".//a")
    assert (text(link), link.get("href")) == (course.title, reverse("assessments:grading_queue", args=(course.pk,)))
    assert "Second course" not in text(section)  # nothing waits there
    assert not section.xpath(".//*[@data-empty-state]")


def test_only_the_trainers_own_courses_and_all_for_admins(
    client, trainer, other_trainer, catalogue, course, assessment
):
    theirs = make_course(catalogue, title="Not mine", trainer=other_trainer, with_revisions=False)
    take(enrolled(theirs), make_assessment(theirs, title="Their quiz", slug="their-quiz"))
    take(enrolled(course), assessment)

    assert "Not mine" not in text(panel(client, trainer))
    assert [li.get("data-course") for li in panel(client, UserFactory(role="admin")).xpath(".//li")] == [
        str(theirs.pk),
        str(course.pk),
    ]  # the longest waiting first
    assert [li.get("data-course") for li in panel(client, other_trainer).xpath(".//li")] == [str(theirs.pk)]


def test_nothing_to_grade_is_one_message(client, trainer, course, assessment):
    section = panel(client, trainer)
    assert len(section.xpath(".//*[@data-empty-state]")) == 1
    assert "No essay is waiting for a grade." in text(section)


def test_the_query_count_does_not_grow_with_courses_or_attempts(
    client, trainer, catalogue, course, assessment, django_assert_max_num_queries
):
    client.force_login(trainer)
    take(enrolled(course), assessment)

    def queries():
        client.get(URL)
        with django_assert_max_num_queries(12) as captured:
            assert client.get(URL).status_code == 200
        return len(captured.captured_queries)

    few = queries()
    for number in range(4):
        extra = make_course(catalogue, title=f"Course {number}", trainer=trainer, with_revisions=False)
        quiz = make_assessment(extra, title=f"Quiz {number}", slug=f"quiz-{number}")
        for _ in range(3):
            take(enrolled(extra), quiz)
    assert queries() == few
    assert len(panel(client, trainer).xpath(".//li")) == 5
