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
from django.db.models.functions import Lower
from django.template import Context
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.tasks import send_account_email
from billing import selectors as billing_selectors
from billing import services as billing_services
from billing.models import Order, PaymentMethod
from courses.models import CoursePage
from learning import services as learning_services

from .csv_import import ImportRow
from .models import (
    OPEN_INVITATION,
    RESERVED_SLUGS,
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
from .selectors import forget_assigned_courses

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
        forget_assigned_courses(user_id=user.pk)  # the teams they manage, on their dashboard
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
        forget_assigned_courses(user_id=membership.user_id)
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
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
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
        forget_assigned_courses(user_id=membership.user_id)
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
        # Locks the membership row alone: with select_related, MariaDB would lock the joined user and organisation
        # rows too, and every assignment in the organisation would queue behind one another. The seats are
        # rationed by the pool's lock below.
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
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
        forget_assigned_courses(user_id=membership.user_id)
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
            Assignment.objects.select_for_update().get(
                pk=assignment.pk
            )  # not the joined course page: editors publish it
        )
        if assignment.released_at is None:
            _release(assignment)
        return assignment


def _release(assignment: Assignment) -> None:
    assignment.released_at = timezone.now()
    assignment.save(update_fields=["released_at"])
    forget_assigned_courses(user_id=assignment.membership.user_id)
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
        if _current_member_emails(organisation=organisation, emails=[email]):
            raise OrganisationError(
                _("%(email)s is already a member of %(organisation)s.") % {"email": email, "organisation": organisation}
            )
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
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
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


# Members page: groups, invitations and their e-mails, CSV import -----------------------------------------------


def _current_member_emails(*, organisation: Organisation, emails: list[str]) -> set[str]:
    """Which of `emails` (compared without case) belong to current members of `organisation`, lower-cased."""
    folded = {email.strip().lower() for email in emails}
    if not folded:
        return set()
    found = (
        Membership.objects.filter(organisation=organisation, removed_at__isnull=True)
        .annotate(folded_email=Lower("user__email"))
        .filter(folded_email__in=folded)
        .values_list("folded_email", flat=True)
    )
    return set(found)


def remove_from_group(*, group: Group, membership: Membership) -> None:
    """Takes a member out of a group. The courses the group gave them stay: a manager releases those on the
    assignments page, so leaving a group never closes a course someone is half-way through by surprise."""
    if membership.organisation_id != group.organisation_id:
        raise NotAllowed(_("Only members of this organisation are in its groups."))
    group.members.remove(membership)


def withdraw_invitation(*, invitation: Invitation) -> Invitation:
    """Its link stops working. Withdrawing one that was used or withdrawn already changes nothing."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is None and invitation.revoked_at is None:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])
        return invitation


def resend_invitation(*, invitation: Invitation, by: User | None) -> Invitation:
    """A new invitation with the same details and a new link, e-mailed; the old link stops working."""
    if not invitation.is_open:
        raise InvitationRefused(_("This invitation was used or withdrawn; invite the person again instead."))
    with transaction.atomic():
        new = invite(
            organisation=invitation.organisation,
            email=invitation.email,
            by=by,
            role=invitation.role,
            first_name=invitation.first_name,
            last_name=invitation.last_name,
            groups=list(invitation.groups.all()),
        )
        send_invitation_email(invitation=new)
    return new


def invite_and_email(
    *,
    organisation: Organisation,
    email: str,
    by: User | None,
    role: str = MemberRole.MEMBER,
    first_name: str = "",
    last_name: str = "",
    groups: list[Group] | None = None,
) -> Invitation:
    """`invite`, and the e-mail with the link, queued once the invitation is committed."""
    with transaction.atomic():
        invitation = invite(
            organisation=organisation,
            email=email,
            by=by,
            role=role,
            first_name=first_name,
            last_name=last_name,
            groups=groups,
        )
        send_invitation_email(invitation=invitation)
    return invitation


def send_invitation_email(*, invitation: Invitation) -> None:
    """Queues the invitation's e-mail, sent after the current transaction commits (never for a rolled-back one).
    The invited person may have no account yet, so the e-mail is in the language of the manager's request."""
    context = {
        "site_url": settings.WAGTAILADMIN_BASE_URL,
        "invitation": invitation,
        "organisation": invitation.organisation,
        "inviter": invitation.invited_by.get_full_name() if invitation.invited_by else "",
        "url": invitation_url(invitation),
        "days": INVITATION_DAYS,
    }
    subject = "".join(_render_text("organisations/emails/invitation_subject.txt", context).splitlines()).strip()
    body = _render_text("organisations/emails/invitation.txt", context)
    send_account_email.delay_on_commit(subject=subject, body=body, to=[invitation.email])


