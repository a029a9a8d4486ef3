"""What the load test's simulated people read off the pages they get, as a browser would: the forms they post
and the fields those forms hold. Only the standard library, so bench/locustfile.py (locust's process, no
Django) and lms_site/tests/test_bench_load.py (which checks these against pages Django renders) share it.

Each function returns None (or an empty list) when the page does not hold what it looks for: the caller
decides whether that is a failure or simply nothing to do (an empty grading queue, a lesson already done).
"""

import html
import random
import re
from dataclasses import dataclass, field

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ENROL_ACTION = re.compile(r'action="(/learning/courses/\d+/enrol/)"')
COMPLETE_ACTION = re.compile(r'action="(/learning/lessons/\d+/complete/)"')
QUIZ_START_ACTION = re.compile(r'action="(/assessments/\d+/start/)"')
QUIZ_SUBMIT_ACTION = re.compile(r'action="(/assessments/attempts/\d+/submit/)"')
ANSWER_FORM = re.compile(r'<form[^>]*action="(/assessments/attempts/\d+/answer/)"(.*?)</form>', re.DOTALL)
GRADE_FORM = re.compile(r'<form[^>]*action="(/assessments/attempts/\d+/grade-essay/)"(.*?)</form>', re.DOTALL)
HIDDEN_QUESTION_ID = re.compile(r'name="question_id" value="([^"]+)"')
INPUT = re.compile(r"<input\b[^>]*>")
ATTRIBUTE = re.compile(r'([a-z-]+)="([^"]*)"')

# What a learner writes in an essay: long enough to look like an answer, the same for every run.
ESSAY_ANSWER = (
    "I would start from the question I want answered, collect the data that answers it, check it for gaps "
    "and then summarise it in a short table with one conclusion."
)


def csrf_token(page: str) -> str | None:
    found = CSRF_FIELD.search(page)
    return html.unescape(found.group(1)) if found else None


def first(pattern: re.Pattern[str], page: str) -> str | None:
    found = pattern.search(page)
    return found.group(1) if found else None


def enrol_action(page: str) -> str | None:
    """The course page's "Enrol" form (absent once enrolled, or for a paid course)."""
    return first(ENROL_ACTION, page)


def complete_action(page: str) -> str | None:
    """The lesson player's "Mark as complete" form (absent once the lesson is done)."""
    return first(COMPLETE_ACTION, page)


def quiz_start_action(page: str) -> str | None:
    return first(QUIZ_START_ACTION, page)


def quiz_submit_action(page: str) -> str | None:
    return first(QUIZ_SUBMIT_ACTION, page)


@dataclass
class Question:
    """One question of an open attempt as its form shows it: where the answer goes and what can be given."""

    action: str
    question_id: str
    kind: str  # "choice" (radio), "choices" (checkboxes), "text" (a text field) or "essay" (a textarea)
    options: list[str] = field(default_factory=list)

    def answer(self, rng: random.Random) -> list[tuple[str, str]]:
        """Form fields for an answer a learner might give: any option, some text."""
        fields = [("question_id", self.question_id)]
        if self.kind == "choice":
            fields.append(("answer", rng.choice(self.options)))
        elif self.kind == "choices":
            picked = [option for option in self.options if rng.random() < 0.5] or self.options[:1]
            fields += [("answer", option) for option in picked]
        elif self.kind == "essay":
            fields.append(("answer", ESSAY_ANSWER))
        else:
            fields.append(("answer", rng.choice(["sum", "42", "a list", "true"])))
        return fields


def quiz_questions(page: str) -> list[Question]:
    """Every question form of the open attempt on an assessment page, in page order."""
    questions = []
    for action, body in ANSWER_FORM.findall(page):
        question_id = first(HIDDEN_QUESTION_ID, body)
        if question_id is None:
            continue
        inputs = [dict(ATTRIBUTE.findall(tag)) for tag in INPUT.findall(body)]
        answers = [attributes for attributes in inputs if attributes.get("name") == "answer"]
        radios = [html.unescape(a["value"]) for a in answers if a.get("type") == "radio" and "value" in a]
        boxes = [html.unescape(a["value"]) for a in answers if a.get("type") == "checkbox" and "value" in a]
        if radios:
            questions.append(Question(action, question_id, "choice", radios))
        elif boxes:
            questions.append(Question(action, question_id, "choices", boxes))
        elif "<textarea" in body:
            questions.append(Question(action, question_id, "essay"))
        elif answers:
            questions.append(Question(action, question_id, "text"))
    return questions


@dataclass
class GradeForm:
    action: str
    question_id: str
    max_score: str


def grade_form(page: str) -> GradeForm | None:
    """The grading panel's form for the essay it shows (none when nothing waits for a grade)."""
    found = GRADE_FORM.search(page)
    if found is None:
        return None
    action, body = found.groups()
    question_id = first(HIDDEN_QUESTION_ID, body)
    score = next(
        (dict(ATTRIBUTE.findall(tag)) for tag in INPUT.findall(body) if 'name="score"' in tag),
        {},
    )
    if question_id is None:
        return None
    return GradeForm(action=action, question_id=question_id, max_score=score.get("max", "1"))
