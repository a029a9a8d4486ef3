import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from assessments import services, tasks
from assessments.models import Attempt, GradeChange
from assessments.tests.factories import by_type, make_assessment, question, right_answers
from courses.models import LessonPage
from learning import services as learning_services
from lms_site.tests.clients import as_

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def enrolled(course, **fields):
    user = UserFactory(**fields)
    learning_services.enroll(user=user, course=course)
    return user


def take(user, assessment, answers=None):
    """A submitted attempt; answers maps a question type to the answer, right_answers() when not given."""
    attempt = services.start_attempt(user=user, assessment=assessment)
    if answers is None:
        given = right_answers(attempt)
    else:
        ids = by_type(attempt)
        given = {ids[kind]["id"]: answer for kind, answer in answers.items()}
    for question_id, answer in given.items():
        services.save_answer(attempt=attempt, question_id=question_id, answer=answer)
    return services.submit_attempt(attempt=attempt)


def two_question_quiz(course, **fields):
    fields.setdefault("slug", "short-quiz")
    fields.setdefault("title", "Short quiz")
    fields.setdefault("pass_mark", 50)
    questions = [
        question("true_false", answer="false"),
        question("short_text", accepted=["Lovelace"], case_sensitive=False),
    ]
    return make_assessment(course, questions=questions, **fields)


# Permissions --------------------------------------------------------------------------------------------------


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


@pytest.fixture
def trainer_urls(course, assessment, student):
    attempt = take(student, assessment)
    return {
        "queue": reverse("assessments:grading_queue", args=(course.pk,)),
        "gradebook": reverse("assessments:gradebook", args=(course.pk,)),
        "csv": reverse("assessments:gradebook_csv", args=(course.pk,)),
        "attempt": reverse("assessments:attempt", args=(attempt.pk,)),
        "progress": reverse("assessments:regrade_progress", args=(assessment.pk,)),
    }


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("visitor", 302),
        ("learner", 403),
        ("enrolled learner", 403),
        ("trainer of another course", 403),
        ("course trainer", 200),
        ("admin", 200),
    ],
)
# Not named "page": pytest-playwright would take that for its browser fixture.
@pytest.mark.parametrize("view", ["queue", "gradebook", "csv", "attempt", "progress"])
def test_who_sees_the_trainer_pages(client, people, trainer_urls, who, status, view):
    response = as_(client, people[who]).get(trainer_urls[view])
    assert response.status_code == status
    if who == "visitor":
        assert response.url.startswith(reverse("accounts:sign_in"))


