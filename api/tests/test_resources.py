"""What the operations return: catalogue filters and cursors, no lesson bodies, attempts without keys, the
admin's bulk enrolment and user changes."""

import json
from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from api.tests.conftest import make_token
from assessments import services as assessment_services
from assessments.tests.factories import make_assessment, question
from courses.models import Level
from courses.tests.factories import make_category, make_course
from learning import services as learning_services
from learning.models import Enrollment, EnrollmentStatus


@pytest.fixture
def reader(learner):
    return make_token(learner)


def _all_pages(api_get, token, path, **params):
    seen, cursor = [], None
    while True:
        body = api_get(path, token, **params, **({"cursor": cursor} if cursor else {})).json()
        seen.extend(item["id"] for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


def test_cursor_pages_neither_repeat_nor_skip_when_rows_arrive(api_get, catalogue, reader):
    for n in range(5):
        make_course(catalogue, title=f"Course {n}", modules=0, with_revisions=False)
    first = api_get("/courses", reader, limit=2).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    # A course published between two pages lands after the cursor (ids only grow): no repeat, no skip.
    make_course(catalogue, title="Late course", modules=0, with_revisions=False)
    rest, cursor = [], first["next_cursor"]
    while cursor:
        body = api_get("/courses", reader, limit=2, cursor=cursor).json()
        rest.extend(item["id"] for item in body["items"])
        cursor = body["next_cursor"]
    ids = [item["id"] for item in first["items"]] + rest
    assert len(ids) == len(set(ids)) == 6
    assert ids == sorted(ids)


def test_catalogue_filters_and_hides_drafts(api_get, catalogue, reader):
    design = make_category("Design")
    make_course(catalogue, title="Typography", category=design, level=Level.ADVANCED, modules=0)
    make_course(catalogue, title="Python basics", modules=0)
    make_course(catalogue, title="Secret draft", modules=0, publish=False)

    def titles(**params):
        return sorted(item["title"] for item in api_get("/courses", reader, **params).json()["items"])

    assert titles() == ["Python basics", "Typography"]
    assert titles(category="design") == ["Typography"]
    assert titles(level="advanced") == ["Typography"]
    assert titles(category="no-such-category") == []


# MySQL/MariaDB update FULLTEXT indexes only on commit, so search tests commit their data.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_catalogue_search(api_get, catalogue, reader):
    design = make_category("Design")
    make_course(catalogue, title="Typography", category=design, level=Level.ADVANCED, modules=0)
    make_course(catalogue, title="Python basics", modules=0)

    def titles(**params):
        return sorted(item["title"] for item in api_get("/courses", reader, **params).json()["items"])

    assert titles(q="python") == ["Python basics"]
    assert titles(q="python", category="design") == []


def test_course_detail_has_lesson_metadata_but_no_bodies(api_get, course, reader):
    response = api_get(f"/courses/{course.pk}", reader)
    body = response.json()
    assert [len(module["lessons"]) for module in body["modules"]] == [2, 2]
    assert "Body of lesson" not in response.content.decode()
    previews = [lesson for module in body["modules"] for lesson in module["lessons"] if lesson["is_free_preview"]]
    assert len(previews) == 1 and previews[0]["url"]


def test_draft_course_is_not_found(api_get, catalogue, reader):
    draft = make_course(catalogue, title="Hidden", modules=0, publish=False)
    assert api_get(f"/courses/{draft.pk}", reader).status_code == 404


def test_my_attempts_carry_no_keys_and_no_score_while_grading_waits(api_get, course, learner, reader):
    learning_services.enroll(user=learner, course=course)
    secret_answer = "quokka-accepted-7731"
    quiz = make_assessment(
        course,
        questions=[
            question("short_text", accepted=[secret_answer], case_sensitive=False),
            question("essay", grading_guidance="GUIDANCE-9930"),
        ],
    )
    attempt = assessment_services.start_attempt(user=learner, assessment=quiz)
    for question_id, answer in right_answers_for(attempt, secret_answer).items():
        assessment_services.save_answer(attempt=attempt, question_id=question_id, answer=answer)
    assessment_services.submit_attempt(attempt=attempt)
    response = api_get("/me/attempts", reader)
    text = response.content.decode()
    assert secret_answer not in text and "GUIDANCE-9930" not in text
    [row] = response.json()["items"]
    assert row["status"] == "pending_grading"
    assert row["percent"] is None and row["passed"] is None


def right_answers_for(attempt, secret):
    return {q["id"]: (secret if q["type"] == "short_text" else "An essay.") for q in attempt.snapshot["questions"]}


def test_list_queries_do_not_grow_with_rows(api_get, catalogue, learner, reader, django_assert_max_num_queries):
    for n in range(3):
        course = make_course(catalogue, title=f"C{n}", modules=0, with_revisions=False)
        learning_services.enroll(user=learner, course=course)
    with django_assert_max_num_queries(8):
        api_get("/me/enrollments", reader)
    with django_assert_max_num_queries(8):
        api_get("/courses", reader)
    for n in range(10):
        course = make_course(catalogue, title=f"D{n}", modules=0, with_revisions=False)
        learning_services.enroll(user=learner, course=course)
    with django_assert_max_num_queries(8):
        assert len(api_get("/me/enrollments", reader).json()["items"]) == 13
    with django_assert_max_num_queries(8):
        api_get("/courses", reader)


# Administration


@pytest.fixture
def admin_writer(admin_user):
    return make_token(admin_user, scope="write")


def test_bulk_enrolment_opens_paid_courses_and_is_idempotent(api_send, catalogue, admin_writer):
    paid = make_course(catalogue, title="Paid", modules=1, price=Decimal("49.00"))
    people = UserFactory.create_batch(3)
    body = {"course_id": paid.pk, "user_ids": [person.pk for person in people]}
    first = api_send("post", "/admin/enrollments", admin_writer, body)
    assert first.status_code == 200, first.content
    assert {row["status"] for row in first.json()["enrolled"]} == {"active"}
    again = api_send("post", "/admin/enrollments", admin_writer, body)
    assert [row["id"] for row in again.json()["enrolled"]] == [row["id"] for row in first.json()["enrolled"]]
    assert Enrollment.objects.filter(course=paid, status=EnrollmentStatus.ACTIVE).count() == 3


def test_bulk_enrolment_is_all_or_nothing(api_send, course, admin_writer):
    person = UserFactory()
    banned = UserFactory(is_banned=True)
    response = api_send(
        "post", "/admin/enrollments", admin_writer, {"course_id": course.pk, "user_ids": [person.pk, banned.pk]}
    )
    assert response.status_code == 403
    assert not Enrollment.objects.filter(user=person).exists()
    missing = api_send(
        "post", "/admin/enrollments", admin_writer, {"course_id": course.pk, "user_ids": [person.pk, 10**9]}
    )
    assert missing.status_code == 404
    assert not Enrollment.objects.filter(user=person).exists()


def test_admin_creates_a_learner_changes_role_and_bans(api_send, api_get, admin_user, admin_writer):
    created = api_send(
        "post", "/admin/users", admin_writer, {"username": "newbie", "email": "New@Example.com", "password": "x" * 12}
    )
    assert created.status_code == 201, created.content
    user = created.json()
    assert user["role"] == "learner" and user["email"] == "new@example.com"
    duplicate = api_send(
        "post", "/admin/users", admin_writer, {"username": "other", "email": "new@example.com", "password": "x" * 12}
    )
    assert duplicate.status_code == 422 and duplicate["Content-Type"] == "application/problem+json"
    changed = api_send("patch", f"/admin/users/{user['id']}", admin_writer, {"role": "trainer", "is_banned": True})
    assert changed.json()["role"] == "trainer" and changed.json()["is_banned"] is True
    own = api_send("patch", f"/admin/users/{admin_user.pk}", admin_writer, {"is_banned": True})
    assert own.status_code == 422
    admin_user.refresh_from_db()
    assert not admin_user.is_banned
    listed = api_get("/admin/users", admin_writer, role="trainer").json()["items"]
    assert user["id"] in [row["id"] for row in listed]
    assert json.dumps(listed).find("password") == -1
