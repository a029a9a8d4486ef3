"""Demo assessments for `manage.py seed_demo`; idempotent like the rest of the demo content."""

import uuid

from django.db import transaction

from accounts.models import User
from courses.models import CoursePage, ModulePage

from . import grading, services
from .models import AssessmentPage, Attempt, ShowAnswers


def _option(text: str, correct: bool = False) -> dict:
    return {"type": "item", "id": str(uuid.uuid4()), "value": {"text": text, "correct": correct}}


def _question(block_type: str, prompt: str, points: str = "1", explanation: str = "", **value) -> dict:
    return {
        "type": block_type,
        "value": {"prompt": f"<p>{prompt}</p>", "points": points, "explanation": explanation, **value},
    }


PRACTICE_QUESTIONS = [
    _question(
        "single_choice",
        "Which module reads CSV files in the standard library?",
        options=[_option("csv", True), _option("pandas"), _option("json")],
        explanation="<p>pandas is popular, but it is not part of the standard library.</p>",
    ),
    _question(
        "multiple_choice",
        "Which of these are Python data types?",
        options=[_option("list", True), _option("dict", True), _option("array-list")],
        partial_credit=True,
        penalise_wrong=True,
    ),
    _question("true_false", "Values read with csv.DictReader are numbers.", answer="false"),
    _question(
        "short_text",
        "Which built-in function adds up a list of numbers?",
        accepted=["sum", "sum()"],
        case_sensitive=False,
    ),
    _question("numeric", "What is 120.50 + 98.00 + 143.25?", points="2", value="361.75", tolerance="0.01"),
]

FINAL_QUESTIONS = [
    _question(
        "single_choice",
        "Where does a Django model's table definition come from?",
        options=[_option("The model class, through migrations", True), _option("A hand-written SQL file")],
    ),
    _question("true_false", "Migrations should be committed with the code.", answer="true"),
    _question(
        "essay",
        "Describe how you would add a capacity check to the Room booking view.",
        points="4",
        grading_guidance="Look for: a form or service validation, a clear error message, a test.",
    ),
]

REFLECTION_SLUG = "reflection"
REFLECTION_QUESTIONS = [
    _question(
        "single_choice",
        "Which reader gives you each row of a CSV file as a dictionary?",
        options=[_option("csv.DictReader", True), _option("csv.reader"), _option("open()")],
    ),
    _question(
        "essay",
        "Describe a question you would answer with the sales data, and how you would answer it in Python.",
        points="4",
        grading_guidance="Look for: a concrete question, reading the file, a total or average, a conclusion.",
    ),
]
DEMO_ESSAY = (
    "I would ask which month sold the most. I read sales.csv with csv.DictReader, add up the amount of each "
    "row per month in a dictionary and print the month with the largest total."
)
DEMO_ESSAY_COMMENT = (
    "Clear question and a sound plan. Convert the amounts with float() before adding them up, or the totals "
    "will be strings glued together."
)
DEMO_OVERALL_COMMENT = "Well done: you read data and summarise it the way the course intends. On to the next module!"


@transaction.atomic
def seed_assessments(*, courses: list[CoursePage]) -> None:
    by_slug = {course.slug: course for course in courses}
    python = by_slug.get("python-for-data-analysis")
    if python is not None:
        module = ModulePage.objects.child_of(python).filter(slug="working-with-data").first()
        if module is not None and not AssessmentPage.objects.child_of(module).exists():
            quiz = module.add_child(
                instance=AssessmentPage(
                    title="Practice quiz: working with data",
                    slug="practice-quiz",
                    questions=PRACTICE_QUESTIONS,
                    pass_mark=60,
                    is_required=False,
                    show_answers=ShowAnswers.AFTER_EACH_ATTEMPT,
                )
            )
            quiz.save_revision().publish()
    if python is not None and not AssessmentPage.objects.descendant_of(python).filter(slug=REFLECTION_SLUG).exists():
        # Not required: learners who finished the course before it existed stay finished.
        reflection = python.add_child(
            instance=AssessmentPage(
                title="Reflection: your first analysis",
                slug=REFLECTION_SLUG,
                questions=REFLECTION_QUESTIONS,
                pass_mark=60,
                is_required=False,
                show_answers=ShowAnswers.AFTER_EACH_ATTEMPT,
            )
        )
        reflection.save_revision().publish()
    django_course = by_slug.get("building-web-apps-with-django")
    if django_course is not None and not AssessmentPage.objects.child_of(django_course).exists():
        final = django_course.add_child(
            instance=AssessmentPage(
                title="Final assessment",
                slug="final-assessment",
                questions=FINAL_QUESTIONS,
                pass_mark=70,
                max_attempts=3,
                time_limit_minutes=30,
                is_required=True,
                show_answers=ShowAnswers.AFTER_LAST_ATTEMPT,
            )
        )
        final.save_revision().publish()


@transaction.atomic
def seed_graded_essay(*, learner: User, trainer: User, courses: list[CoursePage]) -> None:
    """The learner's reflection, graded by the trainer with a comment on the essay and one on the whole attempt,
    so the demo shows feedback on a result page and a graded line on the dashboard. Idempotent: a learner who
    has an attempt at it is left alone."""
    python = next((course for course in courses if course.slug == "python-for-data-analysis"), None)
    reflection = (
        AssessmentPage.objects.live().descendant_of(python).filter(slug=REFLECTION_SLUG).first() if python else None
    )
    if reflection is None or Attempt.objects.filter(user=learner, assessment=reflection).exists():
        return
    attempt = services.start_attempt(user=learner, assessment=reflection)
    answers = grading.full_marks_answers(attempt.snapshot)
    for question in attempt.snapshot["questions"]:
        given = DEMO_ESSAY if question["type"] == "essay" else answers[question["id"]]
        services.save_answer(attempt=attempt, question_id=question["id"], answer=given)
    attempt = services.submit_attempt(attempt=attempt)
    services.give_feedback(attempt=attempt, text=DEMO_OVERALL_COMMENT, author=trainer)
    essay = next(question for question in attempt.snapshot["questions"] if question["type"] == "essay")
    services.grade_question(
        attempt=attempt, question_id=essay["id"], score="3", reason="", grader=trainer, feedback=DEMO_ESSAY_COMMENT
    )
