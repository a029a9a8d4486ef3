"""Every change to organisations, their members, seats, assignments and invitations.

Seats are counted under a lock on the course's pool row (`SeatPool`, select_for_update): of two requests racing
for the last seat (two assignments, or an assignment and an invitation being accepted), the second waits for
the first to commit and then finds the pool full. A course without a price needs no seat.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from billing import selectors as billing_selectors
from billing import services as billing_services
from billing.models import Order, PaymentMethod
from courses.models import CoursePage
from learning import services as learning_services

from .models import (
    Assignment,
    Group,
    Invitation,
    MemberRole,
    Membership,
    Organisation,
    OrganisationOrder,
    SeatChange,
    SeatChangeReason,
    SeatPool,
)

INVITATION_DAYS = 14
_INVITATION_SALT = "organisations.invitation"


class OrganisationError(Exception):
    """A rule of organisations was broken; the message is for the person acting, status_code for the response."""

    status_code = 400


class NotAllowed(OrganisationError):
    status_code = 403


class NoFreeSeat(OrganisationError):
    status_code = 409


class InvitationRefused(OrganisationError):
    status_code = 400


def needs_seat(course: CoursePage) -> bool:
    return not course.is_free


# Organisations ------------------------------------------------------------------------------------------------


# Paths under /teams/ that are not a team's.
RESERVED_SLUGS = {"new"}


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70].strip("-") or "team"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_organisation(
    *,
    user: User,
    name: str,
    billing_contact: str = "",
    billing_email: str = "",
    tax_id: str = "",
    address: str = "",
) -> Organisation:
    """A new organisation with `user` as its first manager ("Buy for your team"). Its slug comes from the name,
    made unique with a number."""
    if not user.is_authenticated or user.is_banned:
        raise NotAllowed(_("Sign in to create a team."))
    name = " ".join(name.split())
    if not name:
        raise OrganisationError(_("Give your organisation a name."))
    for _attempt in range(3):
        try:
            with transaction.atomic():
                organisation = Organisation.objects.create(
                    name=name,
                    slug=_unique_slug(name),
                    billing_contact=billing_contact.strip(),
                    billing_email=billing_email.strip(),
                    tax_id=tax_id.strip(),
                    address=address.strip(),
                )
                add_member(organisation=organisation, user=user, role=MemberRole.MANAGER)
                return organisation
        except IntegrityError:
            continue  # two teams of the same name created at once: the next number is free
    raise OrganisationError(_("Please try again: another team of that name was being created."))


# Members ------------------------------------------------------------------------------------------------------


def add_member(*, organisation: Organisation, user: User, role: str = MemberRole.MEMBER) -> Membership:
    """Adds `user` (or brings a removed member back) with `role`. A current member keeps their row; a manager
    stays a manager whatever role an invitation named."""
    if user.is_banned:
        raise NotAllowed(_("This account is banned and cannot join an organisation."))
    now = timezone.now()
    with transaction.atomic():
        membership, created = Membership.objects.select_for_update().get_or_create(
            organisation=organisation, user=user, defaults={"role": role, "joined_at": now}
        )
        if created:
            return membership
        if membership.removed_at is not None:
            membership.removed_at = None
            membership.joined_at = now
            membership.role = role
        elif role == MemberRole.MANAGER:
            membership.role = role
        membership.save(update_fields=["removed_at", "joined_at", "role"])
        return membership


def set_role(*, membership: Membership, role: str) -> Membership:
    """Makes a member a manager or a manager a member; an organisation always keeps one manager at least."""
    with transaction.atomic():
        Organisation.objects.select_for_update().get(pk=membership.organisation_id)
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if role == MemberRole.MEMBER and membership.role == MemberRole.MANAGER:
            _keep_a_manager(membership)
        membership.role = role
        membership.save(update_fields=["role"])
        return membership


def _keep_a_manager(leaving: Membership) -> None:
    others = Membership.objects.filter(
        organisation_id=leaving.organisation_id, role=MemberRole.MANAGER, removed_at__isnull=True
    ).exclude(pk=leaving.pk)
    if not others.exists():
        raise OrganisationError(_("An organisation needs at least one manager. Make someone else a manager first."))


def remove_member(*, membership: Membership) -> Membership:
    """Removes a member: their assignments are released (their seats go back to the pools) and the courses those
    seats opened close; their enrolments, progress and certificates stay. Removing twice changes nothing."""
    with transaction.atomic():
        Organisation.objects.select_for_update().get(pk=membership.organisation_id)
        membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        if membership.removed_at is not None:
            return membership
        if membership.role == MemberRole.MANAGER:
            _keep_a_manager(membership)
        for assignment in Assignment.objects.filter(membership=membership, released_at__isnull=True).select_related(
            "course"
        ):
            _release(assignment)
        membership.removed_at = timezone.now()
        membership.save(update_fields=["removed_at"])
        membership.groups.clear()
        return membership


# Groups -------------------------------------------------------------------------------------------------------


def create_group(*, organisation: Organisation, name: str) -> Group:
    name = name.strip()
    if not name:
        raise OrganisationError(_("Give the group a name."))
    try:
        with transaction.atomic():
            return Group.objects.create(organisation=organisation, name=name)
    except IntegrityError:
        raise OrganisationError(_("There is already a group called “%(name)s”.") % {"name": name}) from None


def add_to_group(*, group: Group, membership: Membership, by: User | None = None) -> None:
    """Puts a member in a group, and gives them the courses assigned to the group (where a seat is free)."""
    if membership.organisation_id != group.organisation_id or membership.removed_at is not None:
        raise NotAllowed(_("Only current members of this organisation can join its groups."))
    group.members.add(membership)
    for template in _group_courses(group):
        try:
            assign_course(membership=membership, course=template.course, due_on=template.due_on, by=by, group=group)
        except NoFreeSeat:
            continue  # the manager sees the member without the course on the dashboard, and can buy seats


@dataclass(frozen=True)
class _GroupCourse:
    course: CoursePage
    due_on: date | None


def _group_courses(group: Group) -> list[_GroupCourse]:
    """The courses assigned to a group: those of its current assignments, each once, with its due date."""
    seen: dict[int, _GroupCourse] = {}
    for assignment in group.assignments.filter(released_at__isnull=True).select_related("course"):
        seen.setdefault(assignment.course_id, _GroupCourse(course=assignment.course, due_on=assignment.due_on))
    return list(seen.values())


# Seats --------------------------------------------------------------------------------------------------------


def _locked_pool(*, organisation: Organisation, course: CoursePage) -> SeatPool:
    pool, _ = SeatPool.objects.get_or_create(organisation=organisation, course=course)
    return SeatPool.objects.select_for_update().get(pk=pool.pk)


def seats_in_use(*, organisation_id: int, course_id: int) -> int:
    return Assignment.objects.filter(
        organisation_id=organisation_id, course_id=course_id, uses_seat=True, released_at__isnull=True
    ).count()


def change_seats(
    *,
    organisation: Organisation,
    course: CoursePage,
    delta: int,
    reason: str,
    order=None,
    by: User | None = None,
    note: str = "",
) -> SeatChange | None:
    """Adds (or takes back, with a negative delta) seats, with their ledger line. For an order, idempotent: the
    same order and reason change the pool once. Seats in use are never taken back: a refund or an adjustment
    takes at most the free ones (the ledger line says how many it could take). Returns None for a repeat."""
    if reason == SeatChangeReason.ADMIN and not note.strip():
        raise OrganisationError(_("Say why the seats change: the reason is kept with the change."))
    with transaction.atomic():
        pool = _locked_pool(organisation=organisation, course=course)
        if order is not None and SeatChange.objects.filter(pool=pool, order=order, reason=reason).exists():
            return None
        if delta < 0:
            free = pool.seats - seats_in_use(organisation_id=organisation.pk, course_id=course.pk)
            taken = min(-delta, max(free, 0))
            if reason == SeatChangeReason.ADMIN and taken < -delta:
                raise NoFreeSeat(
                    _("Only %(free)d of these seats are free; the others are assigned to members.") % {"free": free}
                )
            if taken < -delta:
                note = (note + " " if note else "") + _(
                    "%(kept)d of the seats were in use and stay with their members."
                ) % {"kept": -delta - taken}
            delta = -taken
        pool.seats += delta
        pool.save(update_fields=["seats"])
        return SeatChange.objects.create(pool=pool, delta=delta, reason=reason, order=order, by=by, note=note.strip())


# Seat orders ------------------------------------------------------------------------------------------------


def seat_order_buyer(organisation: Organisation) -> dict[str, str]:
    """The organisation as its invoice bills it, copied onto the order (a later edit changes no invoice)."""
    details = {
        "company": organisation.name,
        "name": organisation.billing_contact,
        "email": organisation.billing_email,
        "vat_id": organisation.tax_id,
        "address": organisation.address,
    }
    return {key: value for key, value in details.items() if value}


def buy_seats(
    *,
    organisation: Organisation,
    by: User,
    lines: list[tuple[CoursePage, int]],
    payment_method: str = PaymentMethod.CARD,
    base_url: str,
) -> Order:
    """A seat order for the organisation, linked to it, and its Checkout Session. Only a current manager may buy.
    The seats arrive with the verified payment (receivers.seat_order_paid), never here."""
    if not Membership.objects.filter(
        organisation=organisation, user=by, role=MemberRole.MANAGER, removed_at__isnull=True
    ).exists():
        raise NotAllowed(_("Only the organisation's managers can buy its seats."))
    try:
        with transaction.atomic():
            order = billing_services.create_seat_order(
                user=by,
                lines=lines,
                buyer_details=seat_order_buyer(organisation),
                payment_method=payment_method,
                return_path=reverse("organisations:seats", args=[organisation.slug]),
            )
            # Linked before any checkout exists, so no payment can reach an order nobody knows is this team's.
            link = OrganisationOrder.objects.create(organisation=organisation, order=order)
    except billing_services.BillingError as error:
        raise _as_organisation_error(error) from None
    try:
        return billing_services.open_checkout(order=order, base_url=base_url)
    except billing_services.BillingError as error:
        with transaction.atomic():  # no session, no money moved: nothing to keep
            link.delete()
            billing_services.discard_unopened(order=order)
        raise _as_organisation_error(error) from None


def _as_organisation_error(error: billing_services.BillingError) -> OrganisationError:
    refused = OrganisationError(str(error))
    refused.status_code = error.status_code
    return refused


def seat_order_changed(*, order: Order, paid: bool) -> list[SeatChange]:
    """Adds a paid seat order's seats to its organisation's pools, or takes back a refunded one's free seats
    (seats assigned to members stay with them; the ledger line says how many). Once per order and event, so
    replayed or reordered webhooks change nothing more."""
    link = OrganisationOrder.objects.select_related("organisation").filter(order=order).first()
    if link is None:
        return []
    reason = SeatChangeReason.ORDER_PAID if paid else SeatChangeReason.ORDER_REFUNDED
    changes = []
    for line in order.lines.select_related("course").order_by("pk"):
        change = change_seats(
            organisation=link.organisation,
            course=line.course,
            delta=line.quantity if paid else -line.quantity,
            reason=reason,
            order=order,
            note=_("Order #%(order)d") % {"order": order.pk},
        )
        if change is not None:
            changes.append(change)
    return changes


# Assignments --------------------------------------------------------------------------------------------------


def assign_course(
    *,
    membership: Membership,
    course: CoursePage,
    due_on: date | None = None,
    by: User | None = None,
    group: Group | None = None,
) -> Assignment:
    """Gives a member a course, with an optional due date. A paid course takes a free seat of the organisation's
    pool (NoFreeSeat when there is none); the course opens for the member at once. Assigning a course the member
    already has changes its due date only."""
    if not course.live:
        raise OrganisationError(_("“%(course)s” is not published.") % {"course": course.title})
    now = timezone.now()
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("user", "organisation").get(pk=membership.pk)
        if membership.removed_at is not None:
            raise NotAllowed(_("%(name)s is no longer a member.") % {"name": membership.user.get_full_name()})
        organisation = membership.organisation
        uses_seat = needs_seat(course)
        pool = _locked_pool(organisation=organisation, course=course) if uses_seat else None
        assignment = Assignment.objects.select_for_update().filter(membership=membership, course=course).first()
        if assignment is not None and assignment.released_at is None:
            if assignment.due_on != due_on:
                assignment.due_on = due_on
                assignment.reminded_at = assignment.overdue_notified_at = None
                assignment.save(update_fields=["due_on", "reminded_at", "overdue_notified_at"])
            return assignment
        if pool is not None and seats_in_use(organisation_id=organisation.pk, course_id=course.pk) >= pool.seats:
            raise NoFreeSeat(
                _("No free seat of “%(course)s” is left. Buy more seats or free one first.") % {"course": course.title}
            )
        if assignment is None:
            assignment = Assignment(organisation=organisation, membership=membership, course=course)
        assignment.group = group
        assignment.due_on = due_on
        assignment.uses_seat = uses_seat
        assignment.assigned_by = by
        assignment.assigned_at = now
        assignment.released_at = None
        assignment.reminded_at = assignment.overdue_notified_at = None
        assignment.save()
        # The seat was bought through billing's verified webhook; the member's access follows from holding it.
        if uses_seat:
            learning_services.grant_paid_access(user=membership.user, course=course)
        else:
            learning_services.enroll(user=membership.user, course=course)
        return assignment


def release_assignment(*, assignment: Assignment) -> Assignment:
    """Ends an assignment: its seat goes back to the pool and the course closes for the member (progress kept)."""
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update().select_related("membership__user", "course").get(pk=assignment.pk)
        )
        if assignment.released_at is None:
            _release(assignment)
        return assignment


def _release(assignment: Assignment) -> None:
    assignment.released_at = timezone.now()
    assignment.save(update_fields=["released_at"])
    user, course = assignment.membership.user, assignment.course
    if not assignment.uses_seat or billing_selectors.has_paid_for(user=user, course=course):
        return  # a free course stays open, and so does one the learner bought for themselves
    if Assignment.objects.filter(
        membership__user=user, course=course, uses_seat=True, released_at__isnull=True
    ).exists():
        return  # another organisation's seat still opens it
    learning_services.end_seat_access(user=user, course=course)


# Invitations --------------------------------------------------------------------------------------------------


def invite(
    *,
    organisation: Organisation,
    email: str,
    by: User | None,
    role: str = MemberRole.MEMBER,
    first_name: str = "",
    last_name: str = "",
    groups: list[Group] | None = None,
) -> Invitation:
    """An invitation for `email`, valid for INVITATION_DAYS. An open one for the same address is replaced, so
    only the newest link works."""
    email = email.strip()
    now = timezone.now()
    with transaction.atomic():
        Invitation.objects.filter(organisation=organisation, email__iexact=email, accepted_at__isnull=True).filter(
            revoked_at__isnull=True
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            organisation=organisation,
            email=email,
            role=role,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            invited_by=by,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
        if groups:
            invitation.groups.set(groups)
    return invitation


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=_INVITATION_SALT, compress=True)


def invitation_from_token(token: str) -> Invitation:
    """The invitation a link names, whatever its state (the caller says why it cannot be accepted). Raises
    InvitationRefused for a token that was altered, made up or is older than any invitation can live."""
    try:
        data = signing.loads(token, salt=_INVITATION_SALT, max_age=timedelta(days=INVITATION_DAYS))
    except signing.BadSignature:
        raise InvitationRefused(_("This invitation link is not valid or has expired.")) from None
    if not isinstance(data, dict) or not isinstance(data.get("i"), int) or not isinstance(data.get("n"), str):
        raise InvitationRefused(_("This invitation link is not valid or has expired."))
    invitation = Invitation.objects.select_related("organisation").filter(pk=data["i"], nonce=data["n"]).first()
    if invitation is None:
        raise InvitationRefused(_("This invitation link is not valid or has expired."))
    return invitation


def check_open(invitation: Invitation) -> None:
    if invitation.revoked_at is not None:
        raise InvitationRefused(_("This invitation was withdrawn or replaced by a newer one."))
    if invitation.accepted_at is not None:
        raise InvitationRefused(_("This invitation has already been used."))
    if invitation.expires_at <= timezone.now():
        raise InvitationRefused(_("This invitation has expired. Ask your manager for a new one."))


def accept_invitation(*, invitation: Invitation, user: User) -> Membership:
    """`user` accepts: they must own the invited address (the link reached it) and not be banned. Once only."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
        check_open(invitation)
        if user.email.casefold() != invitation.email.casefold():
            raise InvitationRefused(
                _("This invitation is for %(email)s. Sign in with that address to accept it.")
                % {"email": invitation.email}
            )
        membership = add_member(organisation=invitation.organisation, user=user, role=invitation.role)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        for group in invitation.groups.all():
            add_to_group(group=group, membership=membership, by=invitation.invited_by)
        return membership


def invitation_url(invitation: Invitation) -> str:
    from django.urls import reverse

    return settings.WAGTAILADMIN_BASE_URL + reverse("organisations:accept", args=[invitation_token(invitation)])