def _render_text(name: str, context: dict) -> str:
    # As accounts.services.render_email does: plain text, no HTML escaping ("O'Brien" stays "O'Brien").
    return get_template(name).template.render(Context(context, autoescape=False))  # type: ignore[attr-defined]


def import_invitations(*, organisation: Organisation, rows: list[ImportRow], by: User | None) -> list[Invitation]:
    """Invites everyone of a checked CSV file at once: the groups it names that do not exist yet, the invitations
    (each replacing an open one for the same address) and their e-mails, in one transaction. All or nothing: a
    row whose address became a current member's since the preview refuses the whole import."""
    now = timezone.now()
    emails = [row.email for row in rows]
    with transaction.atomic():
        Organisation.objects.select_for_update().get(pk=organisation.pk)
        members = _current_member_emails(organisation=organisation, emails=emails)
        if members:
            raise OrganisationError(
                _("Some addresses became members since the preview (%(emails)s). Check the file again.")
                % {"emails": ", ".join(sorted(members)[:5])}
            )
        groups = {group.name.casefold(): group for group in Group.objects.filter(organisation=organisation)}
        wanted: dict[str, str] = {}
        for row in rows:
            if row.group and row.group.casefold() not in groups:
                wanted.setdefault(row.group.casefold(), row.group)
        if wanted:
            Group.objects.bulk_create([Group(organisation=organisation, name=name) for name in wanted.values()])
            groups = {group.name.casefold(): group for group in Group.objects.filter(organisation=organisation)}
        Invitation.objects.filter(OPEN_INVITATION, organisation=organisation).annotate(
            folded_email=Lower("email")
        ).filter(folded_email__in={email.lower() for email in emails}).update(revoked_at=now)
        invitations = [
            Invitation(
                organisation=organisation,
                email=row.email,
                first_name=row.first_name,
                last_name=row.last_name,
                role=row.role,
                invited_by=by,
                expires_at=now + timedelta(days=INVITATION_DAYS),
            )
            for row in rows
        ]
        Invitation.objects.bulk_create(invitations, batch_size=500)
        if any(invitation.pk is None for invitation in invitations):
            # A database that does not return the new ids from a bulk insert: find them by their nonces.
            ids = dict(
                Invitation.objects.filter(organisation=organisation, created_at__gte=now).values_list("nonce", "pk")
            )
            for invitation in invitations:
                invitation.pk = ids[invitation.nonce]
        links = [
            Invitation.groups.through(invitation_id=invitation.pk, group_id=groups[row.group.casefold()].pk)
            for invitation, row in zip(invitations, rows, strict=True)
            if row.group
        ]
        Invitation.groups.through.objects.bulk_create(links, batch_size=500)
        for invitation in invitations:
            invitation.organisation = organisation
            send_invitation_email(invitation=invitation)
    return invitations


# Assignments to many ------------------------------------------------------------------------------------------


def check_due_on(due_on: date | None) -> None:
    """A due date may be left out, but not set in the past (in the site's calendar)."""
    if due_on is not None and due_on < timezone.localdate():
        raise OrganisationError(_("The due date cannot be in the past."))


@dataclass(frozen=True)
class AssignedToMany:
    assignments: list[Assignment]
    new: int  # assignments opened now (the others were current already and only got the due date)


