"""No answer key reaches a learner while one of their attempts is open: issue 16, finding 1 and finding 8.

The review of a submitted attempt (its keys and explanations) must not be readable while the learner is on
their next attempt, in any response the assessment sends them: the full page, each ?q= screen, the htmx
partials, the answer and submit responses. Every show-answers setting is tried with the retake open, submitted
and expired. Besides the HTML, the template context itself is walked, so a selector that handed the raw
snapshot to the template would fail here even if no template printed it.
"""

import dataclasses
import re
from collections.abc import Mapping, Sequence, Set
from datetime import timedelta

import pytest
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from wagtail.blocks import StreamValue

from assessments import selectors
from assessments.models import AssessmentPage, Attempt, AttemptStatus, DisplayMode, ShowAnswers
from assessments.tests.factories import by_type, make_assessment, option, question

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
HISTORY_RESTORE = {"HX-Request": "true", "HX-History-Restore-Request": "true"}

# Distinctive key material: strings that appear nowhere on the page unless a key or an explanation does.
ACCEPTED = "quokka-accepted-7731"
NUMERIC_VALUE = "4817.293"
NUMERIC_TOLERANCE = "0.037"
EXPLANATION = "EXPLANATION-OF-ATTEMPT-KEY-5521"
GUIDANCE = "GUIDANCE-FOR-TRAINERS-9930"
CORRECT_OPTION = "Marsupial-correct-option"
KEY_MARKERS = [
    ACCEPTED,
    NUMERIC_VALUE,
    NUMERIC_TOLERANCE,
    EXPLANATION,
    "(correct)",
    "✓",
    "Correct answer:",
    "Answers to",
]
# Names under which the snapshot (or any view of it) carries keys and explanations.
KEY_NAMES = {
    "correct",
    "answer",
    "accepted",
    "explanation",
    "tolerance",
    "grading_guidance",
    "case_sensitive",
    "partial_credit",
    "penalise_wrong",
    "true_or_false",
    "snapshot",
}
# The question kinds of the quiz, one of each; display mode "one" shows them as ?q=0 … ?q=5.
QUESTION_COUNT = 6

SETTINGS = [
    ShowAnswers.NEVER,
    ShowAnswers.AFTER_EACH_ATTEMPT,
    ShowAnswers.AFTER_LAST_ATTEMPT,
    ShowAnswers.AFTER_DUE_DATE,
]
# Whether the review may be shown once the retake (attempt 2) has closed.
ALLOWED_AFTER_CLOSING = {
    ShowAnswers.NEVER: False,
    ShowAnswers.AFTER_EACH_ATTEMPT: True,
    ShowAnswers.AFTER_LAST_ATTEMPT: True,  # two attempts allowed: the retake is the last one
    ShowAnswers.AFTER_DUE_DATE: True,  # the due date passes while the retake is open
}


def key_quiz(course, *, rule, display_mode, slug="key-quiz"):
    explanation = f"<p>{EXPLANATION}</p>"
    fields = {"show_answers": rule, "display_mode": display_mode, "time_limit_minutes": 30}
    if rule == ShowAnswers.AFTER_LAST_ATTEMPT:
        fields["max_attempts"] = 2
    if rule == ShowAnswers.AFTER_DUE_DATE:
        fields["due_at"] = timezone.now() + timedelta(days=2)
    return make_assessment(
        course,
        slug=slug,
        questions=[
            question(
                "single_choice", options=[option(CORRECT_OPTION, True), option("Placental")], explanation=explanation
            ),
            question(
                "multiple_choice",
                options=[option("Koala", True), option("Wombat", True), option("Otter")],
                partial_credit=True,
                penalise_wrong=False,
                explanation=explanation,
            ),
            question("true_false", answer="true", explanation=explanation),
            question("short_text", accepted=[ACCEPTED], case_sensitive=False, explanation=explanation),
            question("numeric", value=NUMERIC_VALUE, tolerance=NUMERIC_TOLERANCE, explanation=explanation),
            question("essay", grading_guidance=GUIDANCE, explanation=explanation),
        ],
        **fields,
    )


