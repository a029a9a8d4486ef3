"""Trainers grade essays and override scores with a kept reason; regrades apply fixed keys to old attempts."""

from decimal import Decimal

import pytest

from assessments import services
from assessments.models import AssessmentPage, Attempt, GradeChange
from assessments.tests.factories import by_type, right_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(student, assessment):
    attempt = services.start_attempt(user=student, assessment=assessment)
    for question_id, answer in right_answers(attempt).items():
        services.save_answer(attempt=attempt, question_id=question_id, answer=answer)
    return services.submit_attempt(attempt=attempt)


def test_grading_the_essay_decides_the_pass(submitted, trainer):
    essay_id = by_type(submitted)["essay"]["id"]
    attempt = services.grade_question(
        attempt=submitted, question_id=essay_id, score="0.5", reason="Thin", grader=trainer
    )
    assert attempt.score == Decimal("6.50") and not attempt.pending_manual
    assert attempt.percent == Decimal("92.86") and attempt.passed is True
    change = GradeChange.objects.get(attempt=attempt)
    assert (change.kind, change.previous_score, change.new_score, change.changed_by) == (
        GradeChange.Kind.ESSAY_GRADE,
        None,
        Decimal("0.50"),
        trainer,
    )


def test_override_needs_a_reason_and_is_audited(submitted, trainer):
    numeric_id = by_type(submitted)["numeric"]["id"]
    with pytest.raises(services.AssessmentError, match="reason"):
        services.grade_question(attempt=submitted, question_id=numeric_id, score=0, reason=" ", grader=trainer)
    attempt = services.grade_question(
        attempt=submitted, question_id=numeric_id, score=1, reason="Units missing", grader=trainer
    )
    assert attempt.score == Decimal("5.00")
    change = GradeChange.objects.get(kind=GradeChange.Kind.OVERRIDE)
    assert (change.previous_score, change.new_score, change.reason) == (
        Decimal("2.00"),
        Decimal("1.00"),
        "Units missing",
    )


@pytest.mark.parametrize("score", ["-1", "1.01", "lots"])
def test_scores_outside_the_question_are_refused(submitted, trainer, score):
    essay_id = by_type(submitted)["essay"]["id"]
    with pytest.raises(services.AssessmentError):
        services.grade_question(attempt=submitted, question_id=essay_id, score=score, reason="", grader=trainer)
    assert not GradeChange.objects.exists()


def test_only_course_staff_grade(submitted, other_trainer, learner, admin_user):
    essay_id = by_type(submitted)["essay"]["id"]
    for outsider in (other_trainer, learner, submitted.user):
        with pytest.raises(services.NotAllowed):
            services.grade_question(attempt=submitted, question_id=essay_id, score=1, reason="", grader=outsider)
    services.grade_question(attempt=submitted, question_id=essay_id, score=1, reason="", grader=admin_user)


def test_regrade_applies_a_fixed_key_and_keeps_manual_grades(submitted, trainer, assessment):
    essay_id = by_type(submitted)["essay"]["id"]
    services.grade_question(attempt=submitted, question_id=essay_id, score=1, reason="", grader=trainer)

    page = AssessmentPage.objects.get(pk=assessment.pk)
    page.questions[2].value["answer"] = "true"  # the true/false key was wrong; the learner answered False
    page.save_revision().publish()
    page = AssessmentPage.objects.get(pk=assessment.pk)

    assert services.regrade_assessment(assessment=page, by=trainer) == 1
    attempt = Attempt.objects.get(pk=submitted.pk)
    assert attempt.score == Decimal("6.00")  # lost the true/false point, kept the essay grade
    regrade = GradeChange.objects.get(kind=GradeChange.Kind.REGRADE)
    assert (regrade.previous_score, regrade.new_score) == (Decimal("7.00"), Decimal("6.00"))
    assert services.regrade_assessment(assessment=page, by=trainer) == 0  # nothing left to change


def test_regrade_reports_progress(submitted, assessment, student):
    seen = []
    services.regrade_assessment(assessment=assessment, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 1)]
