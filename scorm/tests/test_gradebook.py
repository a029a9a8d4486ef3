"""SCORM lessons in the trainer's gradebook (issue 23): the page, its CSV and the API, through scorm's provider in
learning.gradebook_columns."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from api.tests.conftest import make_token
from learning import services as learning_services
from lms_site.tests.clients import as_
from scorm import selectors, services
from scorm.models import ScormAttempt, ScormPackage

from .conftest import place

pytestmark = pytest.mark.django_db

PASSED_12 = {
    "cmi.core.score.raw": "42",
    "cmi.core.score.min": "0",
    "cmi.core.score.max": "50",
    "cmi.core.lesson_status": "passed",
}
PASSED_2004 = {"cmi.completion_status": "completed", "cmi.success_status": "passed", "cmi.score.scaled": "0.9"}
FAILED_2004 = {"cmi.completion_status": "completed", "cmi.success_status": "failed", "cmi.score.scaled": "0.3"}


def enrolled(course, **fields):
    user = UserFactory(**fields)
    learning_services.enroll(user=user, course=course)
    return user


def gradebook_html(client, trainer, course) -> str:
    response = as_(client, trainer).get(reverse("assessments:gradebook", args=(course.pk,)))
    assert response.status_code == 200
    return response.content.decode()


def gradebook_csv(client, trainer, course) -> list[list[str]]:
    response = as_(client, trainer).get(reverse("assessments:gradebook_csv", args=(course.pk,)))
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def scorm_lessons(lessons, make_package):
    """Lessons 1.2 (a SCORM 1.2 package) and 2.1 (a 2004 one), placed and published."""
    return place(lessons[1], make_package("1.2")), place(lessons[2], make_package("2004", title="Fire drill"))


def package_of(lesson):
    return ScormPackage.objects.get(pk=lesson.body.raw_data[0]["value"]["package"])


def test_the_gradebook_shows_each_learners_scorm_score_and_status(client, trainer, course, scorm_lessons):
    old, new = scorm_lessons
    ann = enrolled(course, first_name="Ann", last_name="A")
    bob = enrolled(course, first_name="Bob", last_name="B")
    services.commit_values(user=ann, lesson=old, package=package_of(old), values=PASSED_12, finish=True)
    services.commit_values(user=ann, lesson=new, package=package_of(new), values=FAILED_2004)
    services.commit_values(user=bob, lesson=old, package=package_of(old), values={"cmi.core.lesson_status": "browsed"})

    html = gradebook_html(client, trainer, course)
    kind = '<span class="block text-xs font-normal text-slate-500">SCORM</span>'
    assert f'data-column="scorm-{old.pk}">{old.title}{kind}' in html
    assert f'data-column="scorm-{new.pk}">{new.title}' in html
    assert html.index(f"scorm-{old.pk}") < html.index(f"scorm-{new.pk}")  # lesson order
    assert '<span class="block">84.00%</span><span class="block text-xs text-slate-500">passed</span>' in html
    assert '<span class="block">30.00%</span><span class="block text-xs text-slate-500">failed</span>' in html
    assert '<td class="whitespace-nowrap text-sm" data-status="incomplete">' in html  # Bob's 1.2 "browsed"
    assert html.count('data-status="not attempted"') == 1  # Bob never opened the 2004 package
    # Shown, but the average stays assessments only, and the rules under the table say so.
    assert 'data-column="average"><span class="text-slate-500">—</span>' in html
    assert "They do not count towards the assessment average" in html

    rows = gradebook_csv(client, trainer, course)
    assert rows[0][-4:] == [f"{old.title} (SCORM) %", f"{old.title} (SCORM) status"] + [
        f"{new.title} (SCORM) %",
        f"{new.title} (SCORM) status",
    ]
    assert rows[1][0] == "Ann A" and rows[1][-4:] == ["84.00", "passed", "30.00", "failed"]
    assert rows[2][0] == "Bob B" and rows[2][-4:] == ["", "incomplete", "", "not attempted"]

    book = as_(client, trainer).get(f"/api/v1/courses/{course.pk}/gradebook", headers=_bearer(trainer)).json()
    assert book["extra_columns"] == [
        {"key": f"scorm-{old.pk}", "title": old.title, "kind": "SCORM"},
        {"key": f"scorm-{new.pk}", "title": new.title, "kind": "SCORM"},
    ]
    ann_row = next(row for row in book["rows"] if row["user_id"] == ann.pk)
    assert [(cell["key"], cell["status"], cell["status_label"]) for cell in ann_row["extra_cells"]] == [
        (f"scorm-{old.pk}", "passed", "passed"),
        (f"scorm-{new.pk}", "failed", "failed"),
    ]
    assert [Decimal(str(cell["percent"])) for cell in ann_row["extra_cells"]] == [Decimal("84"), Decimal("30")]


def _bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(user)}"}


def test_a_session_in_a_package_the_lesson_no_longer_holds_is_left_out(client, trainer, course, lessons, make_package):
    first = place(lessons[1], make_package("1.2"))
    ann = enrolled(course)
    services.commit_values(user=ann, lesson=first, package=package_of(first), values=PASSED_12)
    swapped = place(lessons[1], make_package("1.2", title="New version"))

    html = gradebook_html(client, trainer, course)
    assert f'data-column="scorm-{swapped.pk}"' in html and 'data-status="not attempted"' in html
    assert "84.00%" not in html


def test_a_learner_who_left_and_a_draft_lesson_have_no_scorm_cells(client, trainer, course, scorm_lessons):
    old, new = scorm_lessons
    ann, gone = enrolled(course), enrolled(course, first_name="Gone", last_name="G")
    for user in (ann, gone):
        services.commit_values(user=user, lesson=old, package=package_of(old), values=PASSED_12)
    learning_services.leave_course(enrollment=gone.enrollments.get())
    new.unpublish()

    html = gradebook_html(client, trainer, course)
    assert f"scorm-{new.pk}" not in html and "Gone G" not in html
    assert html.count('data-status="passed"') == 1


def test_the_gradebook_query_count_does_not_grow_with_learners_or_scorm_lessons(
    client, trainer, course, lessons, make_package, django_assert_max_num_queries
):
    placed = [place(lessons[1], make_package("1.2"))]

    def add_learners(count):
        for _ in range(count):
            learner = enrolled(course)
            for lesson in placed:
                package = package_of(lesson)
                values = PASSED_12 if package.version == "1.2" else PASSED_2004
                services.commit_values(user=learner, lesson=lesson, package=package, values=values)

    urls = [
        reverse("assessments:gradebook", args=(course.pk,)),
        reverse("assessments:gradebook_csv", args=(course.pk,)),
        f"/api/v1/courses/{course.pk}/gradebook",
    ]
    client = as_(client, trainer)
    headers = _bearer(trainer)
    add_learners(2)
    for url in urls:
        client.get(url, headers=headers)  # the first visit may create the user's Wagtail profile

    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, headers=headers).status_code == 200
        counts.append(len(captured))

    placed += [place(lessons[2], make_package("2004")), place(lessons[3], make_package("1.2"))]
    add_learners(10)
    for url in urls:
        client.get(url, headers=headers)  # the republished lessons: the site header's menu is built again once

    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            response = client.get(url, headers=headers)
        assert response.status_code == 200
    assert gradebook_html(client, trainer, course).count('data-status="passed"') == 12 * 3 - 2 * 2


def test_a_course_without_scorm_has_no_extra_columns(client, trainer, course):
    enrolled(course)
    html = gradebook_html(client, trainer, course)
    assert 'data-column="scorm-' not in html and "They do not count towards the assessment average" not in html
    assert html.count('<th scope="col"') == 4
    assert len(gradebook_csv(client, trainer, course)[0]) == 8
    book = as_(client, trainer).get(f"/api/v1/courses/{course.pk}/gradebook", headers=_bearer(trainer)).json()
    assert book["extra_columns"] == [] and [row["extra_cells"] for row in book["rows"]] == [[]]


def test_a_package_never_committed_shows_as_not_attempted(course, scorm_lessons):
    old, _new = scorm_lessons
    ann = enrolled(course)
    ScormAttempt.objects.create(user=ann, lesson=old, package=package_of(old))  # opened, nothing reported

    columns = selectors.gradebook_columns(course=course, user_ids=[ann.pk])
    assert [(column.cell(ann.pk).status, column.cell(ann.pk).percent) for column in columns] == [
        ("not attempted", None),
        ("not attempted", None),
    ]