def start(client, quiz) -> Attempt:
    client.post(reverse("assessments:start", args=(quiz.pk,)))
    return Attempt.objects.get(assessment=quiz, status=AttemptStatus.IN_PROGRESS)


def answer_all_wrongly(client, attempt):
    """Answers that show neither key: the review then has only the keys to give them away."""
    questions = by_type(attempt)
    wrong = {
        "single_choice": next(o["id"] for o in questions["single_choice"]["options"] if not o["correct"]),
        "true_false": "false",
        "short_text": "platypus",
        "numeric": "12",
        "essay": "An essay.",
    }
    for kind, given in wrong.items():
        client.post(
            reverse("assessments:save_answer", args=(attempt.pk,)),
            {"question_id": questions[kind]["id"], "answer": given},
        )


def retake_open(client, quiz) -> tuple[Attempt, Attempt]:
    """Attempt 1 submitted with wrong answers (its review would show every key), attempt 2 open."""
    first = start(client, quiz)
    answer_all_wrongly(client, first)
    client.post(reverse("assessments:submit", args=(first.pk,)))
    second = start(client, quiz)
    assert second.number == 2
    if quiz.show_answers == ShowAnswers.AFTER_DUE_DATE:
        # The due date passes while the retake is open: the setting alone would now show attempt 1's keys.
        AssessmentPage.objects.filter(pk=quiz.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    return first, second


def keys_in(html: str) -> list[str]:
    return [marker for marker in KEY_MARKERS if marker in html]


def assert_no_keys(response, where: str):
    assert response.status_code < 500, where
    html = response.content.decode()
    assert keys_in(html) == [], f"answer keys in {where}: {keys_in(html)}"
    assert GUIDANCE not in html, where
    for header, value in response.items():
        assert keys_in(value) == [], f"answer keys in the {header} header of {where}"
    assert_context_key_free(response, where)


# Walking a template context ------------------------------------------------------------------------------------

# Packages whose objects are ours: a selector could wrap a snapshot in one of their classes.
OUR_PACKAGES = ("assessments", "learning", "courses", "lms_site")


def _walk(value, path, seen, found):
    """Records every place in `value` that carries a key name or key text; `path` says where it is."""
    if isinstance(value, str):
        hits = [
            marker for marker in (ACCEPTED, NUMERIC_VALUE, NUMERIC_TOLERANCE, EXPLANATION, GUIDANCE) if marker in value
        ]
        if hits:
            found.append(f"{path} holds {hits}")
        return
    if value is None or isinstance(value, int | float | bytes):
        return
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, Attempt):
        found.append(f"{path} is an Attempt row (its snapshot holds every key)")
    if isinstance(value, Mapping):
        for key, item in list(value.items()):
            if isinstance(key, str) and key in KEY_NAMES:
                found.append(f"{path}[{key!r}]")
            _walk(item, f"{path}[{key!r}]", seen, found)
    elif isinstance(value, StreamValue):
        for child in value:
            _walk(child.value, f"{path}.{child.block_type}", seen, found)
    elif isinstance(value, Sequence | Set):
        for index, item in enumerate(value):
            _walk(item, f"{path}[{index}]", seen, found)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            if field.name in KEY_NAMES:
                found.append(f"{path}.{field.name}")
            _walk(getattr(value, field.name), f"{path}.{field.name}", seen, found)
    elif isinstance(value, Model):
        for field in value._meta.concrete_fields:
            # The page being served is the editor's source, StreamField of questions included: Wagtail's
            # templates need it as `page`, so the learner templates are checked never to read its questions
            # (test_learner_templates_never_read_the_questions_of_the_page).
            if isinstance(value, AssessmentPage) and field.name == "questions":
                continue
            if field.attname not in value.__dict__:
                continue  # deferred: not loaded, so not in the context
            if field.name in KEY_NAMES:
                found.append(f"{path}.{field.name}")
            _walk(value.__dict__[field.attname], f"{path}.{field.name}", seen, found)
        for name, related in value._state.fields_cache.items():
            _walk(related, f"{path}.{name}", seen, found)
    elif type(value).__module__.split(".")[0] in OUR_PACKAGES and hasattr(value, "__dict__"):
        for name, item in vars(value).items():
            if name in KEY_NAMES:
                found.append(f"{path}.{name}")
            _walk(item, f"{path}.{name}", seen, found)


