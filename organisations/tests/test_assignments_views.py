"""The manager's Assignments page: assigning to members or a group (all or nothing), due dates, releasing; and
the learner's dashboard, where assigned courses come first."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from learning.models import Enrollment, EnrollmentStatus
from learning.tests.test_query_counts import PAGE_BUDGET
from organisations import services
from organisations.models import Assignment, Group

from .conftest import give_seats
from .factories import make_manager, make_member, make_organisation

pytestmark = pytest.mark.django_db


def url(org, name="assignments", *args):
    return reverse(f"organisations:{name}", args=[org.slug, *args])


def seats_in_use(org, course):
    return services.seats_in_use(organisation_id=org.pk, course_id=course.pk)


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager.user)
    return client


class TestAssigning:
    def test_assigns_to_chosen_members_with_a_due_date(self, as_manager, org, paid_course):
        give_seats(org, paid_course, 2)
        a, b = make_member(org), make_member(org)
        due = timezone.localdate() + timedelta(days=10)
        response = as_manager.post(
            url(org), {"course": paid_course.pk, "members": [a.pk, b.pk], "due_on": due.isoformat()}, follow=True
        )
        assert response.status_code == 200
        assert "is assigned to 2 people" in response.content.decode()
        assignments = Assignment.objects.filter(course=paid_course, released_at__isnull=True)
        assert {x.membership_id for x in assignments} == {a.pk, b.pk}
        assert {x.due_on for x in assignments} == {due}
        assert Enrollment.objects.get(user=a.user, course=paid_course).status == EnrollmentStatus.ACTIVE
        # The list shows them, with the due date.
        html = as_manager.get(url(org)).content.decode()
        assert html.count('data-testid="assignment-row"') == 2 and due.isoformat() in html

    def test_too_few_seats_assigns_nobody_and_says_how_many_are_missing(self, as_manager, org, paid_course):
        give_seats(org, paid_course, 3)
        already = make_member(org)
        services.assign_course(membership=already, course=paid_course)  # 2 seats left
        others = [make_member(org) for _ in range(4)]
        response = as_manager.post(
            url(org), {"course": paid_course.pk, "members": [already.pk, *[m.pk for m in others]]}
        )
        assert response.status_code == 409
        html = response.content.decode()
        assert "Nobody was assigned: 4 people need a seat" in html and "2 seats are missing" in html
        assert seats_in_use(org, paid_course) == 1
        assert not Assignment.objects.filter(membership__in=others).exists()
        assert not Enrollment.objects.filter(user__in=[m.user for m in others]).exists()
        # With enough seats the same request goes through, and the member who had it keeps one seat.
        give_seats(org, paid_course, 2)
        response = as_manager.post(
            url(org), {"course": paid_course.pk, "members": [already.pk, *[m.pk for m in others]]}
        )
        assert response.status_code == 302
        assert seats_in_use(org, paid_course) == 5

    def test_a_group_assignment_reaches_its_members_and_later_joiners(self, as_manager, org, manager, paid_course):
        give_seats(org, paid_course, 3)
        group = services.create_group(organisation=org, name="Sales")
        first = make_member(org)
        services.add_to_group(group=group, membership=first)
        due = timezone.localdate() + timedelta(days=5)
        response = as_manager.post(url(org), {"course": paid_course.pk, "group": group.pk, "due_on": due.isoformat()})
        assert response.status_code == 302
        assert Assignment.objects.get(membership=first).group == group
        later = make_member(org)
        services.add_to_group(group=group, membership=later)
        assignment = Assignment.objects.get(membership=later, course=paid_course)
        assert assignment.group == group and assignment.due_on == due and assignment.released_at is None

    def test_a_group_whose_members_all_had_the_course_still_passes_it_on(self, as_manager, org, free_course):
        group = services.create_group(organisation=org, name="Old hands")
        veteran = make_member(org)
        services.assign_course(membership=veteran, course=free_course)
        services.add_to_group(group=group, membership=veteran)
        assert as_manager.post(url(org), {"course": free_course.pk, "group": group.pk}).status_code == 302
        newcomer = make_member(org)
        services.add_to_group(group=group, membership=newcomer)
        assert Assignment.objects.get(membership=newcomer, course=free_course).group == group

    def test_an_empty_group_or_both_members_and_group_are_refused(self, as_manager, org, free_course, member):
        group = services.create_group(organisation=org, name="Nobody yet")
        assert as_manager.post(url(org), {"course": free_course.pk, "group": group.pk}).status_code == 400
        response = as_manager.post(url(org), {"course": free_course.pk, "group": group.pk, "members": [member.pk]})
        assert response.status_code == 400 and "Choose some members or one group" in response.content.decode()
        assert not Assignment.objects.exists()

    @pytest.mark.parametrize("due", ["yesterday", "2026-02-30", "not a date", "99999-01-01"])
    def test_a_due_date_in_the_past_or_not_a_date_is_refused(self, as_manager, org, member, free_course, due):
        if due == "yesterday":
            due = (timezone.localdate() - timedelta(days=1)).isoformat()
        response = as_manager.post(url(org), {"course": free_course.pk, "members": [member.pk], "due_on": due})
        assert response.status_code == 400
        assert not Assignment.objects.exists()

    def test_members_and_groups_of_another_organisation_are_refused(self, as_manager, org, free_course):
        other = make_organisation()
        stranger = make_member(other)
        their_group = Group.objects.create(organisation=other, name="Theirs")
        services.add_to_group(group=their_group, membership=stranger)
        for data in ({"members": [stranger.pk]}, {"group": their_group.pk}, {"members": ["x", "9" * 30]}):
            response = as_manager.post(url(org), {"course": free_course.pk, **data})
            assert response.status_code == 400, data
        assert not Assignment.objects.exists()


class TestChangingAndReleasing:
    def test_changing_the_due_date_clears_its_reminders(self, as_manager, org, member, free_course):
        assignment = services.assign_course(
            membership=member, course=free_course, due_on=timezone.localdate() + timedelta(days=2)
        )
        Assignment.objects.filter(pk=assignment.pk).update(reminded_at=timezone.now())
        new = timezone.localdate() + timedelta(days=20)
        response = as_manager.post(url(org, "assignment_due_date", assignment.pk), {"due_on": new.isoformat()})
        assert response.status_code == 302
        assignment.refresh_from_db()
        assert assignment.due_on == new and assignment.reminded_at is None
        past = (timezone.localdate() - timedelta(days=1)).isoformat()
        as_manager.post(url(org, "assignment_due_date", assignment.pk), {"due_on": past})
        assignment.refresh_from_db()
        assert assignment.due_on == new
        as_manager.post(url(org, "assignment_due_date", assignment.pk), {"due_on": ""})
        assignment.refresh_from_db()
        assert assignment.due_on is None

    def test_releasing_gives_the_seat_back_and_keeps_progress(self, as_manager, org, member, paid_course):
        give_seats(org, paid_course, 1)
        assignment = services.assign_course(membership=member, course=paid_course)
        Enrollment.objects.filter(user=member.user, course=paid_course).update(progress_percent=40)
        assert as_manager.get(url(org, "assignment_release", assignment.pk)).status_code == 405
        assert as_manager.post(url(org, "assignment_release", assignment.pk)).status_code == 302
        assert seats_in_use(org, paid_course) == 0
        assert Enrollment.objects.get(user=member.user, course=paid_course).progress_percent == 40
        # Released: it is gone from the page and cannot be released or changed again.
        assert as_manager.post(url(org, "assignment_release", assignment.pk)).status_code == 404

    def test_another_organisations_manager_and_a_member_get_404(self, client, org, member, free_course):
        assignment = services.assign_course(membership=member, course=free_course)
        other_manager = make_manager(make_organisation())
        for user in (other_manager.user, member.user):
            client.force_login(user)
            assert client.get(url(org)).status_code == 404
            assert client.post(url(org), {"course": free_course.pk, "members": [member.pk]}).status_code == 404
            assert client.post(url(org, "assignment_release", assignment.pk)).status_code == 404
            assert client.post(url(org, "assignment_due_date", assignment.pk), {"due_on": ""}).status_code == 404
        # A manager cannot reach another organisation's assignment through their own organisation's URL.
        client.force_login(other_manager.user)
        other_url = reverse("organisations:assignment_release", args=[other_manager.organisation.slug, assignment.pk])
        assert client.post(other_url).status_code == 404
        assert Assignment.objects.get(pk=assignment.pk).released_at is None


class TestLearnerDashboard:
    def test_assigned_courses_come_first_with_their_due_date_and_overdue(
        self, client, org, member, paid_course, free_course, catalogue, trainer
    ):
        from courses.tests.factories import make_course
        from learning import services as learning_services

        own = make_course(catalogue, title="My own pick", trainer=trainer, modules=1)
        learning_services.enroll(user=member.user, course=own)
        give_seats(org, paid_course, 1)
        soon = timezone.localdate() + timedelta(days=4)
        services.assign_course(membership=member, course=paid_course, due_on=soon)
        late = services.assign_course(membership=member, course=free_course, due_on=soon)
        Assignment.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - timedelta(days=2))
        client.force_login(member.user)
        html = client.get(reverse("learning:dashboard")).content.decode()
        section = html[html.index('data-testid="assigned-courses"') :]
        assert html.index('data-testid="assigned-courses"') < html.index('id="active-heading"')
        # Soonest due first: the overdue free course, then the paid one with its date.
        assert section.index("Free course") < section.index("Paid course")
        assert f"Due {soon:%-d %B %Y}" in section and section.count('data-testid="overdue"') == 1
        assert "Assigned by Acme" in section

    def test_assignments_cost_at_most_one_query_on_the_dashboard(
        self, client, org, member, free_course, django_assert_max_num_queries
    ):
        from learning import services as learning_services

        learning_services.enroll(user=member.user, course=free_course)
        client.force_login(member.user)
        dashboard = reverse("learning:dashboard")

        def count():
            client.get(dashboard)  # warms the caches
            with django_assert_max_num_queries(PAGE_BUDGET + 1) as captured:
                response = client.get(dashboard)
            sql = [q["sql"] for q in captured.captured_queries]
            return response.content.decode(), [q for q in sql if re.search(r'organisations_assignment["`]', q)], sql

        html, queries, before = count()
        assert queries == [] and 'data-testid="assigned-courses"' not in html
        services.assign_course(membership=member, course=free_course, due_on=timezone.localdate() + timedelta(1))
        html, queries, after = count()
        assert len(queries) == 1 and 'data-testid="assigned-course"' in html
        assert len(after) == len(before) + 1
        # Released: the panel goes, and so does its query once the answer is known again.
        services.release_assignment(assignment=Assignment.objects.get(membership=member))
        html, queries, _ = count()
        assert queries == [] and 'data-testid="assigned-courses"' not in html


HOSTILE = ["9" * 5000, "NaN", "-1", "9" * 25, "x" * 5000, '");DROP TABLE x;--', "\x00\x1b", "ünï—𝔘\u202e", ""]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_from_a_manager_answer_4xx_and_change_nothing(as_manager, org, member, free_course, value):
    assignment = services.assign_course(membership=member, course=free_course)
    fields = ("course", "members", "group", "due_on")
    for data in (dict.fromkeys(fields, value), {"course": free_course.pk, "members": [value], "due_on": value}):
        assert as_manager.post(url(org), data).status_code == 400
    due = as_manager.post(url(org, "assignment_due_date", assignment.pk), {"due_on": value})
    assert due.status_code == 302
    # Filters that are not ids filter to nothing; an over-long query parameter is refused by the middleware.
    for query in ({"group": value}, {"course": value}):
        assert as_manager.get(reverse("organisations:dashboard", args=[org.slug]), query).status_code in (200, 400)
        export = reverse("organisations:dashboard_export", args=[org.slug, "csv"])
        assert as_manager.get(export, query).status_code in (200, 400)
    assert Assignment.objects.get(pk=assignment.pk).due_on is None
    assert Assignment.objects.count() == 1


class TestManagedTeamsOnTheDashboard:
    def test_a_manager_finds_their_teams_on_their_dashboard_and_loses_them_when_removed(self, client, org, manager):
        client.force_login(manager.user)
        page = client.get(reverse("learning:dashboard")).content.decode()
        assert reverse("organisations:dashboard", args=[org.slug]) in page

        org.name = "Acme Renamed"
        org.save()
        assert "Acme Renamed" in client.get(reverse("learning:dashboard")).content.decode()

        second = make_manager(org)
        services.remove_member(membership=manager)
        page = client.get(reverse("learning:dashboard")).content.decode()
        assert reverse("organisations:dashboard", args=[org.slug]) not in page
        client.force_login(second.user)
        assert (
            reverse("organisations:dashboard", args=[org.slug])
            in client.get(reverse("learning:dashboard")).content.decode()
        )

    def test_a_member_sees_no_team_link(self, client, org, member):
        client.force_login(member.user)
        assert 'data-testid="managed-teams"' not in client.get(reverse("learning:dashboard")).content.decode()