def assign_course_to_many(
    *,
    organisation: Organisation,
    course: CoursePage,
    memberships: list[Membership] | None = None,
    group: Group | None = None,
    due_on: date | None = None,
    by: User | None = None,
) -> AssignedToMany:
    """Gives `course` to each of `memberships`, or to every current member of `group`, all or nothing: when
    fewer seats are free than people who need one, nobody gets the course and the error says how many seats
    are missing. A group's assignments also reach those who join it later (add_to_group). One transaction, with
    the pool locked while seats are counted and taken, so a concurrent assignment cannot slip in between."""
    check_due_on(due_on)
    if not course.live:
        raise OrganisationError(_("“%(course)s” is not published.") % {"course": course.title})
    if group is not None and group.organisation_id != organisation.pk:
        raise NotAllowed(_("This group belongs to another organisation."))
    with transaction.atomic():
        # The members are locked before the pool, in id order, as assign_course locks a member before the pool:
        # the other way round, a single assignment and this one could each hold what the other waits for.
        if group is not None:
            targets = list(group.members.filter(removed_at__isnull=True).select_for_update().order_by("pk"))
            if not targets:
                raise OrganisationError(_("The group “%(group)s” has no members yet.") % {"group": group.name})
        else:
            targets = list(
                Membership.objects.filter(pk__in=[m.pk for m in memberships or []], removed_at__isnull=True)
                .filter(organisation=organisation)
                .select_for_update()
                .order_by("pk")
            )
            if not targets or len(targets) != len({m.pk for m in memberships or []}):
                raise OrganisationError(_("Choose current members of this organisation."))
        already = set(
            Assignment.objects.filter(course=course, membership__in=targets, released_at__isnull=True).values_list(
                "membership_id", flat=True
            )
        )
        needing = [m for m in targets if m.pk not in already]
        if needs_seat(course) and needing:
            pool = _locked_pool(organisation=organisation, course=course)
            free = pool.seats - seats_in_use(organisation_id=organisation.pk, course_id=course.pk)
            if free < len(needing):
                missing = len(needing) - max(free, 0)
                raise NoFreeSeat(
                    ngettext(
                        "Nobody was assigned: %(needed)d people need a seat of “%(course)s” and %(missing)d seat "
                        "is missing. Buy more seats or free some first.",
                        "Nobody was assigned: %(needed)d people need a seat of “%(course)s” and %(missing)d seats "
                        "are missing. Buy more seats or free some first.",
                        missing,
                    )
                    % {"needed": len(needing), "course": course.title, "missing": missing}
                )
        done = [
            assign_course(membership=membership, course=course, due_on=due_on, by=by, group=group)
            for membership in targets
        ]
        if group is not None and already:
            # Members who had the course on their own now hold it through the group too, so the group keeps
            # the course for those who join it later even when everyone had it already.
            Assignment.objects.filter(
                course=course, membership_id__in=already, released_at__isnull=True, group__isnull=True
            ).update(group=group)
        return AssignedToMany(assignments=done, new=len(needing))


def change_due_date(*, assignment: Assignment, due_on: date | None) -> Assignment:
    """A new due date (or none) for a current assignment; its reminders go again for the new date."""
    check_due_on(due_on)
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.released_at is not None:
            raise OrganisationError(_("This assignment was released."))
        if assignment.due_on != due_on:
            assignment.due_on = due_on
            assignment.reminded_at = assignment.overdue_notified_at = None
            assignment.save(update_fields=["due_on", "reminded_at", "overdue_notified_at"])
        return assignment


# Reminders ----------------------------------------------------------------------------------------------------

REMINDER_FIELDS = {"due_soon": "reminded_at", "overdue": "overdue_notified_at"}


def claim_reminder(*, assignment_id: int, kind: str, due_on: date, now=None) -> bool:
    """Marks one reminder of an assignment as sent, for the due date it was chosen for: True for the one caller
    (of two runs at once, or a retry) whose conditional UPDATE found it unclaimed. A due date changed in between,
    a released assignment or a removed member claims nothing."""
    field = REMINDER_FIELDS[kind]
    claimed = Assignment.objects.filter(
        **{f"{field}__isnull": True},
        pk=assignment_id,
        due_on=due_on,
        # No condition on the member: a join would make MySQL's UPDATE select the ids first and drop the
        # claim's condition; removing a member releases their assignments, which the line above checks.
        released_at__isnull=True,
    ).update(**{field: now or timezone.now()})
    return claimed == 1
