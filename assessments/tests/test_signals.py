"""attempt_graded: sent once an attempt has a final grade, and again only when that grade changes."""

import pytest

from assessments import services
from assessments.models import Attempt
from assessments.signals import attempt_graded
from assessments.tests.factories import by_type, make_assessment, option, question, right_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def graded_events():
    events = []

    def on_graded(sender, attempt, **kwargs):
        events.append((attempt.pk, attempt.score, attempt.passed))

    attempt_graded.connect(on_graded, dispatch_uid="test-graded")
    yield events
    attempt_graded.disconnect(dispatch_uid="test-graded")


def answered(student, assessment) -> Attempt:
    attempt = services.start_attempt(user=student, assessment=assessment)
    for question_id, answer in right_answers(attempt).items():
        services.save_answer(attempt=attempt, question_id=question_id, answer=answer)
    return attempt


def test_an_automatically_graded_attempt_is_announced_once(student, course, graded_events):
    quiz = make_assessment(
        course, slug="auto", questions=[question("single_choice", options=[option("Yes", True), option("No")])]
    )
    attempt = services.start_attempt(user=student, assessment=quiz)
    services.save_answer(attempt=attempt, question_id=by_type(attempt)["single_choice"]["id"], answer="nonsense")
    services.submit_attempt(attempt=attempt)
    services.submit_attempt(attempt=attempt)
    assert graded_events == [(attempt.pk, 0, False)]


def test_an_essay_waits_for_its_grade_and_changes_are_announced(student, assessment, trainer, graded_events):
    attempt = services.submit_attempt(attempt=answered(student, assessment))
    assert graded_events == []  # the essay still waits for a trainer

    essay = by_type(attempt)["essay"]["id"]
    services.grade_question(attempt=attempt, question_id=essay, score=1, reason="", grader=trainer)
    assert graded_events == [(attempt.pk, 7, True)]

    services.regrade_attempt(attempt=attempt)  # same keys, same grade: nothing new to say
    assert len(graded_events) == 1

    single = by_type(attempt)["single_choice"]["id"]
    services.grade_question(attempt=attempt, question_id=single, score=0, reason="Copied", grader=trainer)
    assert graded_events[-1] == (attempt.pk, 6, True) and len(graded_events) == 2
