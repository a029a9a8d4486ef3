"""Passing a required assessment is a step of the course, like a lesson."""

import pytest

from assessments import services
from assessments.tests.factories import make_assessment, option, question
from learning import services as learning_services
from learning.models import Enrollment, EnrollmentStatus
from learning.signals import enrollment_completed

pytestmark = pytest.mark.django_db


def one_question_quiz(course, **fields):
    return make_assessment(
        course, questions=[question("single_choice", options=[option("right", True), option("wrong")])], **fields
    )


def take(user, quiz, *, right: bool):
    attempt = services.start_attempt(user=user, assessment=quiz)
    q = attempt.snapshot["questions"][0]
    pick = next(o["id"] for o in q["options"] if o["correct"] is right)
    services.save_answer(attempt=attempt, question_id=q["id"], answer=pick)
    return services.submit_attempt(attempt=attempt)


@pytest.fixture
def completions():
    seen = []

    def on_completed(sender, enrollment, **kwargs):
        seen.append(enrollment.pk)

    enrollment_completed.connect(on_completed, dispatch_uid="test-completions")
    yield seen
    enrollment_completed.disconnect(dispatch_uid="test-completions")


def test_a_required_assessment_must_be_passed_to_complete(
    learner, course, lessons, django_capture_on_commit_callbacks, completions
):
    quiz = one_question_quiz(course, slug="final", is_required=True)
    enrollment = learning_services.enroll(user=learner, course=course)
    for lesson in lessons:
        enrollment = learning_services.complete_lesson(enrollment=enrollment, lesson=lesson).enrollment
    assert enrollment.status == EnrollmentStatus.ACTIVE and enrollment.progress_percent == 80

    with django_capture_on_commit_callbacks(execute=True):
        take(learner, quiz, right=False)
    assert Enrollment.objects.get(pk=enrollment.pk).progress_percent == 80

    with django_capture_on_commit_callbacks(execute=True):
        take(learner, quiz, right=True)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED and enrollment.progress_percent == 100
    assert completions == [enrollment.pk]


def test_an_optional_assessment_does_not_count(learner, course, lessons):
    one_question_quiz(course, slug="practice", is_required=False)
    enrollment = learning_services.enroll(user=learner, course=course)
    for lesson in lessons:
        enrollment = learning_services.complete_lesson(enrollment=enrollment, lesson=lesson).enrollment
    assert enrollment.status == EnrollmentStatus.COMPLETED


def test_unpublishing_a_required_assessment_completes_those_who_did_the_rest(
    learner, course, lessons, django_capture_on_commit_callbacks
):
    quiz = one_question_quiz(course, slug="final", is_required=True)
    enrollment = learning_services.enroll(user=learner, course=course)
    for lesson in lessons:
        learning_services.complete_lesson(enrollment=enrollment, lesson=lesson)
    with django_capture_on_commit_callbacks(execute=True):
        quiz.unpublish()
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED


def test_the_player_outline_lists_the_assessment_and_ticks_it_once_passed(client, learner, course, lessons):
    quiz = one_question_quiz(course, slug="final", is_required=True, title="Final quiz")
    learning_services.enroll(user=learner, course=course)
    client.force_login(learner)
    html = client.get(lessons[0].url).content.decode()
    assert "Final quiz" in html and f'href="{quiz.url}" hx-boost="false"' in html and "(passed)" not in html
    take(learner, quiz, right=True)
    assert "(passed)" in client.get(lessons[0].url).content.decode()


def test_the_dashboard_lists_recent_grades(client, learner, course):
    quiz = one_question_quiz(course, slug="final", is_required=True, title="Final quiz")
    learning_services.enroll(user=learner, course=course)
    take(learner, quiz, right=True)
    client.force_login(learner)
    html = client.get("/learning/").content.decode()
    assert "Recent grades" in html and "Final quiz" in html and "100%" in html
