"""Editors' question blocks: bad setups are refused with a message; the snapshot carries what grading needs."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail.blocks import StreamValue

from assessments.blocks import QuestionsBlock
from assessments.models import AssessmentPage, ShowAnswers
from assessments.tests.factories import make_assessment, option, question

pytestmark = pytest.mark.django_db


def clean_stream(*questions):
    block = QuestionsBlock()
    return block.clean(block.to_python(list(questions)))


@pytest.mark.parametrize("correct_flags", [(False, False), (True, True)])
def test_single_choice_needs_exactly_one_right_option(correct_flags):
    options = [option(f"O{i}", flag) for i, flag in enumerate(correct_flags)]
    with pytest.raises(ValidationError) as error:
        clean_stream(question("single_choice", options=options))
    assert "exactly one option" in str(error.value.as_json_data())


def test_multiple_choice_needs_a_right_option():
    with pytest.raises(ValidationError) as error:
        clean_stream(
            question("multiple_choice", options=[option("a"), option("b")], partial_credit=True, penalise_wrong=True)
        )
    assert "at least one option" in str(error.value.as_json_data())


def test_short_text_needs_an_accepted_answer():
    with pytest.raises(ValidationError):
        clean_stream(question("short_text", accepted=[], case_sensitive=False))


def test_an_assessment_needs_a_question():
    with pytest.raises(ValidationError):
        clean_stream()


def test_valid_questions_pass():
    cleaned = clean_stream(
        question("single_choice", options=[option("a", True), option("b")]),
        question("numeric", value="3.14", tolerance="0.01"),
        question("essay", grading_guidance="Mentions X"),
    )
    assert len(cleaned) == 3


def test_pass_mark_over_100_is_refused(course):
    page = AssessmentPage(title="Quiz", slug="quiz", pass_mark=120)
    with pytest.raises(ValidationError) as error:
        page.full_clean(exclude=["path", "depth", "content_type", "locale", "translation_key", "questions"])
    assert "pass_mark" in error.value.message_dict


@pytest.mark.parametrize(
    ("fields", "field_in_error"),
    [
        ({"show_answers": ShowAnswers.AFTER_DUE_DATE}, "due_at"),
        ({"show_answers": ShowAnswers.AFTER_LAST_ATTEMPT}, "max_attempts"),
    ],
)
def test_answer_visibility_needs_its_setting(fields, field_in_error):
    page = AssessmentPage(title="Quiz", slug="quiz", **fields)
    with pytest.raises(ValidationError) as error:
        page.clean()
    assert field_in_error in error.value.message_dict


def test_visibility_settings_that_fit_pass():
    AssessmentPage(
        title="Q", show_answers=ShowAnswers.AFTER_DUE_DATE, due_at=timezone.now() + timedelta(days=1)
    ).clean()
    AssessmentPage(title="Q", show_answers=ShowAnswers.AFTER_LAST_ATTEMPT, max_attempts=3).clean()


def test_snapshot_carries_ids_and_keys_for_grading(course):
    page = make_assessment(course)
    snapshot = page.questions_snapshot()
    json.dumps(snapshot)  # it is stored as JSON on the attempt
    questions = snapshot["questions"]
    assert [q["type"] for q in questions] == [
        "single_choice",
        "multiple_choice",
        "true_false",
        "short_text",
        "numeric",
        "essay",
    ]
    assert [q["id"] for q in questions] == [block.id for block in page.questions]
    single = questions[0]
    assert [(o["text"], o["correct"]) for o in single["options"]] == [("Paris", True), ("Lyon", False)]
    assert all(o["id"] for o in single["options"])
    assert questions[1]["partial_credit"] is True and questions[1]["penalise_wrong"] is False
    assert questions[2]["answer"] is False
    assert questions[3]["accepted"] == ["Ada Lovelace", "Lovelace"]
    assert (questions[4]["value"], questions[4]["tolerance"], questions[4]["points"]) == ("3.14", "0.01", "2")


def test_question_ids_survive_edits(course):
    page = make_assessment(course)
    before = [q["id"] for q in page.questions_snapshot()["questions"]]
    page.questions[0].value["points"] = 5
    page.save_revision().publish()
    page = AssessmentPage.objects.get(pk=page.pk)
    assert [q["id"] for q in page.questions_snapshot()["questions"]] == before
    assert isinstance(page.questions, StreamValue)


def test_assessments_go_in_courses_and_modules_only(course, catalogue):
    from courses.models import LessonPage, ModulePage

    module = ModulePage.objects.child_of(course).first()
    assert AssessmentPage.can_create_at(course) and AssessmentPage.can_create_at(module)
    assert not AssessmentPage.can_create_at(catalogue)
    assert not AssessmentPage.can_create_at(LessonPage.objects.child_of(module).first())
