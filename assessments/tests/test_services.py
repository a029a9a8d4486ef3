import random
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from assessments import services
from assessments.models import Attempt, AttemptStatus
from assessments.tests.factories import by_type, make_assessment, option, question, right_answers

pytestmark = pytest.mark.django_db


def test_only_enrolled_learners_start_attempts(learner, assessment):
    with pytest.raises(services.NotAllowed):
        services.start_attempt(user=learner, assessment=assessment)
    assert not Attempt.objects.exists()


def test_reloading_resumes_the_open_attempt(student, assessment):
    first = services.start_attempt(user=student, assessment=assessment)
    assert services.start_attempt(user=student, assessment=assessment).pk == first.pk
    assert first.number == 1 and first.max_score == Decimal("7.00")


def test_answers_are_saved_as_given_and_graded_on_submit(student, assessment):
    attempt = services.start_attempt(user=student, assessment=assessment)
    for question_id, answer in right_answers(attempt).items():
        services.save_answer(attempt=attempt, question_id=question_id, answer=answer)
    attempt = services.submit_attempt(attempt=attempt)
    assert attempt.status == AttemptStatus.SUBMITTED
    assert attempt.score == Decimal("6.00")  # everything but the essay, which waits for a trainer
    assert attempt.pending_manual and attempt.passed is None


def test_unknown_questions_and_odd_answer_shapes_are_refused_or_ignored(student, assessment):
    attempt = services.start_attempt(user=student, assessment=assessment)
    with pytest.raises(services.UnknownQuestion):
        services.save_answer(attempt=attempt, question_id="not-a-question", answer="x")
    essay_id = by_type(attempt)["essay"]["id"]
    attempt = services.save_answer(attempt=attempt, question_id=essay_id, answer={"score": 100})
    assert attempt.answers[essay_id] is None


def test_submitting_twice_changes_nothing(student, assessment):
    attempt = services.start_attempt(user=student, assessment=assessment)
    first = services.submit_attempt(attempt=attempt)
    second = services.submit_attempt(attempt=attempt)
    assert (first.submitted_at, first.score) == (second.submitted_at, second.score)
    with pytest.raises(services.AttemptClosed):
        services.save_answer(attempt=attempt, question_id=by_type(attempt)["essay"]["id"], answer="late")


def test_the_time_limit_is_enforced_on_the_server(student, course):
    quiz = make_assessment(course, time_limit_minutes=10, slug="timed")
    attempt = services.start_attempt(user=student, assessment=quiz)
    tf_id = by_type(attempt)["true_false"]["id"]
    services.save_answer(attempt=attempt, question_id=tf_id, answer=False)

    later = timezone.now() + timedelta(minutes=11)
    with mock.patch("django.utils.timezone.now", return_value=later), pytest.raises(services.TimeUp):
        services.save_answer(attempt=attempt, question_id=by_type(attempt)["numeric"]["id"], answer="3.14")
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED
    assert attempt.answers == {tf_id: False}  # submitted as it stood at the deadline
    assert attempt.score == Decimal("1.00")


def test_expired_attempts_are_submitted_by_the_periodic_task(student, course):
    quiz = make_assessment(course, time_limit_minutes=5, slug="timed")
    attempt = services.start_attempt(user=student, assessment=quiz)
    assert services.submit_expired_attempts() == 0
    assert services.submit_expired_attempts(now=timezone.now() + timedelta(minutes=6)) == 1
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED


def test_attempt_limit(student, course):
    quiz = make_assessment(course, max_attempts=2, slug="twice")
    for _ in range(2):
        services.submit_attempt(attempt=services.start_attempt(user=student, assessment=quiz))
    with pytest.raises(services.AttemptsExhausted):
        services.start_attempt(user=student, assessment=quiz)
    assert Attempt.objects.filter(user=student).count() == 2


def test_shuffling_changes_the_order_but_not_the_grade(student, course):
    quiz = make_assessment(course, shuffle_questions=True, shuffle_options=True, slug="shuffled")
    attempt = services.start_attempt(user=student, assessment=quiz, rng=random.Random(4))
    original = [q["id"] for q in quiz.questions_snapshot()["questions"]]
    assert sorted(q["id"] for q in attempt.snapshot["questions"]) == sorted(original)
    assert [q["id"] for q in attempt.snapshot["questions"]] != original
    for question_id, answer in right_answers(attempt).items():
        services.save_answer(attempt=attempt, question_id=question_id, answer=answer)
    assert services.submit_attempt(attempt=attempt).score == Decimal("6.00")


def test_a_later_edit_of_the_key_does_not_change_a_started_attempt(student, assessment):
    attempt = services.start_attempt(user=student, assessment=assessment)
    assessment.questions[2].value["answer"] = "true"  # the true/false key flips after the attempt started
    assessment.save_revision().publish()
    tf_id = by_type(attempt)["true_false"]["id"]
    services.save_answer(attempt=attempt, question_id=tf_id, answer=False)
    assert services.submit_attempt(attempt=attempt).score == Decimal("1.00")


def test_a_single_choice_key_is_never_taken_from_the_browser(student, course):
    quiz = make_assessment(
        course, slug="one", questions=[question("single_choice", options=[option("a", True), option("b")])]
    )
    attempt = services.start_attempt(user=student, assessment=quiz)
    wrong = next(o["id"] for o in attempt.snapshot["questions"][0]["options"] if not o["correct"])
    services.save_answer(attempt=attempt, question_id=attempt.snapshot["questions"][0]["id"], answer=wrong)
    attempt = services.submit_attempt(attempt=attempt)
    assert attempt.score == Decimal("0.00") and attempt.passed is False
