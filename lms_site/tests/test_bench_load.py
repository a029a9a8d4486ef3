"""The load test's simulated people (bench/locustfile.py's Site* users, run by `make bench-load`) only see what
the pages say: the plan's URLs and the forms bench/pages.py reads off them. If a URL, a form or a fragment
changes, the load test would measure error pages, or quietly skip the step it meant to measure. This walks the
same steps with Django's test client on data seeded by the same code (bench/seed.py, bench/load.py's plan)."""

import random

import pytest

from accounts.models import User
from assessments.models import Attempt
from bench import pages
from bench.load import build_plan
from bench.seed import seed_catalogue, seed_learners, seed_quizzes, seed_staff, seed_submitted_attempts
from courses.models import CoursePage

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def site() -> dict:
    trainers, _ = seed_staff(trainers=1, admins=1)
    seed_catalogue(courses=2, trainers=1, modules_per_course=1, lessons_per_module=2)
    CoursePage.objects.update(price=0)  # both free: one to study, one to enrol in
    seed_quizzes(courses=list(CoursePage.objects.filter(trainer__in=trainers)))
    seed_learners(learners=1, courses_per_learner=1, not_started_share=1.0)  # every lesson left to complete
    assert seed_submitted_attempts(per_quiz=1) == 1  # the learner's essay waits for the trainer
    return build_plan()["site"]


def signed_in(client, username: str):
    client.force_login(User.objects.get(username=username))
    return client


def test_a_learner_enrols_reads_completes_and_takes_a_quiz(client, site):
    learner = site["learners"][0]
    signed_in(client, learner["username"])
    [studying] = [str(course_id) for course_id in learner["courses"]]
    [other] = [course_id for course_id in site["courses"] if course_id != studying]

    course_page = client.get(site["courses"][other]["url"]).content.decode()
    answer = client.post(pages.enrol_action(course_page), **HTMX, HTTP_HX_TARGET="course-call-to-action")
    assert answer.status_code == 200
    lesson = client.get(answer["HX-Redirect"])
    assert lesson.status_code == 200 and 'id="lesson-actions"' in lesson.content.decode()

    first, second = site["courses"][studying]["lessons"]
    page = client.get(first[1]).content.decode()
    assert 'id="lesson-actions"' in page and pages.complete_action(page) == f"/learning/lessons/{first[0]}/complete/"
    done = client.post(pages.complete_action(page), **HTMX, HTTP_HX_TARGET="lesson-actions")
    assert "Lesson completed" in done.content.decode()
    partial = client.get(second[1], **HTMX, HTTP_HX_BOOSTED="true", HTTP_HX_TARGET="lesson-swap").content.decode()
    assert "lesson-swap" in partial and not partial.lstrip().startswith("<!DOCTYPE")
    assert pages.complete_action(partial) == f"/learning/lessons/{second[0]}/complete/"

    _, quiz_url = site["courses"][studying]["quiz"]
    overview = client.get(quiz_url).content.decode()
    assert pages.quiz_questions(overview) == []
    started = client.post(pages.quiz_start_action(overview), {"csrfmiddlewaretoken": pages.csrf_token(overview)})
    assert started.status_code == 302
    attempt_page = client.get(started["Location"]).content.decode()
    questions = pages.quiz_questions(attempt_page)
    assert sorted(question.kind for question in questions) == ["choice", "choice", "essay", "text"]
    rng = random.Random(1)
    for question in questions:
        fields: dict[str, list[str]] = {}
        for key, value in question.answer(rng):
            fields.setdefault(key, []).append(value)
        saved = client.post(question.action, fields, **HTMX)
        assert "Saved" in saved.content.decode()
    submitted = client.post(pages.quiz_submit_action(attempt_page))
    assert submitted.status_code == 302
    attempt = Attempt.objects.filter(user__username=learner["username"]).latest("pk")
    assert attempt.submitted_at is not None and attempt.pending_manual
    assert set(attempt.answers) == {question.question_id for question in questions}


def test_a_trainer_finds_an_essay_to_grade_and_grades_it(client, site):
    trainer = site["trainers"][0]
    signed_in(client, trainer["username"])
    [course_id] = site["learners"][0]["courses"]  # where the seeded essay waits
    assert course_id in trainer["courses"]
    for url in (f"/learning/courses/{course_id}/learners/", f"/assessments/courses/{course_id}/gradebook/"):
        assert client.get(url).status_code == 200

    queue = client.get(f"/assessments/courses/{course_id}/grading/").content.decode()
    form = pages.grade_form(queue)
    assert form is not None and form.max_score == "4"
    graded = client.post(form.action, {"question_id": form.question_id, "score": "3", "comment": "Fine."}, **HTMX)
    assert "Graded" in graded.content.decode()
    assert pages.grade_form(client.get(f"/assessments/courses/{course_id}/grading/").content.decode()) is None


def test_an_admin_is_sent_to_sign_in_and_opens_the_analytics_dashboard(client, site):
    answer = client.get("/admin/")
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/sign-in/")
    signed_in(client, site["admins"][0])
    assert client.get("/admin/analytics/").status_code == 200
    course_id = next(iter(site["courses"]))
    report = client.get(f"/admin/analytics/?course={course_id}", **HTMX)
    assert report.status_code == 200 and not report.content.decode().lstrip().startswith("<!DOCTYPE")
