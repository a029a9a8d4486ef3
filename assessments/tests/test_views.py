"""The learner's side of an assessment, and what its HTML never contains."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from assessments.models import Attempt, AttemptStatus, ShowAnswers
from assessments.tests.factories import by_type, make_assessment, option, question
from learning import services as learning_services

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
# Key material planted in the questions: none of it may reach a learner before the settings allow it.
SECRETS = ["zebra-accepted-answer", "271.828", "EXPLANATION-SECRET", "GUIDANCE-SECRET", '"correct"', "✓"]


def secret_quiz(course, **fields):
    explanation = "<p>EXPLANATION-SECRET</p>"
    return make_assessment(
        course,
        slug=fields.pop("slug", "secret-quiz"),
        questions=[
            question("single_choice", options=[option("Alpha", True), option("Beta")], explanation=explanation),
            question(
                "multiple_choice",
                options=[option("One", True), option("Two")],
                partial_credit=True,
                penalise_wrong=True,
                explanation=explanation,
            ),
            question("true_false", answer="true", explanation=explanation),
            question("short_text", accepted=["zebra-accepted-answer"], case_sensitive=False, explanation=explanation),
            question("numeric", value="271.828", tolerance="0", explanation=explanation),
            question("essay", grading_guidance="GUIDANCE-SECRET", explanation=explanation),
        ],
        **fields,
    )


@pytest.fixture
def quiz(course):
    return secret_quiz(course)


def assert_no_keys(html: str):
    leaked = [secret for secret in SECRETS if secret in html]
    assert leaked == [], f"answer keys in a learner's page: {leaked}"


def start(client, quiz):
    client.post(reverse("assessments:start", args=(quiz.pk,)))
    return Attempt.objects.get(assessment=quiz, status=AttemptStatus.IN_PROGRESS)


def test_visitors_and_unenrolled_learners_cannot_take_it(client, quiz, learner):
    response = client.get(quiz.url)
    assert response.status_code == 403 and "Sign in and enrol" in response.content.decode()
    client.force_login(learner)
    response = client.get(quiz.url)
    assert response.status_code == 403 and "Enrol in the course" in response.content.decode()
    client.post(reverse("assessments:start", args=(quiz.pk,)))
    assert not Attempt.objects.exists()


def test_take_and_pass_with_plain_form_posts(client, taker, course):
    quiz = make_assessment(course, slug="easy", questions=[question("true_false", answer="true")])
    assert "Start the assessment" in client.get(quiz.url).content.decode()
    attempt = start(client, quiz)
    q = attempt.snapshot["questions"][0]
    response = client.post(
        reverse("assessments:save_answer", args=(attempt.pk,)), {"question_id": q["id"], "answer": "true"}
    )
    assert response.status_code == 302
    response = client.post(reverse("assessments:submit", args=(attempt.pk,)))
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.passed is True and attempt.percent == Decimal("100.00")
    html = client.get(quiz.url).content.decode()
    assert "Passed" in html and "100.00%" in html


def test_answers_autosave_with_htmx(client, taker, quiz):
    attempt = start(client, quiz)
    q = by_type(attempt)["multiple_choice"]
    picks = [o["id"] for o in q["options"]]
    response = client.post(
        reverse("assessments:save_answer", args=(attempt.pk,)), {"question_id": q["id"], "answer": picks}, headers=HTMX
    )
    assert response.status_code == 200 and "Saved" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.answers[q["id"]] == picks
    # A reload shows the saved answer.
    html = client.get(quiz.url).content.decode()
    assert html.count("checked") >= 2


def test_no_answer_key_reaches_the_learner_during_an_attempt(client, taker, course):
    quiz = secret_quiz(course, display_mode="one", slug="one-per-screen")
    attempt = start(client, quiz)
    pages = [client.get(quiz.url).content.decode()]
    for index in range(6):
        pages.append(client.get(quiz.url, {"q": index}, headers=HTMX).content.decode())
    essay = by_type(attempt)["essay"]
    pages.append(
        client.post(
            reverse("assessments:save_answer", args=(attempt.pk,)),
            {"question_id": essay["id"], "answer": "my essay"},
            headers=HTMX,
        ).content.decode()
    )
    for html in pages:
        assert_no_keys(html)


def test_one_question_per_screen(client, taker, course):
    quiz = secret_quiz(course, display_mode="one", slug="paged")
    attempt = start(client, quiz)
    second = attempt.snapshot["questions"][1]
    html = client.get(quiz.url, {"q": 1}, headers=HTMX).content.decode()
    assert "<html" not in html and html.count('name="question_id"') == 1
    assert f'value="{second["id"]}"' in html and "Question 2 of 6" in html


@pytest.mark.parametrize("rule", [ShowAnswers.NEVER, ShowAnswers.AFTER_DUE_DATE, ShowAnswers.AFTER_LAST_ATTEMPT])
def test_keys_stay_hidden_after_submitting_until_the_settings_allow(client, taker, course, rule):
    extra = {"due_at": timezone.now() + timedelta(days=3)} if rule == ShowAnswers.AFTER_DUE_DATE else {}
    if rule == ShowAnswers.AFTER_LAST_ATTEMPT:
        extra["max_attempts"] = 2
    quiz = secret_quiz(course, show_answers=rule, slug=f"hidden-{rule}", **extra)
    attempt = start(client, quiz)
    client.post(reverse("assessments:submit", args=(attempt.pk,)))
    assert_no_keys(client.get(quiz.url).content.decode())


def test_keys_are_shown_after_each_attempt_when_allowed(client, taker, quiz):
    attempt = start(client, quiz)
    client.post(reverse("assessments:submit", args=(attempt.pk,)))
    html = client.get(quiz.url).content.decode()
    assert "zebra-accepted-answer" in html and "EXPLANATION-SECRET" in html
    assert "GUIDANCE-SECRET" not in html  # trainers' notes never reach learners


def test_keys_are_shown_after_the_due_date(client, taker, course):
    quiz = secret_quiz(course, show_answers=ShowAnswers.AFTER_DUE_DATE, due_at=timezone.now() + timedelta(days=1))
    attempt = start(client, quiz)
    client.post(reverse("assessments:submit", args=(attempt.pk,)))
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(days=2)):
        html = client.get(quiz.url).content.decode()
    assert "zebra-accepted-answer" in html


def test_a_score_sent_by_the_browser_is_ignored(client, taker, course):
    quiz = make_assessment(course, slug="honest", questions=[question("true_false", answer="true")])
    attempt = start(client, quiz)
    q = attempt.snapshot["questions"][0]
    client.post(
        reverse("assessments:save_answer", args=(attempt.pk,)),
        {"question_id": q["id"], "answer": "false", "score": "100", "correct": "true", "percent": "100"},
    )
    client.post(reverse("assessments:submit", args=(attempt.pk,)), {"score": "100", "passed": "true"})
    attempt.refresh_from_db()
    assert attempt.score == Decimal("0.00") and attempt.passed is False


def test_someone_elses_attempt_is_not_found(client, taker, quiz, course):
    attempt = start(client, quiz)
    intruder = UserFactory()
    learning_services.enroll(user=intruder, course=course)
    client.force_login(intruder)
    q = attempt.snapshot["questions"][0]
    assert (
        client.post(reverse("assessments:save_answer", args=(attempt.pk,)), {"question_id": q["id"]}).status_code == 404
    )
    assert client.post(reverse("assessments:submit", args=(attempt.pk,))).status_code == 404
    attempt.refresh_from_db()
    assert attempt.is_open and attempt.answers == {}


def test_saving_after_the_deadline_submits_the_attempt(client, taker, course):
    quiz = secret_quiz(course, time_limit_minutes=5, slug="timed")
    attempt = start(client, quiz)
    html = client.get(quiz.url).content.decode()
    assert "data-countdown" in html
    q = by_type(attempt)["essay"]
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(minutes=6)):
        response = client.post(
            reverse("assessments:save_answer", args=(attempt.pk,)),
            {"question_id": q["id"], "answer": "late"},
            headers=HTMX,
        )
    assert response["HX-Redirect"] == quiz.url
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.answers == {}


def test_used_up_attempts_offer_no_new_start(client, taker, course):
    quiz = make_assessment(course, slug="once", max_attempts=1, questions=[question("true_false", answer="true")])
    attempt = start(client, quiz)
    client.post(reverse("assessments:submit", args=(attempt.pk,)))
    html = client.get(quiz.url).content.decode()
    assert "Start another attempt" not in html and "used all your attempts" in html
    response = client.post(reverse("assessments:start", args=(quiz.pk,)), follow=True)
    assert "used all 1 attempts" in response.content.decode()
    assert Attempt.objects.filter(assessment=quiz).count() == 1


def test_coming_back_after_the_deadline_finds_the_attempt_submitted(client, taker, course):
    quiz = secret_quiz(course, time_limit_minutes=5, slug="abandoned")
    attempt = start(client, quiz)
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(minutes=6)):
        html = client.get(quiz.url).content.decode()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED
    assert "Submit attempt" not in html and "Your attempts" in html
