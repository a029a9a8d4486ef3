"""Assessments as an editor would build them: raw StreamField data for every question type."""

import uuid

from assessments.models import AssessmentPage


def option(text, correct=False):
    return {"type": "item", "id": str(uuid.uuid4()), "value": {"text": text, "correct": correct}}


def question(block_type, **value):
    value.setdefault("prompt", "<p>Question?</p>")
    value.setdefault("points", "1")
    value.setdefault("explanation", "")
    return {"type": block_type, "value": value}


def make_assessment(course, **fields):
    fields.setdefault("title", "Quiz")
    fields.setdefault(
        "questions",
        [
            question("single_choice", options=[option("Paris", True), option("Lyon")]),
            question(
                "multiple_choice",
                options=[option("2", True), option("3", True), option("4")],
                partial_credit=True,
                penalise_wrong=False,
            ),
            question("true_false", answer="false"),
            question("short_text", accepted=["Ada Lovelace", "Lovelace"], case_sensitive=False),
            question("numeric", value="3.14", tolerance="0.01", points="2"),
            question("essay", grading_guidance="Names two causes."),
        ],
    )
    return course.add_child(instance=AssessmentPage(**fields))


def by_type(attempt):
    return {q["type"]: q for q in attempt.snapshot["questions"]}


def right_answers(attempt):
    questions = by_type(attempt)
    return {
        questions["single_choice"]["id"]: next(o["id"] for o in questions["single_choice"]["options"] if o["correct"]),
        questions["multiple_choice"]["id"]: [o["id"] for o in questions["multiple_choice"]["options"] if o["correct"]],
        questions["true_false"]["id"]: False,
        questions["short_text"]["id"]: "  ada   LOVELACE ",
        questions["numeric"]["id"]: "3,145",
        questions["essay"]["id"]: "Two causes: a and b.",
    }