def key_paths(context: Mapping) -> list[str]:
    found: list[str] = []
    _walk(dict(context), "context", set(), found)
    return found


def contexts_of(response) -> list[Mapping]:
    """What the view handed to the template, and every context the test client saw rendered."""
    contexts = []
    if getattr(response, "context_data", None) is not None:
        contexts.append(response.context_data)
    rendered = response.context
    if rendered is not None:
        for context in rendered if isinstance(rendered, list) else [rendered]:
            contexts.append(context.flatten())
    return contexts


def assert_context_key_free(response, where: str):
    for context in contexts_of(response):
        assert key_paths(context) == [], f"keys in the template context of {where}"


def test_the_walker_finds_a_raw_snapshot_however_it_is_wrapped(course, taker, client):
    """The context check itself can fail: each way of handing keys to a template is caught."""
    quiz = key_quiz(course, rule=ShowAnswers.NEVER, display_mode=DisplayMode.ALL_ON_ONE_PAGE)
    attempt = start(client, quiz)
    raw = attempt.snapshot["questions"]

    @dataclasses.dataclass
    class Wrapped:
        question: dict

    assert key_paths({"attempt": attempt})
    assert key_paths({"questions": [(0, raw[0])]})
    assert key_paths({"questions": [Wrapped(raw[3])]})
    assert key_paths({"explained": {"notes": EXPLANATION}})
    assert key_paths({"blocks": quiz.questions})
    assert key_paths({"review": selectors._review(attempt)})
    assert key_paths(selectors.assessment_context(user=taker, assessment=quiz)) == []


# The matrix: every setting × the retake open, submitted, expired -----------------------------------------------


def every_learner_response(client, quiz, attempt) -> list[tuple[str, object]]:
    """Each GET and POST a learner's browser makes on the assessment while `attempt` is theirs."""
    responses = [
        ("the full page", client.get(quiz.url)),
        ("the page as htmx asks for it", client.get(quiz.url, headers=HTMX)),
        ("htmx's history restore", client.get(quiz.url, headers=HISTORY_RESTORE)),
    ]
    for index in [*range(QUESTION_COUNT), -1, QUESTION_COUNT, "x", "9" * 50]:
        responses.append((f"?q={index}", client.get(quiz.url, {"q": index})))
        responses.append((f"?q={index} (htmx)", client.get(quiz.url, {"q": index}, headers=HTMX)))
    questions = by_type(attempt)
    save = reverse("assessments:save_answer", args=(attempt.pk,))
    for kind in ("single_choice", "numeric", "essay"):
        given = questions[kind]["options"][1]["id"] if kind == "single_choice" else "7"
        data = {"question_id": questions[kind]["id"], "answer": given}
        responses.append((f"saving the {kind} answer (htmx)", client.post(save, data, headers=HTMX)))
        responses.append((f"saving the {kind} answer", client.post(save, {**data, "next": "2"})))
    responses.append(("saving to an unknown question (htmx)", client.post(save, {"question_id": "nope"}, headers=HTMX)))
    return responses


