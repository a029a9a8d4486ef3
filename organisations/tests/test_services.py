from datetime import date, timedelta

import pytest
from django.core import signing
from django.utils import timezone

from accounts.tests.factories import UserFactory
from billing.models import Order, OrderStatus
from courses.models import LessonPage
from learning import services as learning_services
from learning.models import Enrollment, EnrollmentStatus, LessonProgress
from organisations import services
from organisations.models import Assignment, Invitation, MemberRole, SeatChange, SeatChangeReason, SeatPool

from .conftest import give_seats
from .factories import make_member, make_organisation

pytestmark = pytest.mark.django_db


def enrollment_of(membership, course):
    return Enrollment.objects.filter(user=membership.user, course=course).first()


class TestSeats:
    def test_a_paid_course_takes_a_seat_and_opens_for_the_member(self, org, manager, member, paid_course):
        give_seats(org, paid_course, 1)
        assignment = services.assign_course(membership=member, course=paid_course, by=manager.user)
        assert assignment.uses_seat
        assert enrollment_of(member, paid_course).status == EnrollmentStatus.ACTIVE
        other = make_member(org)
        with pytest.raises(services.NoFreeSeat):
            services.assign_course(membership=other, course=paid_course, by=manager.user)
        assert enrollment_of(other, paid_course) is None

    def test_no_pool_means_no_seat(self, org, member, paid_course):
        with pytest.raises(services.NoFreeSeat):
            services.assign_course(membership=member, course=paid_course)
        assert not Assignment.objects.exists()

    def test_a_free_course_needs_no_seat(self, org, member, free_course):
        assignment = services.assign_course(membership=member, course=free_course, due_on=date(2030, 1, 1))
        assert not assignment.uses_seat
        assert enrollment_of(member, free_course).gives_access
        assert not SeatPool.objects.filter(course=free_course).exists()

    def test_assigning_again_changes_the_due_date_only(self, org, member, paid_course):
        give_seats(org, paid_course, 1)
        first = services.assign_course(membership=member, course=paid_course, due_on=date(2030, 1, 1))
        Assignment.objects.filter(pk=first.pk).update(reminded_at=timezone.now())
        again = services.assign_course(membership=member, course=paid_course, due_on=date(2030, 2, 1))
        assert again.pk == first.pk and again.due_on == date(2030, 2, 1)
        assert again.reminded_at is None  # a new due date gets its own reminder
        assert services.seats_in_use(organisation_id=org.pk, course_id=paid_course.pk) == 1

    def test_releasing_frees_the_seat_closes_the_course_and_keeps_progress(self, org, member, paid_course):
        give_seats(org, paid_course, 1)
        assignment = services.assign_course(membership=member, course=paid_course)
        lesson = LessonPage.objects.live().descendant_of(paid_course).first()
        learning_services.complete_lesson(enrollment=enrollment_of(member, paid_course), lesson=lesson)
        services.release_assignment(assignment=assignment)
        enrollment = enrollment_of(member, paid_course)
        assert not enrollment.gives_access
        assert LessonProgress.objects.filter(enrollment=enrollment).count() == 1
        # The seat is free again, for someone else, and the same member comes back to their progress.
        other = make_member(org)
        services.assign_course(membership=other, course=paid_course)
        services.release_assignment(assignment=Assignment.objects.get(membership=other))
        services.assign_course(membership=member, course=paid_course)
        assert enrollment_of(member, paid_course).gives_access
        assert enrollment_of(member, paid_course).progress_percent > 0

    def test_a_course_the_member_bought_themselves_stays_open(self, org, member, paid_course):
        give_seats(org, paid_course, 1)
        Order.objects.create(
            user=member.user, course=paid_course, amount="99.00", currency="EUR", status=OrderStatus.PAID
        )
        assignment = services.assign_course(membership=member, course=paid_course)
        services.release_assignment(assignment=assignment)
        assert enrollment_of(member, paid_course).gives_access

    def test_a_seat_of_another_organisation_keeps_it_open(self, org, member, paid_course):
        second = make_organisation()
        there = make_member(second, user=member.user)
        give_seats(org, paid_course, 1)
        give_seats(second, paid_course, 1)
        here = services.assign_course(membership=member, course=paid_course)
        services.assign_course(membership=there, course=paid_course)
        services.release_assignment(assignment=here)
        assert enrollment_of(member, paid_course).gives_access

    def test_taking_seats_back_never_takes_those_in_use(self, org, member, paid_course, admin_user):
        give_seats(org, paid_course, 3)
        services.assign_course(membership=member, course=paid_course)
        services.assign_course(membership=make_member(org), course=paid_course)
        # An admin may only take free seats, and must say why.
        with pytest.raises(services.OrganisationError):
            services.change_seats(
                organisation=org, course=paid_course, delta=-1, reason=SeatChangeReason.ADMIN, by=admin_user
            )
        with pytest.raises(services.NoFreeSeat):
            services.change_seats(
                organisation=org, course=paid_course, delta=-2, reason=SeatChangeReason.ADMIN, by=admin_user, note="x"
            )
        assert SeatPool.objects.get().seats == 3
        # A refund takes what is free and records what stayed with members.
        order = Order.objects.create(user=admin_user, course=paid_course, amount="297.00", currency="EUR")
        change = services.change_seats(
            organisation=org, course=paid_course, delta=-3, reason=SeatChangeReason.ORDER_REFUNDED, order=order
        )
        assert change.delta == -1 and "2 of the seats were in use" in change.note
        assert SeatPool.objects.get().seats == 2
        assert services.seats_in_use(organisation_id=org.pk, course_id=paid_course.pk) == 2
        # The same refund event again changes nothing.
        assert (
            services.change_seats(
                organisation=org, course=paid_course, delta=-3, reason=SeatChangeReason.ORDER_REFUNDED, order=order
            )
            is None
        )
        assert SeatChange.objects.filter(order=order).count() == 1


