"""Reads for organisations: who manages what, members, seats."""

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from accounts.models import User
from billing.models import Order
from courses.models import CoursePage

from .models import Assignment, MemberRole, Membership, Organisation, OrganisationOrder, SeatPool


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


def courses_for_sale() -> QuerySet[CoursePage]:
    """The courses an organisation may buy seats of: published, with a price."""
    return CoursePage.objects.live().filter(price__gt=0).order_by("title", "pk")


def seat_orders(*, organisation: Organisation) -> QuerySet[Order]:
    """The organisation's seat orders with their lines, newest first: two queries whatever their number."""
    linked = OrganisationOrder.objects.filter(organisation=organisation).values("order_id")
    return Order.objects.filter(pk__in=linked).prefetch_related("lines__course").order_by("-created_at", "-pk")


def seat_order(*, organisation: Organisation, order_id: int) -> Order | None:
    """One of the organisation's seat orders, or None (another organisation's is None too)."""
    return seat_orders(organisation=organisation).filter(pk=order_id).first()


def organisation_for_invoice(*, user: User, slug: str) -> Organisation | None:
    """The organisation whose invoices `user` may download: one they manage now, or any for an admin."""
    if not user.is_authenticated:
        return None
    if user.is_lms_admin:
        return Organisation.objects.filter(slug=slug).first()
    return managed_organisation(user=user, slug=slug)