@pytest.mark.parametrize("display_mode", [DisplayMode.ALL_ON_ONE_PAGE, DisplayMode.ONE_PER_SCREEN])
@pytest.mark.parametrize("rule", SETTINGS)
def test_no_key_while_the_retake_is_open(client, taker, course, rule, display_mode):
    quiz = key_quiz(course, rule=rule, display_mode=display_mode)
    first, second = retake_open(client, quiz)

    for where, response in every_learner_response(client, quiz, second):
        assert_no_keys(response, f"{where} ({rule}, {display_mode}, attempt 2 open)")

    second.refresh_from_db()
    assert second.is_open, "the checks above must have run with the retake open"
    page = client.get(quiz.url)
    assert "Attempt 2" in page.content.decode() and 'name="question_id"' in page.content.decode()
    context = page.context_data
    assert context["feedback"] is None and not context["show_feedback"]
    # The page says the review comes back once the retake is in, when the setting would show it now.
    assert context["feedback_held"] is (rule in (ShowAnswers.AFTER_EACH_ATTEMPT, ShowAnswers.AFTER_DUE_DATE))
    if context["feedback_held"]:
        assert "shown again once you submit this one" in page.content.decode()
    assert_no_keys(client.post(reverse("assessments:start", args=(quiz.pk,))), "starting again (resumes)")


def close(client, quiz, attempt, how: str):
    if how == "submitted":
        response = client.post(reverse("assessments:submit", args=(attempt.pk,)), headers=HTMX)
        assert response.status_code == 200 and response["HX-Redirect"] == quiz.url
        assert_no_keys(response, "the submit response")
    else:
        Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(seconds=1))
    return client.get(quiz.url)


@pytest.mark.parametrize("how", ["submitted", "expired"])
@pytest.mark.parametrize("rule", SETTINGS)
def test_after_the_retake_closes_the_setting_decides(client, taker, course, rule, how):
    quiz = key_quiz(course, rule=rule, display_mode=DisplayMode.ONE_PER_SCREEN)
    first, second = retake_open(client, quiz)

    page = close(client, quiz, second, how)
    second.refresh_from_db()
    assert second.status == AttemptStatus.SUBMITTED  # an expired retake is submitted as it stood
    html = page.content.decode()
    assert "Submit attempt" not in html and GUIDANCE not in html
    if ALLOWED_AFTER_CLOSING[rule]:
        assert "Answers to attempt 2" in html
        assert ACCEPTED in html and NUMERIC_VALUE in html and EXPLANATION in html and "(correct)" in html
        # Trainers' guidance stays out of the learner's context even when the keys are shown.
        assert all(GUIDANCE not in path and "grading_guidance" not in path for path in key_paths(page.context_data))
        assert not any(isinstance(value, Attempt) for value in page.context_data.values())
    else:
        assert_no_keys(page, f"the page after the retake was {how} ({rule})")
        # The ?q= screens and htmx requests of a closed attempt are the same overview, without keys.
        for index in range(QUESTION_COUNT):
            assert_no_keys(client.get(quiz.url, {"q": index}, headers=HTMX), f"?q={index} after closing")


@pytest.mark.parametrize("rule", SETTINGS)
def test_saving_into_an_expired_retake_gives_no_key(client, taker, course, rule):
    quiz = key_quiz(course, rule=rule, display_mode=DisplayMode.ALL_ON_ONE_PAGE)
    first, second = retake_open(client, quiz)
    Attempt.objects.filter(pk=second.pk).update(deadline_at=timezone.now() - timedelta(seconds=1))
    essay = by_type(second)["essay"]
    save = reverse("assessments:save_answer", args=(second.pk,))
    for headers in (HTMX, {}):
        response = client.post(save, {"question_id": essay["id"], "answer": "late"}, headers=headers)
        assert_no_keys(response, "saving after the deadline")
    second.refresh_from_db()
    assert second.status == AttemptStatus.SUBMITTED


def test_the_first_attempt_shows_no_key_either(client, taker, course):
    quiz = key_quiz(course, rule=ShowAnswers.AFTER_EACH_ATTEMPT, display_mode=DisplayMode.ONE_PER_SCREEN)
    attempt = start(client, quiz)
    for where, response in every_learner_response(client, quiz, attempt):
        assert_no_keys(response, f"{where} (attempt 1 open)")


