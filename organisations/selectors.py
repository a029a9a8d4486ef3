"""Reads for organisations: who manages what, members, seats."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet
from django.db.models.functions import Lower

from accounts.models import User
from courses.models import CoursePage

from .models import OPEN_INVITATION, Assignment, Group, Invitation, MemberRole, Membership, Organisation, SeatPool


def managed_organisations(*, user: User) -> QuerySet[Organisation]:
    """The organisations `user` manages now (admins manage every organisation from the Wagtail admin, not here)."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        memberships__user=user, memberships__role=MemberRole.MANAGER, memberships__removed_at__isnull=True
    )


def managed_organisation(*, user: User, slug: str) -> Organisation | None:
    """The organisation at `slug` if `user` manages it, else None (the view answers 404: nothing says it exists)."""
    return managed_organisations(user=user).filter(slug=slug).first()


def current_memberships(*, organisation: Organisation) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=organisation, removed_at__isnull=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )


def membership_of(*, organisation: Organisation, user: User) -> Membership | None:
    return Membership.objects.filter(organisation=organisation, user=user, removed_at__isnull=True).first()


@dataclass(frozen=True)
class SeatCount:
    course: CoursePage
    seats: int
    in_use: int

    @property
    def free(self) -> int:
        return max(self.seats - self.in_use, 0)


def seat_counts(*, organisation: Organisation) -> list[SeatCount]:
    """Each course the organisation holds seats of, with how many are assigned: two queries."""
    pools = SeatPool.objects.filter(organisation=organisation).select_related("course").order_by("course__title")
    in_use = dict(
        Assignment.objects.filter(organisation=organisation, uses_seat=True, released_at__isnull=True)
        .order_by()
        .values("course_id")
        .annotate(n=Count("pk"))
        .values_list("course_id", "n")
    )
    return [SeatCount(course=pool.course, seats=pool.seats, in_use=in_use.get(pool.course_id, 0)) for pool in pools]


def current_assignments(*, organisation: Organisation) -> QuerySet[Assignment]:
    return Assignment.objects.filter(
        organisation=organisation, released_at__isnull=True, membership__removed_at__isnull=True
    ).select_related("membership__user", "course")


# The members page ---------------------------------------------------------------------------------------------


def members_page(*, organisation: Organisation) -> dict:
    """Everything the members page lists, in a fixed number of queries however many people there are."""
    memberships = current_memberships(organisation=organisation).prefetch_related(
        Prefetch("groups", queryset=Group.objects.order_by("name"))
    )
    groups = Group.objects.filter(organisation=organisation).prefetch_related(
        Prefetch(
            "members",
            queryset=Membership.objects.filter(removed_at__isnull=True)
            .select_related("user")
            .order_by("user__last_name", "user__first_name", "user__username"),
            to_attr="current_members",
        )
    )
    return {
        "memberships": list(memberships),
        "groups": list(groups),
        "invitations": list(open_invitations(organisation=organisation)),
    }


def open_invitations(*, organisation: Organisation) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(OPEN_INVITATION, organisation=organisation)
        .select_related("invited_by")
        .prefetch_related(Prefetch("groups", queryset=Group.objects.order_by("name")))
        .order_by("email", "-created_at")
    )


def member(*, organisation: Organisation, membership_id: int) -> Membership | None:
    """A current member of `organisation` by id (None for anyone else's, or a removed one)."""
    return (
        Membership.objects.filter(organisation=organisation, pk=membership_id, removed_at__isnull=True)
        .select_related("user", "organisation")
        .first()
    )


def group(*, organisation: Organisation, group_id: int) -> Group | None:
    return Group.objects.filter(organisation=organisation, pk=group_id).first()


def open_invitation(*, organisation: Organisation, invitation_id: int) -> Invitation | None:
    return (
        Invitation.objects.filter(OPEN_INVITATION, organisation=organisation, pk=invitation_id)
        .select_related("organisation")
        .first()
    )


def import_context(*, organisation: Organisation) -> dict[str, set[str]]:
    """What a CSV import is checked against: current members' and openly invited addresses (lower-cased) and
    the group names (case-folded), three queries."""
    members = (
        Membership.objects.filter(organisation=organisation, removed_at__isnull=True)
        .annotate(folded=Lower("user__email"))
        .values_list("folded", flat=True)
    )
    invited = (
        Invitation.objects.filter(OPEN_INVITATION, organisation=organisation)
        .annotate(folded=Lower("email"))
        .values_list("folded", flat=True)
    )
    names = Group.objects.filter(organisation=organisation).values_list("name", flat=True)
    return {
        "member_emails": set(members),
        "invited_emails": set(invited),
        "group_names": {name.casefold() for name in names},
    }
