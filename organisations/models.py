"""Organisations that buy seats of courses and assign them to their people (issue 21).

A seat is one learner's access to one paid course, bought by the organisation: a pool per course holds how many
were bought (its ledger, `SeatChange`, says by which order or which admin and why), and an assignment that
uses a seat holds one while it is not released. Rows are kept when people leave or assignments end (a removed
member, a released assignment): their history and the learner's progress stay, the seat goes back to the pool.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Paths under /organisations/ that are not a team's (organisations/urls.py).
RESERVED_SLUGS = frozenset({"new"})


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    billing_contact = models.CharField(_("billing contact"), max_length=200, blank=True)
    billing_email = models.EmailField(_("billing e-mail"), blank=True)
    tax_id = models.CharField(_("VAT or tax id"), max_length=64, blank=True)
    address = models.TextField(_("address"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name

    def clean(self):
        if self.slug in RESERVED_SLUGS:
            raise ValidationError({"slug": _("“%(slug)s” is taken by the site itself.") % {"slug": self.slug}})


class MemberRole(models.TextChoices):
    MANAGER = "manager", _("Manager")
    MEMBER = "member", _("Member")


class Membership(models.Model):
    """A person in an organisation. Removing them sets `removed_at`; joining again reopens the same row."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=MemberRole.choices, default=MemberRole.MEMBER)
    joined_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One row per person and organisation, current or removed: a partial unique index ("one current
            # membership") is not enforced by MariaDB, so rejoining reopens the row instead.
            models.UniqueConstraint(fields=["organisation", "user"], name="one_membership_per_person"),
        ]
        verbose_name = _("membership")

    def __str__(self):
        return f"{self.user} in {self.organisation}"

    @property
    def is_current(self) -> bool:
        return self.removed_at is None

    @property
    def is_manager(self) -> bool:
        return self.role == MemberRole.MANAGER and self.removed_at is None


class Group(models.Model):
    """A cohort inside an organisation: courses assigned to a group reach each of its members."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("name"), max_length=120)
    members = models.ManyToManyField(Membership, blank=True, related_name="groups")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="group_names_unique_per_org")]
        verbose_name = _("group")

    def __str__(self):
        return self.name


class SeatPool(models.Model):
    """The seats of one course an organisation holds: `seats` is the sum of its ledger (SeatChange)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="seat_pools")
    course = models.ForeignKey("courses.CoursePage", on_delete=models.PROTECT, related_name="+")
    seats = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "course"], name="one_pool_per_course")]
        verbose_name = _("seat pool")

    def __str__(self):
        return f"{self.seats} × {self.course} for {self.organisation}"


class SeatChangeReason(models.TextChoices):
    ORDER_PAID = "order_paid", _("Seats bought")
    ORDER_REFUNDED = "order_refunded", _("Seats refunded")
    ADMIN = "admin", _("Adjusted by an admin")


class SeatChange(models.Model):
    """One change to a pool's seats, with where it came from: a verified order, or an admin and their reason."""

    pool = models.ForeignKey(SeatPool, on_delete=models.CASCADE, related_name="changes")
    delta = models.IntegerField()
    reason = models.CharField(max_length=20, choices=SeatChangeReason.choices)
    order = models.ForeignKey("billing.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A webhook delivered twice grants (or takes back) an order's seats once.
            models.UniqueConstraint(fields=["pool", "order", "reason"], name="one_seat_change_per_order_event"),
        ]
        verbose_name = _("seat change")

    def __str__(self):
        return f"{self.delta:+d} {self.get_reason_display()}"


class Assignment(models.Model):
    """A course a manager gave a member, with an optional due date. `uses_seat`: it holds one of the pool's
    seats (a paid course) until released. Assigning the course again reopens the same row."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="assignments")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="assignments")
    course = models.ForeignKey("courses.CoursePage", on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="assignments")
    due_on = models.DateField(_("due date"), null=True, blank=True)
    uses_seat = models.BooleanField(default=False)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)
    # Reminder e-mails, each sent once per due date (cleared when the due date changes).
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "course"], name="one_assignment_per_member_and_course"),
        ]
        indexes = [models.Index(fields=["organisation", "course", "released_at"], name="assignment_seat_count_idx")]
        verbose_name = _("assignment")

    def __str__(self):
        return f"{self.course} for {self.membership.user}"

    @property
    def is_current(self) -> bool:
        return self.released_at is None


def new_invitation_nonce() -> str:
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    """An e-mailed invitation to join an organisation. Its link carries a signed, expiring token naming this row
    and its nonce; accepting it once sets `accepted_at`, so the link works only once."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=MemberRole.choices, default=MemberRole.MEMBER)
    groups = models.ManyToManyField(Group, blank=True, related_name="+")
    nonce = models.CharField(max_length=64, default=new_invitation_nonce, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "email"], name="invitation_org_email_idx")]
        verbose_name = _("invitation")

    def __str__(self):
        return f"{self.email} to {self.organisation}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None


class OrganisationOrder(models.Model):
    """A billing order of seats, placed for an organisation by one of its managers (billing knows nothing of
    organisations: its order_paid and order_refunded signals reach organisations.receivers, which read this)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="orders")
    order = models.OneToOneField("billing.Order", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("organisation order")

    def __str__(self):
        return f"Order {self.order_id} for {self.organisation}"


OPEN_INVITATION = Q(accepted_at__isnull=True, revoked_at__isnull=True)
