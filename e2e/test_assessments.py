"""Assessments in the browser: a learner takes the practice quiz with htmx autosave, a trainer grades essays."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from accounts.models import User
from assessments import services as assessment_services
from assessments.models import AssessmentPage, Attempt, AttemptStatus, DisplayMode, GradeChange, ShowAnswers
from assessments.tests.factories import make_assessment, option
from assessments.tests.factories import question as question_block
from courses.models import CoursePage
from e2e.conftest import check_accessibility, sign_in
from learning import services as learning_services
from learning.models import Enrollment

pytestmark = pytest.mark.e2e

PYTHON_COURSE = "python-for-data-analysis"
DJANGO_COURSE = "building-web-apps-with-django"
PRACTICE_QUIZ = "Practice quiz: working with data"
NUMERIC_KEY = "361.75"


def question(page: Page, prompt: str) -> Locator:
    """The autosaving form of one question, found by its prompt."""
    return page.locator("#attempt-questions form").filter(has_text=prompt)


def is_answer_save(response) -> bool:
    return response.request.method == "POST" and re.search(r"/attempts/\d+/answer/$", response.url) is not None


def answer(page: Page, form: Locator, act) -> None:
    """Runs `act` (a click or a fill) and waits for htmx to save the answer and swap in "Saved".

    Only this question's save counts: leaving a text field fires its own `change`, so the previous
    question's save can still be on its way when this one starts.
    """
    question_id = form.locator('input[name="question_id"]').input_value()

    def is_this_save(response) -> bool:
        return is_answer_save(response) and question_id in (response.request.post_data or "")

    with page.expect_response(is_this_save) as saved:
        act()
    assert saved.value.status == 200, f"saving the answer failed with {saved.value.status}"
    expect(form.get_by_role("status")).to_have_text("Saved")


def type_and_leave(field: Locator, text: str) -> None:
    """Types an answer and leaves the field, as a learner moving on does: its `change` saves at once instead
    of after the typing pause, so the save does not depend on the pause timer alone."""
    field.fill(text)
    field.press("Tab")


def assert_no_answer_keys(html: str) -> None:
    # The numeric answer may only be there as the value the learner typed into its own input.
    assert NUMERIC_KEY not in html.replace(f'value="{NUMERIC_KEY}"', ""), "the numeric key reached the page"
    assert "(correct)" not in html, "an option is marked correct on the page"
    assert "✓" not in html, "a check mark gives away an answer"


def test_learner_takes_the_practice_quiz_with_autosave(page: Page, live_server, demo_site):
    base = live_server.url
    quiz = AssessmentPage.objects.get(title=PRACTICE_QUIZ)
    sign_in(page, base, "learner", "learnwell-learner")

    page.goto(base + CoursePage.objects.get(slug=PYTHON_COURSE).url)
    page.get_by_role("button", name="Enrol for free").click()
    outline = page.get_by_role("navigation", name="Course outline")
    expect(outline).to_be_visible()

    # The quiz has a page of its own: the sidebar link is a full load, not a lesson swap.
    outline.get_by_role("link", name=re.compile(re.escape(PRACTICE_QUIZ))).click()
    expect(page).to_have_url(re.compile(re.escape(base + quiz.url) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(PRACTICE_QUIZ)
    page.get_by_role("button", name="Start the assessment").click()
    expect(page.get_by_role("heading", name="Attempt 1")).to_be_visible()
    assert_no_answer_keys(page.content())

    single = question(page, "Which module reads CSV files in the standard library?")
    multiple = question(page, "Which of these are Python data types?")
    true_false = question(page, "Values read with csv.DictReader are numbers.")
    short_text = question(page, "Which built-in function adds up a list of numbers?")
    numeric = question(page, "What is 120.50 + 98.00 + 143.25?")
    for form in (single, multiple, true_false, short_text, numeric):
        expect(form).to_have_count(1)
        expect(form.get_by_role("status")).to_have_text("")

    answer(page, single, lambda: single.get_by_label("csv", exact=True).check())
    answer(page, multiple, lambda: multiple.get_by_label("list", exact=True).check())
    answer(page, multiple, lambda: multiple.get_by_label("dict", exact=True).check())
    answer(page, true_false, lambda: true_false.get_by_label("False", exact=True).check())
    # Text inputs save after a pause in typing, without leaving the field.
    answer(page, short_text, lambda: short_text.get_by_label("Your answer").fill("sum"))

    # A reload mid-way resumes the same attempt with every saved answer in place.
    page.reload()
    expect(page.get_by_role("heading", name="Attempt 1")).to_be_visible()
    expect(single.get_by_label("csv", exact=True)).to_be_checked()
    expect(single.get_by_label("pandas", exact=True)).not_to_be_checked()
    expect(multiple.get_by_label("list", exact=True)).to_be_checked()
    expect(multiple.get_by_label("dict", exact=True)).to_be_checked()
    expect(multiple.get_by_label("array-list", exact=True)).not_to_be_checked()
    expect(true_false.get_by_label("False", exact=True)).to_be_checked()
    expect(true_false.get_by_label("True", exact=True)).not_to_be_checked()
    expect(short_text.get_by_label("Your answer")).to_have_value("sum")
    expect(numeric.get_by_label("Your answer")).to_have_value("")
    check_accessibility(page, "a quiz in progress")
    html = page.content()
    assert NUMERIC_KEY not in html, "the numeric key is on the page before the learner typed it"
    assert_no_answer_keys(html)

    answer(page, numeric, lambda: numeric.get_by_label("Your answer").fill(NUMERIC_KEY))
    assert_no_answer_keys(page.content())
    attempt = Attempt.objects.get(assessment=quiz, user__username="learner")
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert len(attempt.answers) == 5

    page.get_by_role("button", name="Submit attempt").click()
    expect(page).to_have_url(re.compile(re.escape(base + quiz.url) + "$"))
    expect(page.get_by_role("button", name="Submit attempt")).to_have_count(0)
    attempts = page.get_by_role("table")
    row = attempts.get_by_role("row").filter(has=page.get_by_role("rowheader", name="1"))
    expect(row).to_contain_text("100.00%")
    expect(row.get_by_text("Passed", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Answers to attempt 1")).to_be_visible()
    expect(page.get_by_role("button", name="Start another attempt")).to_be_visible()
    # The same markers the checks above looked for do show up once answers may be shown: those checks can fail.
    check_accessibility(page, "a quiz's results and answers")
    feedback_html = page.content()
    assert "(correct)" in feedback_html and "✓" in feedback_html and NUMERIC_KEY in feedback_html

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED
    assert attempt.passed is True
    assert str(attempt.percent) == "100.00"


# A retake (issue 16, finding 1): strings that can only reach the page through a key or an explanation.
RETAKE_EXPLANATIONS = {
    "single_choice": "Retake-explains-the-capital-4471",
    "multiple_choice": "Retake-explains-the-primes-8302",
    "true_false": "Retake-explains-the-boiling-point-1956",
    "short_text": "Retake-explains-the-author-6610",
    "numeric": "Retake-explains-the-sum-2794",
}
RETAKE_ACCEPTED = "Quillwright-accepted-5083"
RETAKE_VALUE = "7312.846"
RETAKE_TOLERANCE = "0.029"
RETAKE_MARKERS = [
    *RETAKE_EXPLANATIONS.values(),
    RETAKE_ACCEPTED,
    RETAKE_VALUE,
    RETAKE_TOLERANCE,
    "(correct)",
    "✓",
    "Correct answer:",
    "Accepted:",
    "Answers to attempt",
]
RETAKE_PROMPTS = [
    "Which city is the capital of the imaginary Veloria?",
    "Which of these numbers are prime?",
    "Water boils at 100 °C at sea level.",
    "Who wrote the imaginary Book of Hours?",
    "What is the sum of the two invoices?",
]


def retake_quiz(course: CoursePage) -> AssessmentPage:
    """One question per screen (so the player's next/previous controls load them with htmx), unlimited attempts,
    correct answers shown after each attempt: the setting under which the review of attempt 1 leaked into
    attempt 2."""
    explained = {kind: f"<p>{text}</p>" for kind, text in RETAKE_EXPLANATIONS.items()}
    prompts = [f"<p>{prompt}</p>" for prompt in RETAKE_PROMPTS]
    return make_assessment(
        course,
        title="Retake quiz",
        slug="retake-quiz",
        show_answers=ShowAnswers.AFTER_EACH_ATTEMPT,
        max_attempts=None,
        display_mode=DisplayMode.ONE_PER_SCREEN,
        is_required=False,
        questions=[
            question_block(
                "single_choice",
                prompt=prompts[0],
                options=[option("Ostrava", True), option("Brno")],
                explanation=explained["single_choice"],
            ),
            question_block(
                "multiple_choice",
                prompt=prompts[1],
                options=[option("7", True), option("11", True), option("9")],
                partial_credit=True,
                penalise_wrong=False,
                explanation=explained["multiple_choice"],
            ),
            question_block("true_false", prompt=prompts[2], answer="true", explanation=explained["true_false"]),
            question_block(
                "short_text",
                prompt=prompts[3],
                accepted=[RETAKE_ACCEPTED],
                case_sensitive=False,
                explanation=explained["short_text"],
            ),
            question_block(
                "numeric",
                prompt=prompts[4],
                value=RETAKE_VALUE,
                tolerance=RETAKE_TOLERANCE,
                explanation=explained["numeric"],
            ),
        ],
    )


def assert_no_retake_key(html: str, where: str) -> None:
    leaked = [marker for marker in RETAKE_MARKERS if marker in html]
    assert not leaked, f"{where} shows {leaked} while attempt 2 is open"


def is_question_swap(response) -> bool:
    return response.request.method == "GET" and response.request.headers.get("hx-request") == "true"


def test_no_answer_key_while_a_retake_is_open(page: Page, live_server, demo_site):
    base = live_server.url
    learner = User.objects.get(username="learner")
    course = CoursePage.objects.get(slug=PYTHON_COURSE)
    learning_services.enroll(user=learner, course=course)
    quiz = retake_quiz(course)
    quiz_url = base + quiz.url
    sign_in(page, base, "learner", "learnwell-learner")

    page.goto(quiz_url)
    page.get_by_role("button", name="Start the assessment").click()
    expect(page.get_by_role("heading", name="Attempt 1")).to_be_visible(timeout=5_000)

    def current(index: int) -> Locator:
        form = question(page, RETAKE_PROMPTS[index])
        expect(form).to_have_count(1, timeout=5_000)
        return form

    def next_question(index: int) -> str:
        """Clicks "Next question" and returns the html htmx swapped in for question `index` (0-based)."""
        with page.expect_response(is_question_swap) as swapped:
            page.get_by_role("link", name="Next question").click()
        assert swapped.value.status == 200
        expect(page).to_have_url(f"{quiz_url}?q={index}", timeout=5_000)
        current(index)
        return swapped.value.text()

    # Attempt 1, answered wrongly on purpose: whatever key shows in its review comes from the key, not the learner.
    form = current(0)
    answer(page, form, lambda: form.get_by_label("Brno", exact=True).check())
    next_question(1)
    form = current(1)
    answer(page, form, lambda: form.get_by_label("9", exact=True).check())
    next_question(2)
    form = current(2)
    answer(page, form, lambda: form.get_by_label("False", exact=True).check())
    next_question(3)
    form = current(3)
    answer(page, form, lambda: type_and_leave(form.get_by_label("Your answer"), "nobody"))
    next_question(4)
    form = current(4)
    answer(page, form, lambda: type_and_leave(form.get_by_label("Your answer"), "12"))
    page.get_by_role("button", name="Submit attempt").click()

    # Attempt 1 is closed and the setting allows its review: keys and explanations are there.
    expect(page.get_by_role("heading", name="Answers to attempt 1")).to_be_visible(timeout=5_000)
    for explanation in RETAKE_EXPLANATIONS.values():
        expect(page.get_by_text(explanation, exact=True)).to_be_visible()
    review = page.content()
    for marker in (RETAKE_ACCEPTED, RETAKE_VALUE, RETAKE_TOLERANCE, "(correct)", "✓", "Correct answer:"):
        assert marker in review, f"the review of attempt 1 lacks {marker!r}: the leak checks below could not fail"

    # Attempt 2 is open: no key and no explanation from attempt 1, on the page or in any htmx-loaded question.
    page.get_by_role("button", name="Start another attempt").click()
    expect(page.get_by_role("heading", name="Attempt 2")).to_be_visible(timeout=5_000)
    expect(
        page.get_by_text("The answers to your earlier attempts are shown again once you submit this one.")
    ).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Answers to attempt"))).to_have_count(0)
    assert_no_retake_key(page.content(), "the page of attempt 2")
    form = current(0)
    with page.expect_response(is_answer_save) as saved:
        form.get_by_label("Ostrava", exact=True).check()
    expect(form.get_by_role("status")).to_have_text("Saved", timeout=5_000)
    assert_no_retake_key(saved.value.text(), "saving an answer")

    page.evaluate("window.sameDocument = true")
    for index in range(1, len(RETAKE_PROMPTS)):
        assert_no_retake_key(next_question(index), f"the htmx partial of ?q={index}")
        assert_no_retake_key(page.content(), f"the page after moving to ?q={index}")
    with page.expect_response(is_question_swap) as swapped:
        page.get_by_role("link", name="Previous question").click()
    expect(page).to_have_url(f"{quiz_url}?q=3", timeout=5_000)
    current(3)
    assert_no_retake_key(swapped.value.text(), "the htmx partial of ?q=3 (previous)")
    assert_no_retake_key(page.content(), "the page after moving back to ?q=3")
    assert page.evaluate("window.sameDocument") is True, "the question controls reloaded the page instead of htmx"

    for index in (0, 1):
        response = page.goto(f"{quiz_url}?q={index}")
        assert response.status == 200
        current(index)
        assert_no_retake_key(response.text(), f"the full page ?q={index}")
        assert_no_retake_key(page.content(), f"the loaded page ?q={index}")
    page.reload()
    current(1)
    assert_no_retake_key(page.content(), "the reloaded page ?q=1")

    # Submitting attempt 2 closes it: the review is back, now of attempt 2.
    page.get_by_role("button", name="Submit attempt").click()
    expect(page.get_by_role("heading", name="Answers to attempt 2")).to_be_visible(timeout=5_000)
    expect(page.get_by_text(RETAKE_EXPLANATIONS["numeric"], exact=True)).to_be_visible()
    assert list(
        Attempt.objects.filter(assessment=quiz, user=learner).order_by("number").values_list("number", "status")
    ) == [(1, AttemptStatus.SUBMITTED), (2, AttemptStatus.SUBMITTED)]


def submitted_essay(username: str, course: CoursePage, final: AssessmentPage, essay: str) -> Attempt:
    """A learner with a (paid) enrolment and a submitted attempt whose essay waits for a trainer."""
    user = User.objects.get(username=username)
    Enrollment.objects.create(user=user, course=course, status="active", enrolled_at=timezone.now())
    attempt = assessment_services.start_attempt(user=user, assessment=final)
    essay_question = next(q for q in attempt.snapshot["questions"] if q["type"] == "essay")
    assessment_services.save_answer(attempt=attempt, question_id=essay_question["id"], answer=essay)
    attempt = assessment_services.submit_attempt(attempt=attempt)
    assert attempt.pending_manual
    return attempt


def test_trainer_grades_essays_in_the_queue(page: Page, live_server, demo_site):
    base = live_server.url
    course = CoursePage.objects.get(slug=DJANGO_COURSE)
    final = AssessmentPage.objects.child_of(course).get(title="Final assessment")
    lena_essay = "I would validate the capacity in a BookingForm.clean and show a clear error message."
    leo_essay = "A service checks the room capacity before saving, and a test covers the full room."
    lena = submitted_essay("learner", course, final, lena_essay)
    leo = submitted_essay("learner2", course, final, leo_essay)
    sign_in(page, base, "trainer", "learnwell-trainer")

    page.goto(f"{base}/assessments/courses/{course.pk}/grading/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Grading: {course.title}")
    expect(page.locator("#queue-count")).to_have_text("2 attempts waiting for an essay grade")
    panel = page.locator("#grading-panel")
    # The oldest submission comes first.
    expect(panel.get_by_role("heading", level=2)).to_have_text("Lena Learner · Final assessment")
    expect(panel).to_contain_text(lena_essay)
    expect(panel).to_contain_text("Look for: a form or service validation")

    page.evaluate("window.sameDocument = true")
    panel.get_by_label("Score (0 to 4)").fill("3")
    panel.get_by_label("Comment for the learner").fill("Good validation; add a test next time.")
    panel.get_by_role("button", name="Grade and next").click()
    expect(panel.get_by_role("status")).to_have_text("Graded Lena Learner’s essay.")
    expect(panel.get_by_role("heading", level=2)).to_have_text("Leo Learner · Final assessment")
    expect(panel).to_contain_text(leo_essay)
    expect(panel.get_by_label("Score (0 to 4)")).to_have_value("")
    expect(page.locator("#queue-count")).to_have_text("1 attempt waiting for an essay grade")
    assert page.evaluate("window.sameDocument") is True, "grading an essay reloaded the whole page"

    panel.get_by_label("Score (0 to 4)").fill("4")
    panel.get_by_label("Comment for the learner").fill("Complete answer.")
    panel.get_by_role("button", name="Grade and next").click()
    expect(panel.get_by_role("status")).to_have_text("Graded Leo Learner’s essay.")
    # The empty queue is said once, in the panel; the list beside it is left empty.
    expect(page.get_by_text("Nothing to grade: no essay is waiting for a grade.")).to_have_count(1)
    expect(page.locator("#queue-count")).to_have_count(0)
    expect(page.locator("#queue-list table")).to_have_count(0)
    assert page.evaluate("window.sameDocument") is True, "grading the last essay reloaded the whole page"

    for attempt, score, comment in (
        (lena, "3.00", "Good validation; add a test next time."),
        (leo, "4.00", "Complete answer."),
    ):
        attempt.refresh_from_db()
        assert attempt.pending_manual is False
        assert attempt.passed is not None
        change = GradeChange.objects.get(attempt=attempt)
        assert change.kind == GradeChange.Kind.ESSAY_GRADE
        assert str(change.new_score) == score
        assert change.previous_score is None
        assert change.reason == comment
        assert change.changed_by.username == "trainer"
