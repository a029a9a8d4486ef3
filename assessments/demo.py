"""Demo assessments for `manage.py seed_demo`; idempotent like the rest of the demo content."""

import uuid

from django.db import transaction

from courses.models import CoursePage, ModulePage

from .models import AssessmentPage, ShowAnswers


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
