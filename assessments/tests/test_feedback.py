"""A trainer's feedback reaches the learner: per question and on the whole attempt, on the learner's own result
page, only once the grade is final, never to anybody else and never with an answer key while a retake is open."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from assessments import selectors, services
from assessments.models import AttemptStatus, DisplayMode, Feedback, GradeChange, ShowAnswers
from assessments.tests.factories import by_type, make_assessment, question, right_answers
from assessments.tests.test_answer_keys import ACCEPTED, assert_no_keys, key_quiz, keys_in
from learning import services as learning_services
from lms_site.tests.clients import as_

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
ESSAY_COMMENT = "Your second cause is the stronger one: lead with it."
OVERALL_COMMENT = "A solid attempt overall; revise the numeric question."


def take(user, assessment, answers=None):
    attempt = services.start_attempt(user=user, assessment=assessment)
    for question_id, answer in (answers if answers is not None else right_answers(attempt)).items():
        services.save_answer(attempt=attempt, question_id=question_id, answer=answer)
    return services.submit_attempt(attempt=attempt)


def two_essay_quiz(course, **fields):
    fields.setdefault("slug", "essays")
    fields.setdefault("title", "Essays")
    questions = [
        question("true_false", answer="false"),
        question("essay", prompt="<p>First essay?</p>", points="2"),
        question("essay", prompt="<p>Second essay?</p>", points="2"),
    ]
    return make_assessment(course, questions=questions, pass_mark=50, **fields)


def essays_of(attempt):
    return [q["id"] for q in attempt.snapshot["questions"] if q["type"] == "essay"]


def result_url(attempt):
    return reverse("assessments:result", args=(attempt.pk,))


# The trainer writes it --------------------------------------------------------------------------------------------


def test_the_essay_comment_in_the_grading_queue_is_stored_as_feedback(client, trainer, assessment, student):
    attempt = take(student, assessment)
    essay_id = by_type(attempt)["essay"]["id"]
    client.force_login(trainer)
    response = client.post(
        reverse("assessments:grade_essay", args=(attempt.pk,)),
        {"question_id": essay_id, "score": "1", "comment": f"  {ESSAY_COMMENT}  "},
        headers=HTMX,
    )
    assert response.status_code == 200
    feedback = Feedback.objects.get(attempt=attempt)
    assert (feedback.question_id, feedback.text, feedback.written_by) == (essay_id, ESSAY_COMMENT, trainer)
    # The audit trail keeps it as the reason of the grade, as before.
    assert GradeChange.objects.get(attempt=attempt).reason == ESSAY_COMMENT


def test_the_attempt_page_saves_an_overall_comment_and_empty_removes_it(client, trainer, assessment, student):
    attempt = take(student, assessment)
    client.force_login(trainer)
    url = reverse("assessments:attempt_feedback", args=(attempt.pk,))
    response = client.post(url, {"text": OVERALL_COMMENT}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your feedback was saved." in html and OVERALL_COMMENT in html
    assert Feedback.objects.get(attempt=attempt, question_id="").text == OVERALL_COMMENT
    # Shown again in the box on the trainer's page, ready to edit.
    assert OVERALL_COMMENT in client.get(reverse("assessments:attempt", args=(attempt.pk,))).content.decode()
    assert client.post(url, {"text": "   "}).status_code == 302
    assert not Feedback.objects.exists()


def test_an_override_can_carry_a_comment_for_the_learner(client, trainer, assessment, student):
    attempt = take(student, assessment)
    tf_id = by_type(attempt)["true_false"]["id"]
    client.force_login(trainer)
    response = client.post(
        reverse("assessments:override_score", args=(attempt.pk,)),
        {"question_id": tf_id, "score": "0", "reason": "key was wrong", "feedback": "Read the question again."},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert Feedback.objects.get(attempt=attempt, question_id=tf_id).text == "Read the question again."
    assert GradeChange.objects.get(attempt=attempt).reason == "key was wrong"  # the reason stays internal


def test_a_refused_score_keeps_the_comment_typed_with_it(client, trainer, assessment, student):
    attempt = take(student, assessment)
    essay_id = by_type(attempt)["essay"]["id"]
    client.force_login(trainer)
    response = client.post(
        reverse("assessments:override_score", args=(attempt.pk,)),
        {"question_id": essay_id, "score": "9", "feedback": "Typed before the mistake."},
        headers=HTMX,
    )
    assert response.status_code == 400
    assert "Typed before the mistake." in response.content.decode()
    assert not Feedback.objects.exists() and not GradeChange.objects.exists()


@pytest.mark.parametrize("htmx", [False, True])
def test_feedback_that_is_too_long_is_refused_in_place(client, trainer, assessment, student, htmx):
    attempt = take(student, assessment)
    client.force_login(trainer)
    too_long = "x" * (services.FEEDBACK_MAX_LENGTH + 1)
    response = client.post(
        reverse("assessments:attempt_feedback", args=(attempt.pk,)), {"text": too_long}, headers=HTMX if htmx else {}
    )
    assert response.status_code == 400
    assert "Keep the feedback under 5,000 characters." in response.content.decode()
    essay_id = by_type(attempt)["essay"]["id"]
    response = client.post(
        reverse("assessments:grade_essay", args=(attempt.pk,)),
        {"question_id": essay_id, "score": "1", "comment": too_long},
        headers=HTMX if htmx else {},
    )
    assert response.status_code == 400
    assert not Feedback.objects.exists() and not GradeChange.objects.exists()


def test_no_feedback_on_an_attempt_still_in_progress(trainer, assessment, student):
    attempt = services.start_attempt(user=student, assessment=assessment)
    with pytest.raises(services.AttemptClosed):
        services.give_feedback(attempt=attempt, text="Too early", author=trainer)
    with pytest.raises(services.UnknownQuestion):
        services.give_feedback(attempt=take(student, assessment), text="Where?", author=trainer, question_id="nope")
    assert not Feedback.objects.exists()


@pytest.fixture
def people(learner, student, trainer, other_trainer, admin_user):
    return {
        "visitor": None,
        "learner": learner,
        "enrolled learner": student,
        "trainer of another course": other_trainer,
        "course trainer": trainer,
        "admin": admin_user,
    }


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("visitor", 302),
        ("learner", 403),
        ("enrolled learner", 403),
        ("trainer of another course", 403),
        ("course trainer", 302),
        ("admin", 302),
    ],
)
def test_who_may_give_feedback(client, people, assessment, student, who, status):
    attempt = take(student, assessment)
    response = as_(client, people[who]).post(
        reverse("assessments:attempt_feedback", args=(attempt.pk,)), {"text": "Mine to say?"}
    )
    assert response.status_code == status
    assert Feedback.objects.exists() is (status == 302 and who != "visitor")
    if who == "visitor":
        assert response.url.startswith(reverse("accounts:sign_in"))


def test_the_feedback_url_answers_only_post(client, trainer, assessment, student):
    attempt = take(student, assessment)
    client.force_login(trainer)
    assert client.get(reverse("assessments:attempt_feedback", args=(attempt.pk,))).status_code == 405


# The learner reads it ---------------------------------------------------------------------------------------------


def graded_with_feedback(trainer, student, assessment):
    attempt = take(student, assessment)
    services.give_feedback(attempt=attempt, text=OVERALL_COMMENT, author=trainer)
    essay_id = by_type(attempt)["essay"]["id"]
    return services.grade_question(
        attempt=attempt, question_id=essay_id, score="1", reason="", grader=trainer, feedback=ESSAY_COMMENT
    )


def test_the_result_page_shows_the_score_and_the_comments_once_final(client, taker, trainer, assessment):
    attempt = graded_with_feedback(trainer, taker, assessment)
    html = client.get(result_url(attempt)).content.decode()
    assert "Waiting for grading" not in html
    assert "100%" in html and "7 of 7 points" in html and "Passed" in html
    # Overall at the top, the essay's comment beside its question (after its prompt, before the next one).
    assert html.index(OVERALL_COMMENT) < html.index("Answers and feedback") < html.index(ESSAY_COMMENT)
    assert "Your trainer’s comment" in html
    # From the assessment page, each attempt links to its result.
    assert result_url(attempt) in client.get(assessment.url).content.decode()


def test_comments_wait_until_the_last_essay_is_graded(client, taker, trainer, course):
    quiz = two_essay_quiz(course)
    attempt = take(taker, quiz, answers={})
    first, second = essays_of(attempt)
    services.give_feedback(attempt=attempt, text=OVERALL_COMMENT, author=trainer)
    services.grade_question(
        attempt=attempt, question_id=first, score="2", reason="", grader=trainer, feedback=ESSAY_COMMENT
    )
    html = client.get(result_url(attempt)).content.decode()
    assert "Waiting for grading" in html
    assert ESSAY_COMMENT not in html and OVERALL_COMMENT not in html
    assert "%" not in html.split("data-result")[1].split("</section>")[0], "a partial score is shown"

    services.grade_question(attempt=attempt, question_id=second, score="1", reason="", grader=trainer)
    html = client.get(result_url(attempt)).content.decode()
    assert "Waiting for grading" not in html and ESSAY_COMMENT in html and OVERALL_COMMENT in html
    assert "60%" in html and "3 of 5 points" in html


def test_another_learner_never_sees_the_result(client, trainer, assessment, student, course):
    attempt = graded_with_feedback(trainer, student, assessment)
    other = UserFactory()
    learning_services.enroll(user=other, course=course)
    for who in (None, other, trainer):
        response = as_(client, who).get(result_url(attempt))
        assert response.status_code == 404
        assert OVERALL_COMMENT not in response.content.decode()


def test_an_open_attempt_has_no_result_page_yet(client, taker, assessment):
    attempt = services.start_attempt(user=taker, assessment=assessment)
    response = client.get(result_url(attempt))
    assert response.status_code == 302 and response.url == assessment.url


def test_without_keys_only_the_commented_questions_are_listed_and_no_automatic_score(client, taker, trainer, course):
    quiz = key_quiz(course, rule=ShowAnswers.NEVER, display_mode=DisplayMode.ALL_ON_ONE_PAGE)
    attempt = take(taker, quiz, answers={})
    essay_id = by_type(attempt)["essay"]["id"]
    services.grade_question(
        attempt=attempt, question_id=essay_id, score="1", reason="", grader=trainer, feedback=ESSAY_COMMENT
    )
    response = client.get(result_url(attempt))
    html = response.content.decode()
    assert ESSAY_COMMENT in html and "Feedback on your answers" in html
    assert html.count("<article") == 1, "only the commented question is listed"
    assert "1 / 1" in html  # an essay's score tells nothing about a key
    assert_no_keys(response, "the result page of a quiz that never shows its keys")


@pytest.mark.parametrize("rule", [ShowAnswers.AFTER_EACH_ATTEMPT, ShowAnswers.AFTER_DUE_DATE])
def test_no_key_and_no_question_on_the_result_page_while_a_retake_is_open(client, taker, trainer, course, rule):
    quiz = key_quiz(course, rule=rule, display_mode=DisplayMode.ONE_PER_SCREEN)
    first = take(taker, quiz, answers={})
    services.give_feedback(attempt=first, text=OVERALL_COMMENT, author=trainer)
    essay_id = by_type(first)["essay"]["id"]
    services.grade_question(
        attempt=first, question_id=essay_id, score="1", reason="", grader=trainer, feedback=ESSAY_COMMENT
    )
    if rule == ShowAnswers.AFTER_EACH_ATTEMPT:
        # The page can show keys: the check below could fail.
        assert keys_in(client.get(result_url(first)).content.decode())
    services.start_attempt(user=taker, assessment=quiz)
    response = client.get(result_url(first))
    assert_no_keys(response, "the result page of attempt 1 while attempt 2 is open")
    html = response.content.decode()
    assert ESSAY_COMMENT not in html and OVERALL_COMMENT in html
    assert "shown again once you submit the attempt you have open" in html


def test_a_waiting_result_carries_no_score_and_no_question(taker, course):
    quiz = key_quiz(course, rule=ShowAnswers.AFTER_EACH_ATTEMPT, display_mode=DisplayMode.ALL_ON_ONE_PAGE)
    attempt = take(taker, quiz, answers={})
    result = selectors.attempt_result(attempt=attempt)
    assert result.waiting and result.score is None and result.percent is None and result.questions == ()
    assert ACCEPTED not in repr(result)


# Waiting for grading on the assessment page --------------------------------------------------------------------


def test_a_pending_attempt_shows_waiting_and_counts_towards_no_best_score(client, taker, trainer, course):
    quiz = two_essay_quiz(course, max_attempts=3)
    attempt = services.start_attempt(user=taker, assessment=quiz)
    services.save_answer(attempt=attempt, question_id=by_type(attempt)["true_false"]["id"], answer=False)
    attempt = services.submit_attempt(attempt=attempt)
    assert attempt.pending_manual and attempt.percent is not None  # a partial score exists, and must not show
    html = client.get(quiz.url).content.decode()
    summary = html.split("Best score")[1].split("</div>")[0]
    assert "Waiting for grading" in summary and "%" not in summary
    assert f"{attempt.percent}%" not in html
    # Another attempt may start meanwhile (attempts remain); the page says the pending one does not count yet.
    assert "Start another attempt" in html and "only graded attempts count towards your best score" in html

    second = take(taker, quiz, answers={})
    for essay_id in essays_of(second):
        services.grade_question(attempt=second, question_id=essay_id, score="0", reason="", grader=trainer)
    second.refresh_from_db()
    assert second.is_final and second.percent == 0
    summary = client.get(quiz.url).content.decode().split("Best score")[1].split("</div>")[0]
    assert "0.00%" in summary and "Waiting for grading" in summary


def test_the_review_on_the_assessment_page_shows_the_essay_comment(client, taker, trainer, assessment):
    graded_with_feedback(trainer, taker, assessment)
    html = client.get(assessment.url).content.decode()
    assert "Answers to attempt 1" in html and ESSAY_COMMENT in html


def test_learner_templates_of_results_never_read_the_questions_of_the_page():
    from django.template.loader import get_template

    for name in ("assessments/result_page.html", "assessments/partials/trainer_comment.html"):
        source = get_template(name).template.source
        for forbidden in ("page.questions", ".snapshot", "page.specific", "grading_guidance"):
            assert forbidden not in source, f"{name} reads {forbidden}"


def test_attempt_status_in_progress_is_not_final(student, assessment):
    attempt = services.start_attempt(user=student, assessment=assessment)
    assert attempt.status == AttemptStatus.IN_PROGRESS and not attempt.is_final