class TestMembers:
    def test_removing_a_member_frees_their_seats_and_keeps_their_progress(self, org, member, paid_course):
        give_seats(org, paid_course, 1)
        services.assign_course(membership=member, course=paid_course)
        group = services.create_group(organisation=org, name="Sales")
        services.add_to_group(group=group, membership=member)
        services.remove_member(membership=member)
        member.refresh_from_db()
        assert member.removed_at is not None
        assert not member.groups.exists()
        assert services.seats_in_use(organisation_id=org.pk, course_id=paid_course.pk) == 0
        assert enrollment_of(member, paid_course) is not None  # kept, closed
        with pytest.raises(services.NotAllowed):
            services.assign_course(membership=member, course=paid_course)

    def test_the_last_manager_cannot_leave_nor_become_a_member(self, org, manager):
        with pytest.raises(services.OrganisationError):
            services.remove_member(membership=manager)
        with pytest.raises(services.OrganisationError):
            services.set_role(membership=manager, role=MemberRole.MEMBER)
        second = make_member(org, role=MemberRole.MANAGER)
        services.remove_member(membership=manager)
        assert second.is_manager

    def test_a_banned_user_cannot_join(self, org):
        with pytest.raises(services.NotAllowed):
            services.add_member(organisation=org, user=UserFactory(is_banned=True))

    def test_joining_a_group_gives_its_courses_where_a_seat_is_free(self, org, manager, paid_course, free_course):
        give_seats(org, paid_course, 1)
        group = services.create_group(organisation=org, name="Sales")
        first = make_member(org)
        services.add_to_group(group=group, membership=first)
        services.assign_course(membership=first, course=paid_course, group=group, due_on=date(2030, 1, 1))
        services.assign_course(membership=first, course=free_course, group=group)
        second = make_member(org)
        services.add_to_group(group=group, membership=second, by=manager.user)
        assert set(Assignment.objects.filter(membership=second).values_list("course_id", flat=True)) == {
            free_course.pk
        }  # no seat left for the paid course: the manager sees it missing
        with pytest.raises(services.OrganisationError):
            services.create_group(organisation=org, name="Sales ")


class TestInvitations:
    def test_accepting_joins_once(self, org, manager):
        invitation = services.invite(organisation=org, email="New@Example.com", by=manager.user)
        user = UserFactory(email="new@example.com")
        found = services.invitation_from_token(services.invitation_token(invitation))
        membership = services.accept_invitation(invitation=found, user=user)
        assert membership.organisation == org and membership.role == MemberRole.MEMBER
        with pytest.raises(services.InvitationRefused, match="already been used"):
            services.accept_invitation(invitation=found, user=user)

    def test_another_address_cannot_accept(self, org, manager):
        invitation = services.invite(organisation=org, email="new@example.com", by=manager.user)
        with pytest.raises(services.InvitationRefused, match="new@example.com"):
            services.accept_invitation(invitation=invitation, user=UserFactory(email="someone@example.com"))
        assert Invitation.objects.get().accepted_at is None

    def test_a_banned_user_cannot_accept(self, org, manager):
        invitation = services.invite(organisation=org, email="bad@example.com", by=manager.user)
        with pytest.raises(services.NotAllowed):
            services.accept_invitation(invitation=invitation, user=UserFactory(email="bad@example.com", is_banned=True))
        assert Invitation.objects.get().accepted_at is None

    def test_expired_replaced_and_altered_links_are_refused(self, org, manager):
        old = services.invite(organisation=org, email="new@example.com", by=manager.user)
        token = services.invitation_token(old)
        new = services.invite(organisation=org, email="new@example.com", by=manager.user)
        with pytest.raises(services.InvitationRefused, match="withdrawn or replaced"):
            services.check_open(services.invitation_from_token(token))
        Invitation.objects.filter(pk=new.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        with pytest.raises(services.InvitationRefused, match="expired"):
            services.check_open(services.invitation_from_token(services.invitation_token(new)))
        for bad in (token[:-2] + "xx", "nonsense", "", signing.dumps({"i": new.pk, "n": "guess"}, salt="other")):
            with pytest.raises(services.InvitationRefused):
                services.invitation_from_token(bad)
        forged = signing.dumps({"i": new.pk, "n": "wrong-nonce"}, salt="organisations.invitation", compress=True)
        with pytest.raises(services.InvitationRefused):
            services.invitation_from_token(forged)

    def test_accepting_puts_the_member_in_the_invitations_groups(self, org, manager, free_course):
        group = services.create_group(organisation=org, name="Support")
        services.assign_course(membership=manager, course=free_course, group=group)
        invitation = services.invite(organisation=org, email="new@example.com", by=manager.user, groups=[group])
        membership = services.accept_invitation(invitation=invitation, user=UserFactory(email="new@example.com"))
        assert list(membership.groups.all()) == [group]
        assert Assignment.objects.filter(membership=membership, course=free_course, group=group).exists()