@pytest.mark.parametrize(
    ("who", "status"),
    [("visitor", 302), ("enrolled learner", 403), ("trainer of another course", 403), ("course trainer", 302)],
)
def test_who_may_grade_override_and_regrade(client, people, assessment, student, who, status):
    attempt = take(student, assessment)
    essay_id = by_type(attempt)["essay"]["id"]
    tf_id = by_type(attempt)["true_false"]["id"]
    client = as_(client, people[who])
    posts = [
        (reverse("assessments:grade_essay", args=(attempt.pk,)), {"question_id": essay_id, "score": "1"}),
        (
            reverse("assessments:override_score", args=(attempt.pk,)),
            {"question_id": tf_id, "score": "0", "reason": "typo in the key"},
        ),
        (reverse("assessments:regrade", args=(assessment.pk,)), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == status
    if status == 403 or who == "visitor":
        assert not GradeChange.objects.exists()


# Grading queue ------------------------------------------------------------------------------------------------


def test_the_queue_shows_the_oldest_pending_essay_with_its_guidance(client, trainer, course, assessment, student):
    attempt = take(student, assessment, answers={"essay": "<script>alert(1)</script> Two causes."})
    response = as_(client, trainer).get(reverse("assessments:grading_queue", args=(course.pk,)))
    html = response.content.decode()
    assert response.status_code == 200
    assert student.display_name in html and assessment.title in html
    assert "Names two causes." in html  # the trainer-only grading guidance
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Two causes." in html and "<script>alert(1)" not in html
    assert f'action="{reverse("assessments:grade_essay", args=(attempt.pk,))}"' in html


def test_grading_over_htmx_records_the_grade_and_swaps_in_the_next_essay(client, trainer, course, assessment):
    first_learner, second_learner = enrolled(course, first_name="Ann"), enrolled(course, first_name="Bob")
    first = take(first_learner, assessment, answers={"essay": "Ann's essay"})
    second = take(second_learner, assessment, answers={"essay": "Bob's essay"})
    essay_id = by_type(first)["essay"]["id"]

    url = reverse("assessments:grade_essay", args=(first.pk,))
    response = as_(client, trainer).post(
        url, {"question_id": essay_id, "score": "0.5", "comment": "One cause only."}, headers=HTMX
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Bob&#x27;s essay" in html and "Ann&#x27;s essay" not in html
    assert reverse("assessments:grade_essay", args=(second.pk,)) in html
    assert 'hx-swap-oob="true"' in html  # the queue beside it loses the graded attempt
    first.refresh_from_db()
    assert first.pending_manual is False and first.manual_scores == {essay_id: "0.50"}
    change = GradeChange.objects.get(attempt=first)
    assert (change.kind, change.new_score, change.reason, change.changed_by) == (
        GradeChange.Kind.ESSAY_GRADE,
        Decimal("0.50"),
        "One cause only.",
        trainer,
    )


def test_a_plain_post_grades_and_goes_back_to_the_queue(client, trainer, course, assessment, student):
    attempt = take(student, assessment)
    essay_id = by_type(attempt)["essay"]["id"]
    response = as_(client, trainer).post(
        reverse("assessments:grade_essay", args=(attempt.pk,)), {"question_id": essay_id, "score": "1"}
    )
    assert response.status_code == 302
    assert response.url == reverse("assessments:grading_queue", args=(course.pk,))
    attempt.refresh_from_db()
    assert attempt.passed is True and not attempt.pending_manual


EMPTY_QUEUE = "Nothing to grade: no essay is waiting for a grade."


def test_an_empty_queue_says_so_once(client, trainer, course, assessment):
    html = as_(client, trainer).get(reverse("assessments:grading_queue", args=(course.pk,))).content.decode()
    assert html.count(EMPTY_QUEUE) == 1
    assert html.count("data-empty-state") == 1
    for other in ("Nothing to grade. Well done!", "No essay is waiting for a grade.", "0 attempts waiting"):
        assert other not in html
    assert "<table" not in html
    assert 'id="queue-list"' in html  # kept, empty, for a later out-of-band swap


def test_grading_the_last_essay_leaves_one_empty_message_beside_the_confirmation(client, trainer, course, assessment):
    attempt = take(enrolled(course, first_name="Ann", last_name="Last"), assessment)
    url = reverse("assessments:grade_essay", args=(attempt.pk,))
    data = {"question_id": by_type(attempt)["essay"]["id"], "score": "1"}
    html = as_(client, trainer).post(url, data, headers=HTMX).content.decode()
    assert "Graded Ann Last’s essay." in html
    assert html.count(EMPTY_QUEUE) == 1 and "<table" not in html
    assert 'id="queue-list"' in html and 'hx-swap-oob="true"' in html


def test_a_queue_with_essays_shows_its_count_and_no_empty_message(client, trainer, course, assessment, student):
    take(student, assessment)
    html = as_(client, trainer).get(reverse("assessments:grading_queue", args=(course.pk,))).content.decode()
    assert "1 attempt waiting for an essay grade" in html
    assert EMPTY_QUEUE not in html and "data-empty-state" not in html


@pytest.mark.parametrize("score", ["2", "-1", "lots", ""])
def test_a_refused_grade_shows_the_message_in_place(client, trainer, assessment, student, score):
    attempt = take(student, assessment)
    essay_id = by_type(attempt)["essay"]["id"]
    response = as_(client, trainer).post(
        reverse("assessments:grade_essay", args=(attempt.pk,)),
        {"question_id": essay_id, "score": score},
        headers=HTMX,
    )
    assert response.status_code == 400
    assert 'id="grading-panel"' in response.content.decode() and "message-error" in response.content.decode()
    assert not GradeChange.objects.exists()
    attempt.refresh_from_db()
    assert attempt.pending_manual


# Attempt review and overrides ---------------------------------------------------------------------------------


def test_an_override_needs_a_reason_and_shows_in_the_audit_trail(client, trainer, assessment, student):
    attempt = take(student, assessment)
    tf_id = by_type(attempt)["true_false"]["id"]
    url = reverse("assessments:override_score", args=(attempt.pk,))
    client = as_(client, trainer)

    refused = client.post(url, {"question_id": tf_id, "score": "0", "reason": "  "}, headers=HTMX)
    assert refused.status_code == 400
    assert "Give a reason" in refused.content.decode()
    assert not GradeChange.objects.exists()

    done = client.post(url, {"question_id": tf_id, "score": "0", "reason": "The key was wrong"}, headers=HTMX)
    assert done.status_code == 200
    attempt.refresh_from_db()
    assert attempt.score == Decimal("5.00")
    page = client.get(reverse("assessments:attempt", args=(attempt.pk,))).content.decode()
    assert "Score overridden" in page and "The key was wrong" in page and trainer.display_name in page
    assert "1.00 → 0.00" in page
    assert "Names two causes." in page  # guidance is shown to staff


def test_the_attempt_page_shows_answers_and_automatic_scores(client, trainer, assessment, student):
    attempt = services.start_attempt(user=student, assessment=assessment)
    questions = by_type(attempt)
    lyon = next(o["id"] for o in questions["single_choice"]["options"] if o["text"] == "Lyon")
    for kind, answer in {"single_choice": lyon, "true_false": True, "essay": "<b>bold</b>"}.items():
        services.save_answer(attempt=attempt, question_id=questions[kind]["id"], answer=answer)
    attempt = services.submit_attempt(attempt=attempt)
    services.grade_question(attempt=attempt, question_id=questions["essay"]["id"], score="1", reason="", grader=trainer)

    html = as_(client, trainer).get(reverse("assessments:attempt", args=(attempt.pk,))).content.decode()
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html
    assert "Lyon" in html and "True" in html and "automatic 0.00" in html
    assert "Essay graded" in html
    assert "1.00</span> of 7.00 (14.29%) · failed" in " ".join(html.split())


# Regrade ------------------------------------------------------------------------------------------------------


def test_a_regrade_after_a_key_fix_updates_scores_and_reports_finished(
    client, trainer, course, django_capture_on_commit_callbacks
):
    quiz = two_question_quiz(course)
    learners = [enrolled(course) for _ in range(3)]
    attempts = [take(learner, quiz, answers={"true_false": True, "short_text": "Lovelace"}) for learner in learners]
    assert {a.score for a in attempts} == {Decimal("1.00")}

    # The editor fixes the key: the right answer was "true".
    raw = list(quiz.questions.raw_data)
    raw[0] = {**raw[0], "value": {**raw[0]["value"], "answer": "true"}}
    quiz.questions = raw
    quiz.save()

    client = as_(client, trainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessments:regrade", args=(quiz.pk,)), headers=HTMX)
    assert response.status_code == 200

    assert tasks.regrade_progress(quiz.pk) == {"done": 3, "total": 3, "changed": 3, "finished": True}
    assert {a.score for a in Attempt.objects.filter(assessment=quiz)} == {Decimal("2.00")}
    assert GradeChange.objects.filter(kind=GradeChange.Kind.REGRADE, changed_by=trainer).count() == 3

    fragment = client.get(reverse("assessments:regrade_progress", args=(quiz.pk,)), headers=HTMX)
    html = fragment.content.decode()
    assert "Regrade finished" in html and "3 scores changed" in html
    assert 'hx-trigger="every 1s"' not in html  # polling stops

    # Running it again changes nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("assessments:regrade", args=(quiz.pk,)))
    assert tasks.regrade_progress(quiz.pk)["changed"] == 0
    assert GradeChange.objects.filter(kind=GradeChange.Kind.REGRADE).count() == 3


def test_the_progress_fragment_keeps_polling_while_the_regrade_runs(client, trainer, assessment):
    tasks.set_regrade_progress(assessment.pk, done=500, total=2000, changed=12, finished=False)
    response = as_(client, trainer).get(reverse("assessments:regrade_progress", args=(assessment.pk,)), headers=HTMX)
    html = response.content.decode()
    assert 'hx-trigger="every 1s"' in html and "500 of 2000" in html


# Gradebook ----------------------------------------------------------------------------------------------------


def test_gradebook_values_reconcile_with_the_attempts(client, trainer, course, assessment):
    quiz = two_question_quiz(course)
    ann, bob = enrolled(course, first_name="Ann", last_name="A"), enrolled(course, first_name="Bob", last_name="B")
    left = enrolled(course, first_name="Cy", last_name="C")
    learning_services.leave_course(enrollment=left.enrollments.get())
    take(ann, quiz, answers={"true_false": True, "short_text": "x"})  # 0%
    take(ann, quiz, answers={"true_false": False, "short_text": "lovelace"})  # 100%
    take(ann, quiz, answers={"true_false": False, "short_text": "x"})  # 50%, passed
    take(bob, assessment)  # essay pending
    take(bob, quiz, answers={"true_false": True})  # 0%, failed

    from assessments import selectors

    book = selectors.gradebook(course=course)
    assert [a.pk for a in book.assessments] == [assessment.pk, quiz.pk]
    assert [row.user for row in book.rows] == [ann, bob]
    cells = {(row.user, a.pk): cell for row in book.rows for a, cell in zip(book.assessments, row.cells, strict=True)}
    for (user, assessment_id), cell in cells.items():
        rows = list(Attempt.objects.filter(user=user, assessment_id=assessment_id).order_by("number"))
        assert cell.attempts == len(rows)
        assert cell.best_percent == (max(r.percent for r in rows) if rows else None)
        assert cell.last_percent == (rows[-1].percent if rows else None)
    assert cells[(ann, quiz.pk)].status == "passed"
    assert (cells[(ann, quiz.pk)].best_percent, cells[(ann, quiz.pk)].last_percent) == (Decimal("100"), Decimal("50"))
    assert cells[(ann, assessment.pk)].status == "not attempted"
    assert cells[(bob, assessment.pk)].status == "pending grading"
    assert cells[(bob, quiz.pk)].status == "failed"

    html = as_(client, trainer).get(reverse("assessments:gradebook", args=(course.pk,))).content.decode()
    assert "Best 100.00% · last 50.00%" in html and "3 attempts · passed" in html
    assert "Cy C" not in html
    assert reverse("assessments:regrade", args=(quiz.pk,)) in html


def test_the_gradebook_query_count_does_not_grow_with_learners_or_assessments(client, trainer, course, assessment):
    quizzes = [two_question_quiz(course)]

    def add_learners(count):
        for _ in range(count):
            learner = enrolled(course)
            complete_lessons(learner, course, 2)
            for quiz in quizzes:
                take(learner, quiz, answers={"true_false": False})
            take(learner, assessment)

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    url = reverse("assessments:gradebook", args=(course.pk,))
    csv_url = reverse("assessments:gradebook_csv", args=(course.pk,))
    client = as_(client, trainer)
    add_learners(2)
    client.get(url)  # the first visit may create the user's Wagtail profile
    with_two = queries(url), queries(csv_url)
    add_learners(18)
    quizzes += [two_question_quiz(course, slug=f"quiz-{n}", title=f"Quiz {n}") for n in range(3)]
    add_learners(1)
    client.get(url)  # the new quizzes are pages: the site header's menu is built again once, then kept
    with_more = queries(url), queries(csv_url)
    response = client.get(url)
    assert response.content.decode().count('<th scope="row"') == 21
    assert response.content.decode().count('<th scope="col"') == 4 + 5
    assert with_more == with_two
    assert with_two[1] <= 10


def test_the_gradebook_csv(client, trainer, course, assessment):
    quiz = two_question_quiz(course, title="=cmd|' /C calc'!A0")
    ann = enrolled(course, first_name="@SUM(1+1)", last_name="", email="ann@example.com")
    take(ann, quiz, answers={"true_false": False, "short_text": "Lovelace"})

    response = as_(client, trainer).get(reverse("assessments:gradebook_csv", args=(course.pk,)))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="gradebook-{course.slug}.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "Learner",
        "Email",
        "Lessons completed",
        "Lessons total",
        "Lessons % (completed of total, rounded down)",
        "Course progress % (lessons and required steps done, as the learner sees it)",
        "Assessment average % (mean of the best final score per assessment, equal weights; none yet = 0)",
        "Assessment average provisional (an essay waits for a grade)",
        "Quiz best %",
        "Quiz last %",
        "Quiz status",
        "'=cmd|' /C calc'!A0 best %",
        "'=cmd|' /C calc'!A0 last %",
        "'=cmd|' /C calc'!A0 status",
    ]
    progress = str(ann.enrollments.get().progress_percent)
    # Quiz not attempted (0) and the other at 100: an average of 50.
    assert rows[1] == ["'@SUM(1+1)", "ann@example.com", "0", "4", "0", progress, "50.00", "no"] + [
        "",
        "",
        "not attempted",
        "100.00",
        "100.00",
        "passed",
    ]
    assert len(rows) == 2


def complete_lessons(user, course, count):
    enrollment = user.enrollments.get(course=course)
    for lesson in LessonPage.objects.live().descendant_of(course).order_by("path")[:count]:
        learning_services.complete_lesson(enrollment=enrollment, lesson=lesson)


def test_the_gradebook_adds_lessons_progress_and_the_assessment_average(client, trainer, course, assessment):
    quiz = two_question_quiz(course)
    ann, bob = enrolled(course, first_name="Ann", last_name="A"), enrolled(course, first_name="Bob", last_name="B")
    complete_lessons(ann, course, 3)
    complete_lessons(bob, course, 1)
    # A lesson Ann completed is unpublished: it no longer counts, on either side of the fraction.
    LessonPage.objects.live().descendant_of(course).order_by("path").first().unpublish()
    take(ann, quiz, answers={"true_false": False, "short_text": "lovelace"})  # 100
    take(ann, quiz, answers={"true_false": True, "short_text": "x"})  # 0: the best counts, not the last
    graded = take(ann, assessment)  # essay pending, then graded in full
    services.grade_question(
        attempt=graded, question_id=by_type(graded)["essay"]["id"], score="1", reason="", grader=trainer
    )
    take(bob, quiz, answers={"true_false": False})  # 50
    take(bob, assessment)  # waits for its essay: counts as 0 until graded, and marks the average provisional

    from assessments import selectors

    book = selectors.gradebook(course=course)
    assert book.lessons_total == 3
    ann_row, bob_row = book.rows
    graded.refresh_from_db()
    assert (ann_row.lessons_done, ann_row.lessons_total, ann_row.lessons_percent) == (2, 3, 66)
    assert (bob_row.lessons_done, bob_row.lessons_percent) == (0, 0)
    assert ann_row.progress_percent == ann.enrollments.get().progress_percent
    assert ann_row.assessment_average == ((graded.percent + Decimal(100)) / 2).quantize(Decimal("0.01"))
    assert not ann_row.average_is_provisional
    assert bob_row.assessment_average == Decimal("25.00") and bob_row.average_is_provisional

    html = as_(client, trainer).get(reverse("assessments:gradebook", args=(course.pk,))).content.decode()
    assert "2 of 3" in html and "66%" in html
    assert "25.00%" in html and "provisional: an essay waits for a grade" in html
    assert "How the totals are worked out" in html and "every assessment weighing the same" in html
    assert "wagtail-userbar" not in html  # it floated over the table's cells
    queue = as_(client, trainer).get(reverse("assessments:grading_queue", args=(course.pk,))).content.decode()
    assert "wagtail-userbar" in queue  # other pages keep it


def test_a_course_without_assessments_has_no_average(client, trainer, course):
    enrolled(course)
    html = as_(client, trainer).get(reverse("assessments:gradebook", args=(course.pk,))).content.decode()
    assert 'data-column="average"><span class="text-slate-500">—</span>' in html
    rows = list(
        csv.reader(
            io.StringIO(
                as_(client, trainer).get(reverse("assessments:gradebook_csv", args=(course.pk,))).content.decode()
            )
        )
    )
    assert rows[1][6:8] == ["", ""]


# Scores that are not numbers: issue 16, finding 5 ---------------------------------------------------------------

NOT_A_SCORE = ["NaN", "nan", "sNaN", "Infinity", "-Infinity", "inf", "1e999", "-1e999", "9" * 5000, "", "  ", "1,5x"]


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "form"])
@pytest.mark.parametrize("score", NOT_A_SCORE, ids=lambda score: score[:12] or "empty")
def test_an_essay_grade_that_is_not_a_number_is_refused_in_place(client, trainer, assessment, student, score, htmx):
    attempt = take(student, assessment)
    essay_id = by_type(attempt)["essay"]["id"]
    response = as_(client, trainer).post(
        reverse("assessments:grade_essay", args=(attempt.pk,)),
        {"question_id": essay_id, "score": score, "comment": "Fine."},
        headers=HTMX if htmx else {},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "message-error" in html
    assert "Enter the score as a number" in html or "The score must be between 0 and 1" in html
    attempt.refresh_from_db()
    assert attempt.pending_manual and attempt.manual_scores == {}
    assert not GradeChange.objects.exists()


@pytest.mark.parametrize("score", NOT_A_SCORE, ids=lambda score: score[:12] or "empty")
def test_an_override_that_is_not_a_number_is_refused_in_place(client, trainer, assessment, student, score):
    attempt = take(student, assessment)
    tf_id = by_type(attempt)["true_false"]["id"]
    before = attempt.score
    response = as_(client, trainer).post(
        reverse("assessments:override_score", args=(attempt.pk,)),
        {"question_id": tf_id, "score": score, "reason": "The key was wrong"},
        headers=HTMX,
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Enter the score as a number" in html or "The score must be between 0 and 1" in html
    attempt.refresh_from_db()
    assert attempt.score == before and attempt.manual_scores == {}
    assert not GradeChange.objects.exists()


@pytest.mark.parametrize("score", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), float("nan"), None])
def test_the_grading_service_refuses_scores_that_are_not_finite(trainer, assessment, student, score):
    attempt = take(student, assessment)
    essay_id = by_type(attempt)["essay"]["id"]
    with pytest.raises(services.AssessmentError, match="Enter the score as a number"):
        services.grade_question(attempt=attempt, question_id=essay_id, score=score, reason="", grader=trainer)
    attempt.refresh_from_db()
    assert attempt.manual_scores == {}


def test_a_score_with_an_exponent_inside_the_range_is_read_as_its_value(client, trainer, assessment, student):
    attempt = take(student, assessment)
    essay_id = by_type(attempt)["essay"]["id"]
    response = as_(client, trainer).post(
        reverse("assessments:grade_essay", args=(attempt.pk,)), {"question_id": essay_id, "score": "5e-1"}
    )
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.manual_scores == {essay_id: "0.50"}


@pytest.mark.parametrize("picked", ["9" * 40, str(2**63), "-1", "abc", "1e3", "٣"])
def test_a_hostile_attempt_in_the_grading_queue_query_is_ignored(client, trainer, assessment, student, course, picked):
    """Not an id a row can have: the queue opens on the oldest essay instead (it used to raise OverflowError)."""
    attempt = take(student, assessment)
    response = as_(client, trainer).get(reverse("assessments:grading_queue", args=(course.pk,)), {"attempt": picked})
    assert response.status_code == 200
    assert response.context_data["selected"] == attempt
