"""A grade released or changed by a trainer is news for the learner: one e-mail per change, and a line on their
dashboard. Nothing for changes that leave the grade as it was, and nothing while an essay still waits."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, SentNotification
from accounts.tests.factories import UserFactory
from assessments import selectors, services
from assessments.models import Attempt, Feedback, GradeChange
from assessments.tests.factories import by_type, make_assessment, question, right_answers
from learning import services as learning_services

pytestmark = pytest.mark.django_db


def take(user, assessment, answers=None):
    attempt = services.start_attempt(user=user, assessment=assessment)
    for question_id, answer in (answers if answers is not None else right_answers(attempt)).items():
        services.save_answer(attempt=attempt, question_id=question_id, answer=answer)
    return services.submit_attempt(attempt=attempt)


def essay_id(attempt):
    return by_type(attempt)["essay"]["id"]


def grade_essay(attempt, grader, score="1", feedback=None):
    return services.grade_question(
        attempt=attempt, question_id=essay_id(attempt), score=score, reason="", grader=grader, feedback=feedback
    )


def fix_the_key(quiz):
    """The editor corrects the first question, a true/false one: the right answer was "true"."""
    raw = list(quiz.questions.raw_data)
    raw[0] = {**raw[0], "value": {**raw[0]["value"], "answer": "true"}}
    quiz.questions = raw
    quiz.save()


def grade_mail(mailoutbox):
    return [message for message in mailoutbox if "grade" in message.subject or "graded" in message.subject]


class TestEmails:
    def test_the_last_essay_graded_mails_the_result_once(
        self, student, trainer, assessment, mailoutbox, django_capture_on_commit_callbacks
    ):
        attempt = take(student, assessment)
        with django_capture_on_commit_callbacks(execute=True):
            attempt = grade_essay(attempt, trainer, feedback="Well argued.")
        [message] = grade_mail(mailoutbox)
        assert message.to == [student.email]
        assert message.subject == "Your essay in Quiz was graded: 100%"
        assert "Score: 100% (7 of 7 points)" in message.body
        assert "Passed (the pass mark is 70%)." in message.body
        assert "Your trainer left you feedback." in message.body
        assert f"http://testserver{reverse('assessments:result', args=(attempt.pk,))}" in message.body
        change = GradeChange.objects.get(attempt=attempt)
        assert SentNotification.objects.filter(
            user=student, kind=Notification.GRADE, key=f"attempt:{attempt.pk}:grade:{change.pk}"
        ).exists()
        attempt.refresh_from_db()
        assert attempt.grade_released_at is not None and attempt.grade_changed_at is None

    def test_no_mail_while_another_essay_waits(
        self, student, trainer, course, mailoutbox, django_capture_on_commit_callbacks
    ):
        quiz = make_assessment(
            course,
            slug="two-essays",
            title="Two essays",
            questions=[question("essay", points="2"), question("essay", points="2")],
            pass_mark=50,
        )
        attempt = take(student, quiz, answers={})
        first, second = (q["id"] for q in attempt.snapshot["questions"])
        with django_capture_on_commit_callbacks(execute=True):
            services.grade_question(attempt=attempt, question_id=first, score="1", reason="", grader=trainer)
        assert grade_mail(mailoutbox) == []
        with django_capture_on_commit_callbacks(execute=True):
            services.grade_question(attempt=attempt, question_id=second, score="0", reason="", grader=trainer)
        [message] = grade_mail(mailoutbox)
        assert message.subject == "Your essay in Two essays was graded: 25%"
        assert "Not passed (the pass mark is 50%)." in message.body

    def test_an_override_that_moves_the_score_mails_a_change_and_one_that_does_not_mails_nothing(
        self, student, trainer, assessment, mailoutbox, django_capture_on_commit_callbacks
    ):
        attempt = grade_essay(take(student, assessment), trainer)
        tf_id = by_type(attempt)["true_false"]["id"]
        with django_capture_on_commit_callbacks(execute=True):
            services.grade_question(attempt=attempt, question_id=tf_id, score="1", reason="same", grader=trainer)
        assert grade_mail(mailoutbox) == []
        with django_capture_on_commit_callbacks(execute=True):
            services.grade_question(attempt=attempt, question_id=tf_id, score="0", reason="typo", grader=trainer)
        [message] = grade_mail(mailoutbox)
        assert message.subject == "Your grade in Quiz changed: 85.71%"
        assert "Not passed" not in message.body and "Passed (the pass mark is 70%)." in message.body
        # A second change is a second e-mail: each change is its own event.
        with django_capture_on_commit_callbacks(execute=True):
            services.grade_question(attempt=attempt, question_id=tf_id, score="1", reason="undo", grader=trainer)
        assert [m.subject for m in grade_mail(mailoutbox)] == [
            "Your grade in Quiz changed: 85.71%",
            "Your grade in Quiz changed: 100%",
        ]
        attempt.refresh_from_db()
        assert attempt.grade_changed_at is not None

    def test_a_learner_who_muted_grades_gets_no_mail_but_still_the_dashboard_line(
        self, client, student, trainer, assessment, mailoutbox, django_capture_on_commit_callbacks
    ):
        student.muted_notifications = [Notification.GRADE]
        student.save()
        attempt = take(student, assessment)
        with django_capture_on_commit_callbacks(execute=True):
            grade_essay(attempt, trainer)
        assert grade_mail(mailoutbox) == []
        client.force_login(student)
        assert "Your essay in Quiz was graded: 100%" in client.get(reverse("learning:dashboard")).content.decode()

    def test_a_rolled_back_grade_mails_nothing(
        self, student, trainer, assessment, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
    ):
        attempt = take(student, assessment)

        def fail(*args, **kwargs):
            raise RuntimeError("the e-mail could not be queued")

        # Whatever fails while the grade is written takes the grade, the feedback and the e-mail's claim with it.
        monkeypatch.setattr(services, "_announce_grade", fail)
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
            grade_essay(attempt, trainer, feedback="lost")
        assert grade_mail(mailoutbox) == [] and not SentNotification.objects.filter(kind=Notification.GRADE).exists()
        attempt.refresh_from_db()
        assert attempt.pending_manual and attempt.grade_released_at is None
        assert not Feedback.objects.exists()


class TestRegrade:
    def test_only_learners_whose_final_score_moved_are_told(
        self, trainer, course, mailoutbox, django_capture_on_commit_callbacks
    ):
        quiz = make_assessment(
            course,
            slug="regrade-quiz",
            title="Regrade quiz",
            pass_mark=50,
            questions=[question("true_false", answer="false"), question("essay")],
        )
        right, wrong, waiting = (UserFactory() for _ in range(3))
        for user in (right, wrong, waiting):
            learning_services.enroll(user=user, course=course)
        attempts = {}
        for user, given in ((right, False), (wrong, True), (waiting, True)):
            attempt = services.start_attempt(user=user, assessment=quiz)
            services.save_answer(attempt=attempt, question_id=by_type(attempt)["true_false"]["id"], answer=given)
            attempts[user] = services.submit_attempt(attempt=attempt)
        grade_essay(attempts[right], trainer)
        grade_essay(attempts[wrong], trainer)
        mailoutbox.clear()

        # The key was wrong: "true" is right. The learner who answered true gains, the other loses; the attempt
        # still waiting for its essay changes score but has no final grade to tell about.
        fix_the_key(quiz)
        with django_capture_on_commit_callbacks(execute=True):
            changed = services.regrade_assessment(assessment=quiz, by=trainer, chunk_size=2)
        assert changed == 3
        assert sorted((m.to[0], m.subject) for m in grade_mail(mailoutbox)) == sorted(
            [
                (right.email, "Your grade in Regrade quiz changed: 50%"),
                (wrong.email, "Your grade in Regrade quiz changed: 100%"),
            ]
        )
        # Running it again changes nothing and tells nobody anything.
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert services.regrade_assessment(assessment=quiz, by=trainer) == 0
        assert grade_mail(mailoutbox) == []

    def test_a_regrade_reads_the_learners_of_a_chunk_in_one_query(self, trainer, course):
        quiz = make_assessment(
            course, slug="many", title="Many", pass_mark=50, questions=[question("true_false", answer="false")]
        )
        for _ in range(6):
            user = UserFactory()
            learning_services.enroll(user=user, course=course)
            attempt = services.start_attempt(user=user, assessment=quiz)
            services.save_answer(attempt=attempt, question_id=by_type(attempt)["true_false"]["id"], answer=True)
            services.submit_attempt(attempt=attempt)
        fix_the_key(quiz)
        with CaptureQueriesContext(connection) as queries:
            assert services.regrade_assessment(assessment=quiz, by=trainer) == 6
        # SQLite quotes names with "", MariaDB with ``.
        user_reads = [q["sql"] for q in queries.captured_queries if re.search(r'FROM [`"]accounts_user[`"]', q["sql"])]
        assert len(user_reads) == 1, user_reads


class TestDashboard:
    def test_lines_newest_first_with_the_score(self, client, student, trainer, course, assessment):
        other_quiz = make_assessment(course, slug="second", title="Second quiz")
        first = take(student, assessment)
        second = take(student, other_quiz)
        with time_machine.travel(timezone.now() + timedelta(hours=1)):
            grade_essay(first, trainer)
        with time_machine.travel(timezone.now() + timedelta(hours=2)):
            grade_essay(second, trainer, score="0")
        client.force_login(student)
        html = client.get(reverse("learning:dashboard")).content.decode()
        newest = "Your essay in Second quiz was graded: 85.71%"
        older = "Your essay in Quiz was graded: 100%"
        assert newest in html and older in html
        assert html.index(newest) < html.index(older)
        assert reverse("assessments:result", args=(second.pk,)) in html

    def test_a_changed_grade_reads_as_changed(self, client, student, trainer, assessment):
        attempt = grade_essay(take(student, assessment), trainer)
        services.grade_question(
            attempt=attempt, question_id=by_type(attempt)["true_false"]["id"], score="0", reason="x", grader=trainer
        )
        client.force_login(student)
        html = client.get(reverse("learning:dashboard")).content.decode()
        assert "Your grade in Quiz changed: 85.71%" in html and "was graded" not in html

    def test_old_news_is_no_line_but_the_grade_stays_listed(self, client, student, trainer, assessment):
        attempt = take(student, assessment)
        with time_machine.travel(timezone.now() - timedelta(days=selectors.GRADE_NEWS_DAYS + 1)):
            grade_essay(attempt, trainer)
        client.force_login(student)
        html = client.get(reverse("learning:dashboard")).content.decode()
        assert "was graded" not in html and "Recent grades" in html and "Quiz" in html

    def test_a_pending_attempt_waits_without_a_score(self, client, student, assessment):
        take(student, assessment)
        client.force_login(student)
        html = client.get(reverse("learning:dashboard")).content.decode()
        section = html.split("data-recent-grades")[1].split("</section>")[0]
        assert "Waiting for grading" in section
        assert "%" not in section, "a partial score is shown"

    def test_another_learners_grades_are_not_on_my_dashboard(self, client, student, trainer, assessment, course):
        grade_essay(take(student, assessment), trainer)
        other = UserFactory()
        learning_services.enroll(user=other, course=course)
        client.force_login(other)
        html = client.get(reverse("learning:dashboard")).content.decode()
        assert "Recent grades" not in html and "was graded" not in html

    def test_the_partial_costs_one_query_whatever_the_number_of_grades(
        self, student, trainer, course, django_assert_num_queries
    ):
        for number in range(6):
            quiz = make_assessment(course, slug=f"quiz-{number}", title=f"Quiz {number}")
            grade_essay(take(student, quiz), trainer)
        with django_assert_num_queries(1):
            recent = selectors.recent_grades(user=student)
        assert len(recent.grades) == 5 and len(recent.news) == 5
        assert Attempt.objects.filter(user=student).count() == 6
