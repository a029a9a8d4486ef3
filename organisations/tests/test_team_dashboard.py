"""The manager's team dashboard: members × courses, overdue, certificates, filters, exports; never another
organisation's people; a constant number of queries."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from certificates.models import Certificate
from learning.models import Enrollment, EnrollmentStatus
from organisations import services
from organisations.models import Assignment

from .conftest import give_seats
from .factories import make_manager, make_member, make_organisation

pytestmark = pytest.mark.django_db


def url(org, **query):
    base = reverse("organisations:dashboard", args=[org.slug])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def export_url(org, fmt, **query):
    base = reverse("organisations:dashboard_export", args=[org.slug, fmt])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def certify(membership, course):
    enrollment = Enrollment.objects.get(user=membership.user, course=course)
    Enrollment.objects.filter(pk=enrollment.pk).update(
        status=EnrollmentStatus.COMPLETED, progress_percent=100, completed_at=timezone.now()
    )
    return Certificate.objects.create(
        enrollment=enrollment,
        user=membership.user,
        course=course,
        learner_name=membership.user.get_full_name(),
        course_title=course.title,
        issuer_name="Learnwell",
        completed_on=timezone.localdate(),
        issued_at=timezone.now(),
        verification_url="https://example.com/v",
    )


@pytest.fixture
def team(org, manager, paid_course, free_course):
    """Ann (paid course, 40 %, late), Bob (paid: completed with a certificate; free: no date), Cy (nothing), and
    in another organisation Zed, in the same course."""
    give_seats(org, paid_course, 5)
    ann = make_member(org, first_name="Ann", last_name="Archer")
    bob = make_member(org, first_name="Bob", last_name="Baker")
    cy = make_member(org, first_name="Cy", last_name="Cole")
    sales = services.create_group(organisation=org, name="Sales")
    services.add_to_group(group=sales, membership=ann)
    late = services.assign_course(membership=ann, course=paid_course, due_on=timezone.localdate() + timedelta(1))
    Assignment.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - timedelta(days=3))
    Enrollment.objects.filter(user=ann.user, course=paid_course).update(progress_percent=40)
    services.assign_course(membership=bob, course=paid_course)
    services.assign_course(membership=bob, course=free_course)
    certify(bob, paid_course)
    other = make_organisation("Other Ltd")
    give_seats(other, paid_course, 1)
    zed = make_member(other, first_name="Zed", last_name="Zulu")
    services.assign_course(membership=zed, course=paid_course)
    return {"ann": ann, "bob": bob, "cy": cy, "sales": sales, "zed": zed, "other": other}


def test_the_grid_shows_progress_completion_lateness_and_certificates(client, org, manager, team, paid_course):
    client.force_login(manager.user)
    response = client.get(url(org))
    assert response.status_code == 200
    html = response.content.decode()
    grid = html[html.index('data-testid="team-grid"') : html.index('id="overdue-heading"')]
    assert "Paid course" in grid and "Free course" in grid
    assert "Ann Archer" in grid and "Bob Baker" in grid and "Cy Cole" in grid
    assert "Zed" not in html and "Other Ltd" not in html
    ann_row = grid[grid.index(f'data-member="{team["ann"].pk}"') :].split("</tr>")[0]
    assert "40%" in ann_row and "Overdue" in ann_row and "Certificate issued" not in ann_row
    bob_row = grid[grid.index(f'data-member="{team["bob"].pk}"') :].split("</tr>")[0]
    assert "100%" in bob_row and "Completed" in bob_row and "Certificate issued" in bob_row
    cy_row = grid[grid.index(f'data-member="{team["cy"].pk}"') :].split("</tr>")[0]
    assert "data-cell" not in cy_row
    overdue = html[html.index('data-testid="overdue-list"') :].split("</ul>")[0]
    assert "Ann Archer" in overdue and "Bob" not in overdue


def test_filters_by_group_and_course_as_a_page_and_as_an_htmx_swap(client, org, manager, team, free_course):
    client.force_login(manager.user)
    html = client.get(url(org, group=team["sales"].pk)).content.decode()
    assert "Ann Archer" in html and "Bob Baker" not in html and "Cy Cole" not in html
    swap = client.get(url(org, course=free_course.pk), headers={"HX-Request": "true"})
    fragment = swap.content.decode()
    assert fragment.lstrip().startswith('<div id="team-grid"') and "<html" not in fragment
    assert "Free course" in fragment and "Paid course" not in fragment.split('id="overdue-heading"')[0]
    assert f"?course={free_course.pk}" in fragment  # the export links keep the filter
    # Another organisation's group, an unknown id or nonsense filter to nothing (or ignore it), never an error.
    their_group = services.create_group(organisation=team["other"], name="Theirs")
    for query in ({"group": their_group.pk}, {"group": 10**30}, {"course": "x"}, {"group": "-1"}):
        response = client.get(url(org, **query))
        assert response.status_code == 200 and "Zed" not in response.content.decode()
    assert "Ann Archer" not in client.get(url(org, group=their_group.pk)).content.decode()


def test_csv_and_xlsx_exports_hold_the_grid_of_this_organisation_only(client, org, manager, team, paid_course):
    client.force_login(manager.user)
    response = client.get(export_url(org, "csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"] and ".csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header = rows.index(
        [
            "Member",
            "E-mail",
            "Course",
            "Group",
            "Due date",
            "Progress (%)",
            "Completed",
            "Overdue",
            "Certificate issued",
        ]
    )
    data = [row for row in rows[header + 1 :] if row]
    assert len(data) == 3
    ann = next(row for row in data if row[0] == "Ann Archer")
    assert ann[2] == "Paid course" and ann[5] == "40" and ann[6] == "no" and ann[7] == "yes"
    bob_paid = next(row for row in data if row[0] == "Bob Baker" and row[2] == "Paid course")
    assert bob_paid[5] == "100" and bob_paid[6] == "yes" and bob_paid[8] == "yes"
    assert not any("Zed" in cell for row in rows for cell in row)
    assert ["Overdue", "1", "1", "Past their due date and not completed."] in rows

    response = client.get(export_url(org, "xlsx", group=team["sales"].pk))
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book["Team progress"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["Member", "E-mail", "Course"]
    assert [row[0] for row in values[1:]] == ["Ann Archer"]
    assert values[1][5] == pytest.approx(0.4)  # a percent cell
    assert client.get(export_url(org, "docx")).status_code == 404


def test_queries_do_not_grow_with_members_and_courses(
    client, org, manager, catalogue, trainer, django_assert_max_num_queries
):
    from courses.tests.factories import make_course

    client.force_login(manager.user)
    group = services.create_group(organisation=org, name="Everyone")
    courses = [make_course(catalogue, title=f"Course {n}", trainer=trainer, modules=1) for n in range(3)]
    counts = {}
    done = 0
    for size in (3, 30):
        for _ in range(size - done):
            member = make_member(org)
            services.add_to_group(group=group, membership=member)
            for course in courses:
                services.assign_course(membership=member, course=course, due_on=timezone.localdate() + timedelta(1))
        done = size
        for n in range(len(courses), size // 3 + 3):  # more courses with more members
            courses.append(make_course(catalogue, title=f"Course {n}", trainer=trainer, modules=1))
        client.get(url(org))
        with django_assert_max_num_queries(14) as captured:
            response = client.get(url(org, group=group.pk))
        assert response.status_code == 200
        html = response.content.decode()
        assert html.count("data-cell=") == Assignment.objects.filter(organisation=org).count() >= size * 3
        assert html.count("data-member=") == size
        counts[size] = len(captured.captured_queries)
        with django_assert_max_num_queries(14):
            assert client.get(export_url(org, "csv")).status_code == 200
    assert counts[3] == counts[30]


@pytest.mark.parametrize("name", ["dashboard", "export"])
def test_another_managers_organisation_and_a_member_get_404(client, org, team, name):
    target = url(org) if name == "dashboard" else export_url(org, "csv")
    for user in (make_manager(team["other"]).user, team["ann"].user):
        client.force_login(user)
        assert client.get(target).status_code == 404