# The selector is the gate ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", SETTINGS)
def test_the_selector_gives_key_free_views_while_an_attempt_is_open(client, taker, course, rule):
    quiz = key_quiz(course, rule=rule, display_mode=DisplayMode.ALL_ON_ONE_PAGE)
    retake_open(client, quiz)
    quiz.refresh_from_db()
    context = selectors.assessment_context(user=taker, assessment=quiz)
    assert key_paths(context) == []
    assert [type(view) for _, view in context["questions"]] == [selectors.QuestionView] * QUESTION_COUNT
    assert isinstance(context["attempt"], selectors.OpenAttemptView)
    assert all(isinstance(summary, selectors.AttemptSummary) for summary in context["attempts"])


def test_an_expired_attempt_not_yet_submitted_still_counts_as_open(client, taker, course):
    """Should anything ask before the page view submits it, an ungraded attempt still gives nothing away."""
    quiz = key_quiz(course, rule=ShowAnswers.AFTER_EACH_ATTEMPT, display_mode=DisplayMode.ALL_ON_ONE_PAGE)
    first, second = retake_open(client, quiz)
    Attempt.objects.filter(pk=second.pk).update(deadline_at=timezone.now() - timedelta(minutes=5))
    context = selectors.assessment_context(user=taker, assessment=quiz)
    assert context["feedback"] is None and key_paths(context) == []


def test_the_review_leaves_out_what_is_only_for_trainers(client, taker, course):
    quiz = key_quiz(course, rule=ShowAnswers.AFTER_EACH_ATTEMPT, display_mode=DisplayMode.ALL_ON_ONE_PAGE)
    attempt = start(client, quiz)
    client.post(reverse("assessments:submit", args=(attempt.pk,)))
    context = selectors.assessment_context(user=taker, assessment=quiz)
    review = context["feedback"]
    assert [item.question.type for item in review] == [q["type"] for q in attempt.snapshot["questions"]]
    assert by_kind(review, "short_text").question.accepted == (ACCEPTED,)
    assert by_kind(review, "numeric").question.value == NUMERIC_VALUE
    assert by_kind(review, "true_false").question.true_or_false is True
    assert GUIDANCE not in repr(context) and "grading_guidance" not in repr(context)


def by_kind(review, kind):
    return next(item for item in review if item.question.type == kind)


def test_no_new_attempt_once_the_due_date_released_the_keys(client, taker, course):
    quiz = key_quiz(course, rule=ShowAnswers.AFTER_DUE_DATE, display_mode=DisplayMode.ALL_ON_ONE_PAGE)
    attempt = start(client, quiz)
    client.post(reverse("assessments:submit", args=(attempt.pk,)))
    AssessmentPage.objects.filter(pk=quiz.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    html = client.get(quiz.url).content.decode()
    assert ACCEPTED in html and "Start another attempt" not in html and "no new attempt can start" in html
    response = client.post(reverse("assessments:start", args=(quiz.pk,)), follow=True)
    assert "no new attempt can start" in response.content.decode()
    assert Attempt.objects.filter(assessment=quiz).count() == 1


def test_learner_templates_never_read_the_questions_of_the_page():
    """`page` must be Wagtail's page object (titles, the user bar), and its StreamField holds every key: the
    learner's templates take questions from the selector's views only."""
    from django.template.loader import get_template

    names = [
        "assessments/assessment_page.html",
        "assessments/partials/question.html",
        "assessments/partials/feedback.html",
        "assessments/partials/save_status.html",
        "assessments/partials/attempt_result.html",
    ]
    for name in names:
        source = get_template(name).template.source
        for forbidden in ("page.questions", ".snapshot", "page.specific", "grading_guidance"):
            assert forbidden not in source, f"{name} reads {forbidden}"


def test_the_countdown_gives_its_deadline_to_the_second(client, taker, course):
    # A deadline's microseconds once spelled this quiz's numeric tolerance (0.037) into the page by chance.
    quiz = key_quiz(course, rule=ShowAnswers.NEVER, display_mode=DisplayMode.ALL_ON_ONE_PAGE)
    attempt = start(client, quiz)
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=attempt.deadline_at.replace(second=10, microsecond=37123))
    html = client.get(quiz.url).content.decode()
    countdown = re.search(r'data-countdown="([^"]+)"', html).group(1)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:10Z", countdown), countdown
    assert keys_in(html) == []
