"""Each learning event reaches the stand-in LRS as one valid xAPI statement (it refuses invalid ones), once:
a replayed signal or a second run of the sender adds nothing."""

import json
import math
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from assessments import services as assessment_services
from assessments.tests.factories import by_type, make_assessment, option, question
from learning import services as learning_services
from learning.models import LessonProgress
from learning.signals import enrollment_completed, enrollment_opened, lesson_completed
from scheduling.tests.factories import attend, make_session
from xapi import statements as xs
from xapi.models import Statement, StatementStatus
from xapi.tasks import send_statements

pytestmark = pytest.mark.django_db
VERB = "http://adlnet.gov/expapi/verbs/"


def by_verb(lrs, verb):
    return [s for s in lrs.stored.values() if s["verb"]["id"] == VERB + verb]


def enrol(run_on_commit, learner, course):
    return run_on_commit(learning_services.enroll, user=learner, course=course)


def test_a_course_taken_to_the_end(lrs, learner, course, lessons, run_on_commit):
    enrollment = enrol(run_on_commit, learner, course)
    for lesson in lessons:
        run_on_commit(learning_services.complete_lesson, enrollment=enrollment, lesson=lesson)
    enrollment.refresh_from_db()

    assert sorted(lrs.verbs) == sorted(["registered"] + ["completed", "progressed"] * len(lessons) + ["completed"])
    assert all(post.answered == 200 for post in lrs.posts)
    assert set(Statement.objects.values_list("status", flat=True)) == {StatementStatus.SENT}
    assert Statement.objects.count() == len(lrs.stored)

    everything = json.dumps(list(lrs.stored.values()))
    assert learner.email not in everything  # the LRS learns an account id, never an e-mail
    for statement in lrs.stored.values():
        assert statement["actor"] == {
            "objectType": "Agent",
            "name": learner.display_name,
            "account": {"homePage": "http://testserver/", "name": str(learner.pk)},
        }

    (registered,) = by_verb(lrs, "registered")
    assert registered["object"]["id"] == course.full_url
    assert registered["object"]["definition"] == {
        "type": "http://adlnet.gov/expapi/activities/course",
        "name": {"en": course.title},
    }

    lesson_ids = {lesson.full_url: lesson for lesson in lessons}
    completed_lessons = [s for s in by_verb(lrs, "completed") if s["object"]["id"] in lesson_ids]
    assert len(completed_lessons) == len(lessons)
    for statement in completed_lessons:
        lesson = lesson_ids[statement["object"]["id"]]
        progress = LessonProgress.objects.get(enrollment=enrollment, lesson=lesson)
        assert statement["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/lesson"
        assert statement["context"]["contextActivities"]["parent"][0]["id"] == course.full_url
        assert statement["timestamp"] == progress.completed_at.isoformat()
        assert statement["context"]["registration"] == registered["context"]["registration"]

    progressed = sorted(s["result"]["extensions"][xs.PROGRESS_EXTENSION] for s in by_verb(lrs, "progressed"))
    assert progressed == [math.floor((n + 1) * 100 / len(lessons)) for n in range(len(lessons))]

    (course_completed,) = [s for s in by_verb(lrs, "completed") if s["object"]["id"] == course.full_url]
    assert course_completed["timestamp"] == enrollment.completed_at.isoformat()
    assert course_completed["result"] == {"completion": True}


def test_replayed_signals_and_a_second_run_add_nothing(lrs, learner, course, lessons, run_on_commit):
    enrollment = enrol(run_on_commit, learner, course)
    run_on_commit(learning_services.complete_lesson, enrollment=enrollment, lesson=lessons[0])
    rows, posts, stored = Statement.objects.count(), len(lrs.posts), dict(lrs.stored)

    enrollment.refresh_from_db()
    run_on_commit(enrollment_opened.send, sender=None, enrollment=enrollment, reopened=False)
    run_on_commit(lesson_completed.send, sender=None, enrollment=enrollment, lesson=lessons[0])
    run_on_commit(send_statements)
    send_statements.delay()

    assert Statement.objects.count() == rows == 3
    assert lrs.stored == stored
    assert len(lrs.posts) == posts  # nothing was due, so nothing was sent again


def test_completing_the_course_twice_in_one_round_is_one_statement(lrs, learner, course, lessons, run_on_commit):
    enrollment = enrol(run_on_commit, learner, course)
    for lesson in lessons:
        run_on_commit(learning_services.complete_lesson, enrollment=enrollment, lesson=lesson)
    enrollment.refresh_from_db()
    run_on_commit(enrollment_completed.send, sender=None, enrollment=enrollment)
    assert len([s for s in by_verb(lrs, "completed") if s["object"]["id"] == course.full_url]) == 1


def test_a_rolled_back_change_records_and_sends_nothing(lrs, learner, course, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        learning_services.enroll(user=learner, course=course)
        assert Statement.objects.count() == 1  # written in the change's transaction
        raise RuntimeError("the change fails after the event")
    assert callbacks == []
    assert not Statement.objects.exists()
    assert lrs.posts == []


@pytest.mark.parametrize(("correct", "outcome"), [(False, "failed"), (True, "passed")])
def test_a_graded_attempt_is_scored_and_passed_or_failed(lrs, learner, course, run_on_commit, correct, outcome):
    learning_services.enroll(user=learner, course=course)
    quiz = make_assessment(
        course,
        slug="quiz",
        questions=[question("single_choice", points="4", options=[option("Yes", True), option("No")])],
    )
    attempt = assessment_services.start_attempt(user=learner, assessment=quiz)
    single = by_type(attempt)["single_choice"]
    answer = next(o["id"] for o in single["options"] if o["correct"] is correct)
    assessment_services.save_answer(attempt=attempt, question_id=single["id"], answer=answer)
    lrs.stored.clear()
    run_on_commit(assessment_services.submit_attempt, attempt=attempt)

    score = {"scaled": 1.0 if correct else 0.0, "raw": 4 if correct else 0, "min": 0, "max": 4}
    (scored,) = by_verb(lrs, "scored")
    (result,) = by_verb(lrs, outcome)
    for statement in (scored, result):
        assert statement["object"]["id"] == quiz.full_url
        assert statement["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/assessment"
        assert statement["context"]["contextActivities"]["parent"][0]["id"] == course.full_url
        assert statement["result"]["score"] == score
    assert scored["result"] == {"score": score, "completion": True}
    assert result["result"] == {"score": score, "success": correct, "completion": True}


def test_attending_a_live_session(lrs, learner, course, trainer, run_on_commit):
    learning_services.enroll(user=learner, course=course)
    session = make_session(course, by=trainer)
    attendance = run_on_commit(attend, session, learner, by=trainer, status="late")

    (attended,) = by_verb(lrs, "attended")
    assert attended["object"]["id"] == f"http://testserver/scheduling/sessions/{session.pk}/"
    assert attended["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/meeting"
    assert attended["context"]["contextActivities"]["parent"][0]["id"] == course.full_url
    assert attended["timestamp"] == attendance.updated_at.isoformat()


def test_absence_is_no_attendance(lrs, learner, course, trainer, run_on_commit):
    learning_services.enroll(user=learner, course=course)
    session = make_session(course, by=trainer)
    run_on_commit(attend, session, learner, by=trainer, status="absent")
    assert by_verb(lrs, "attended") == []
    assert not Statement.objects.filter(verb="attended").exists()


def test_off_without_an_endpoint(settings, learner, course, lessons, run_on_commit):
    settings.XAPI_LRS_ENDPOINT = ""
    enrollment = enrol(run_on_commit, learner, course)
    run_on_commit(learning_services.complete_lesson, enrollment=enrollment, lesson=lessons[0])
    assert not Statement.objects.exists()
    assert send_statements() == 0


def test_coming_back_after_leaving_registers_again(lrs, learner, course, run_on_commit):
    enrollment = enrol(run_on_commit, learner, course)
    run_on_commit(learning_services.leave_course, enrollment=enrollment)
    enrol(run_on_commit, learner, course)
    registered = by_verb(lrs, "registered")
    assert len(registered) == 2
    assert len({s["context"]["registration"] for s in registered}) == 1  # the same enrolment


def test_opening_a_lesson_is_launched_once_per_visit(lrs, learner, course, lessons, run_on_commit, time_machine):
    enrollment = enrol(run_on_commit, learner, course)
    run_on_commit(learning_services.record_visit, enrollment=enrollment, lesson=lessons[0])
    run_on_commit(learning_services.record_visit, enrollment=enrollment, lesson=lessons[0])  # still reading it
    run_on_commit(learning_services.record_visit, enrollment=enrollment, lesson=lessons[1])

    launched = by_verb(lrs, "launched")
    assert sorted(s["object"]["id"] for s in launched) == sorted([lessons[0].full_url, lessons[1].full_url])
    for statement in launched:
        assert statement["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/lesson"
        assert statement["context"]["contextActivities"]["parent"][0]["id"] == course.full_url

    # Back to the first lesson: a new visit, so a new launch.
    time_machine.move_to(timezone.now() + timedelta(hours=1))
    run_on_commit(learning_services.record_visit, enrollment=enrollment, lesson=lessons[0])
    assert len(by_verb(lrs, "launched")) == 3
