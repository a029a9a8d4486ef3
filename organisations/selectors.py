"""Reads for organisations: who manages what, members, seats, assignments and the team's progress."""

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User
from billing.models import Order
from certificates.models import Certificate
from courses.models import CoursePage
from learning.models import Enrollment, EnrollmentStatus

from .models import (
    OPEN_INVITATION,
    Assignment,
    Group,
    Invitation,
    MemberRole,
    Membership,
    Organisation,
    OrganisationOrder,
    SeatPool,
)


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
    return CoursePage.objects.live().originals().filter(price__gt=0).order_by("title", "pk")


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


# Assignments --------------------------------------------------------------------------------------------------


def _with_progress(assignments: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """Each assignment with the learner's progress in its course (their Enrollment), in the same query."""
    enrollment = Enrollment.objects.filter(user_id=OuterRef("membership__user_id"), course_id=OuterRef("course_id"))
    return assignments.annotate(
        progress=Subquery(enrollment.values("progress_percent")[:1]),
        enrollment_status=Subquery(enrollment.values("status")[:1]),
    )


def assignment_list(*, organisation: Organisation, today: date | None = None) -> list[Assignment]:
    """The organisation's current assignments with member, course, group, progress and whether they are late:
    one query however many there are."""
    today = today or timezone.localdate()
    rows = list(
        _with_progress(current_assignments(organisation=organisation))
        .select_related("group")
        .order_by("course__title", "membership__user__last_name", "membership__user__first_name", "pk")
    )
    for row in rows:
        found = vars(row)  # the annotations (_with_progress), which the model class does not declare
        completed = found["enrollment_status"] == EnrollmentStatus.COMPLETED
        found.update(completed=completed, overdue=row.due_on is not None and row.due_on < today and not completed)
    return rows


def assignment_of(*, organisation: Organisation, assignment_id: int) -> Assignment | None:
    """A current assignment of this organisation (None for another's, a released one or a made-up id)."""
    return current_assignments(organisation=organisation).filter(pk=assignment_id).first()


def groups_of(*, organisation: Organisation) -> QuerySet[Group]:
    return Group.objects.filter(organisation=organisation).order_by("name")


def assignable_courses() -> QuerySet[CoursePage]:
    """The live courses a manager may assign (paid ones take a seat when assigned)."""
    return CoursePage.objects.live().originals().order_by("title")


# The learner's assigned courses (their dashboard) --------------------------------------------------------------

ASSIGNED_FLAG_SECONDS = 10 * 60
_ASSIGNED_GENERATION = "organisations:has-assignments:generation"


def _assigned_key(user_id: int) -> str:
    return f"organisations:has-assignments:{user_id}"


def forget_assigned_courses(*, user_id: int) -> None:
    """Called whenever one of the user's assignments or memberships opens, changes or ends: their dashboard asks the
    database again.
    Forgotten now and after the commit, so a dashboard read between the two cannot keep an old answer."""
    key = _assigned_key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def forget_all_assigned_courses() -> None:
    """Every learner's kept answer at once (tests, whose ids come back after a rollback)."""
    cache.set(_ASSIGNED_GENERATION, uuid.uuid4().hex, timeout=None)


@dataclass(frozen=True)
class AssignedCourse:
    course: CoursePage
    organisation: Organisation
    due_on: date | None
    progress: int
    completed: bool
    overdue: bool


@dataclass(frozen=True)
class LearnerTeams:
    """What a learner's dashboard shows of their organisations: their assigned courses, and the teams they manage
    (links to the team pages)."""

    assigned: list[AssignedCourse]
    managed: list[tuple[str, str]]  # (slug, name)


def learner_teams(*, user: User, today: date | None = None) -> LearnerTeams:
    """One cache round trip, and then one query for a learner with assignments, none for the many without. Whether
    they have any, and the teams they manage, are kept per user until an assignment or a membership of theirs
    changes (forget_assigned_courses), or an organisation does (forget_all_assigned_courses)."""
    if not user.is_authenticated:
        return LearnerTeams(assigned=[], managed=[])
    key = _assigned_key(user.pk)
    found = cache.get_many([_ASSIGNED_GENERATION, key])
    generation = found.get(_ASSIGNED_GENERATION)
    if generation is None:
        generation = uuid.uuid4().hex
        cache.add(_ASSIGNED_GENERATION, generation, timeout=None)
        generation = cache.get(_ASSIGNED_GENERATION) or generation
    entry = found.get(key)
    if isinstance(entry, tuple) and len(entry) == 3 and entry[0] == generation:
        _, has_assignments, managed = entry
    else:
        has_assignments = None
        managed = tuple(managed_organisations(user=user).order_by("name").values_list("slug", "name"))
    rows = [] if has_assignments is False else _assigned_rows(user)
    if has_assignments is None:
        cache.set(key, (generation, bool(rows), managed), ASSIGNED_FLAG_SECONDS)
    today = today or timezone.localdate()
    assigned = []
    for row in rows:
        found = vars(row)  # the annotations (_with_progress), which the model class does not declare
        completed = found["enrollment_status"] == EnrollmentStatus.COMPLETED
        assigned.append(
            AssignedCourse(
                course=row.course,
                organisation=row.organisation,
                due_on=row.due_on,
                progress=found["progress"] or 0,
                completed=completed,
                overdue=row.due_on is not None and row.due_on < today and not completed,
            )
        )
    return LearnerTeams(assigned=assigned, managed=list(managed))


def _assigned_rows(user: User) -> list[Assignment]:
    return list(
        _with_progress(
            Assignment.objects.filter(
                membership__user=user, released_at__isnull=True, membership__removed_at__isnull=True
            )
        )
        .select_related("course", "organisation")
        .order_by(F("due_on").asc(nulls_last=True), "course__title", "pk")
    )


# The team dashboard -------------------------------------------------------------------------------------------


@dataclass
class Cell:
    assignment: Assignment
    progress: int
    completed: bool
    overdue: bool
    certified: bool


@dataclass
class GridRow:
    membership: Membership
    cells: list[Cell | None] = field(default_factory=list)


@dataclass
class TeamGrid:
    courses: list[CoursePage]  # the columns: courses assigned to the members shown
    rows: list[GridRow]
    overdue: list[Cell]
    groups: list[Group]  # for the filters
    course_choices: list[CoursePage]
    group: Group | None = None
    course: CoursePage | None = None

    @property
    def cells(self) -> list[Cell]:
        return [cell for row in self.rows for cell in row.cells if cell is not None]


def team_grid(
    *, organisation: Organisation, group_id: int | None = None, course_id: int | None = None, today=None
) -> TeamGrid:
    """Members × assigned courses of one organisation, with progress, completion, lateness and certificates.

    Six queries whatever the number of members and courses: groups, the courses assigned, members, their
    current assignments with progress, and their valid certificates. Only this organisation's members and
    assignments appear; an unknown group or course id (or another organisation's) filters to nothing."""
    today = today or timezone.localdate()
    groups = list(groups_of(organisation=organisation))
    group = next((g for g in groups if g.pk == group_id), None) if group_id is not None else None
    course_choices = list(
        CoursePage.objects.filter(pk__in=current_assignments(organisation=organisation).values("course_id")).order_by(
            "title"
        )
    )
    course = next((c for c in course_choices if c.pk == course_id), None) if course_id is not None else None
    members = current_memberships(organisation=organisation)
    assignments = current_assignments(organisation=organisation)
    if group_id is not None:
        members = members.filter(groups__pk=group_id, groups__organisation=organisation)
        assignments = assignments.filter(membership__groups__pk=group_id)
    if course_id is not None:
        assignments = assignments.filter(course_id=course_id)
    member_list = list(members)
    rows = list(_with_progress(assignments).select_related("group").order_by("course__title", "pk"))
    certified = set(
        Certificate.objects.filter(
            revoked_at__isnull=True,
            user_id__in=assignments.values("membership__user_id"),
            course_id__in=assignments.values("course_id"),
        ).values_list("user_id", "course_id")
    )
    courses: dict[int, CoursePage] = {}
    cells: dict[tuple[int, int], Cell] = {}
    for row in rows:
        courses.setdefault(row.course_id, row.course)
        found = vars(row)  # the annotations (_with_progress), which the model class does not declare
        completed = found["enrollment_status"] == EnrollmentStatus.COMPLETED
        cells[(row.membership_id, row.course_id)] = Cell(
            assignment=row,
            progress=found["progress"] or 0,
            completed=completed,
            overdue=row.due_on is not None and row.due_on < today and not completed,
            certified=(row.membership.user_id, row.course_id) in certified,
        )
    columns = sorted(courses.values(), key=lambda c: (c.title.casefold(), c.pk))
    grid_rows = [GridRow(membership=m, cells=[cells.get((m.pk, c.pk)) for c in columns]) for m in member_list]
    overdue = sorted(
        (cell for cell in cells.values() if cell.overdue),
        key=lambda cell: (cell.assignment.due_on, cell.assignment.membership.user.get_full_name()),
    )
    return TeamGrid(
        courses=columns,
        rows=grid_rows,
        overdue=overdue,
        groups=groups,
        course_choices=course_choices,
        group=group,
        course=course,
    )


# Reminders ----------------------------------------------------------------------------------------------------


def assignments_to_remind(*, kind: str, today: date, days_before: int) -> QuerySet[Assignment]:
    """Current assignments of current members whose reminder of `kind` has not gone for their due date:
    "due_soon" when the due date is within `days_before` days (today included), "overdue" once it has passed.
    A course the learner completed needs no reminder."""
    completed = Enrollment.objects.filter(
        user_id=OuterRef("membership__user_id"), course_id=OuterRef("course_id"), status=EnrollmentStatus.COMPLETED
    )
    current = Assignment.objects.filter(released_at__isnull=True, membership__removed_at__isnull=True)
    if kind == "due_soon":
        due = current.filter(
            reminded_at__isnull=True, due_on__gte=today, due_on__lte=today + timedelta(days=days_before)
        )
    else:
        due = current.filter(overdue_notified_at__isnull=True, due_on__lt=today)
    return due.exclude(Exists(completed)).select_related("membership__user", "course", "organisation").order_by("pk")
