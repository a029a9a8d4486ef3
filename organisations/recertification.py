"""Recertification of an organisation's members: a certificate about to expire brings its course back.

Once a day (organisations.tasks.recertify_members), every certificate that expires within the renewal window
(30 days, certificates.models.RENEWAL_WINDOW_DAYS) and belongs to a current member who was assigned its course
(the assignment current or released) is handled once:

- the course is assigned to the member again, due on the day the certificate expires (services.assign_course:
  a released assignment is reopened and takes a free seat of a paid course; a current one gets the due date);
- the certificate's renewal starts (certificates.services.start_renewal), so the course opens for a new round
  and the assignment reads as not done until the member completes it again and gets their next certificate;
- the member is warned by e-mail (their "certificates" notification preference applies);
- when a paid course has no free seat left, nothing fails: the member is still warned, it is logged, and the
  organisation's managers are told once by e-mail, so they can buy or free a seat and assign it themselves.

A daily task rather than a receiver: nothing happens at the moment a certificate starts "expiring soon" for a
receiver to hear; it is the passing of time, which a periodic sweep sees. The sweep is also what catches up
after a day it did not run.

Each certificate is claimed with a conditional UPDATE (certificates.services.claim_expiry_warning) in the same
transaction as the assignment and the e-mails (queued on commit): a retried task or two overlapping runs handle
it once, and a run that fails half-way gives the claim back with everything else.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Notification
from accounts.tasks import send_account_email
from certificates import services as certificate_services
from certificates.models import RENEWAL_WINDOW_DAYS, Certificate
from learning import services as learning_services

from . import services
from .models import Assignment, MemberRole, Membership

logger = logging.getLogger(__name__)


def due_certificates(*, now=None) -> QuerySet[Certificate]:
    """Certificates whose holder is a current member, assigned the course, and not yet warned: issued, not
    revoked, the latest of their enrollment, not being renewed, and expiring within the renewal window (or
    expired already, if the sweep missed the day)."""
    now = now or timezone.now()
    assigned = Assignment.objects.filter(
        membership__user=OuterRef("user"), course=OuterRef("course"), membership__removed_at__isnull=True
    )
    newer = Certificate.objects.filter(enrollment=OuterRef("enrollment"), issue_number__gt=OuterRef("issue_number"))
    return (
        Certificate.objects.filter(
            expires_at__lte=now + timedelta(days=RENEWAL_WINDOW_DAYS),
            expiry_warned_at__isnull=True,
            revoked_at__isnull=True,
            renewal_started_at__isnull=True,
        )
        .exclude(pdf_sha256="")
        .filter(Exists(assigned))
        .exclude(Exists(newer))
        .order_by("expires_at", "pk")
    )


@dataclass
class Outcome:
    certificate_id: int
    claimed: bool = False
    reassigned: list[int] = field(default_factory=list)  # assignment ids
    without_seat: list[int] = field(default_factory=list)  # organisation ids
    renewal_started: bool = False


def recertify(*, certificate_id: int) -> Outcome:
    """Handles one certificate once (see the module's docstring); a second call finds it claimed."""
    outcome = Outcome(certificate_id)
    with transaction.atomic():
        certificate = Certificate.objects.select_related("user", "course").filter(pk=certificate_id).first()
        if certificate is None or not certificate_services.claim_expiry_warning(certificate=certificate):
            return outcome
        outcome.claimed = True
        memberships = (
            Membership.objects.filter(
                user=certificate.user, removed_at__isnull=True, assignments__course=certificate.course
            )
            .select_related("organisation", "user")
            .order_by("pk")
        )
        course = certificate.course
        due_on = certificate.expires_on
        for membership in memberships:
            try:
                with transaction.atomic():  # a refused assignment is undone alone, not the whole certificate
                    assignment = services.assign_course(membership=membership, course=course, due_on=due_on)
                outcome.reassigned.append(assignment.pk)
            except services.NoFreeSeat:
                outcome.without_seat.append(membership.organisation_id)
                logger.warning(
                    "Recertification: no free seat of course %s in organisation %s for certificate %s",
                    course.pk,
                    membership.organisation_id,
                    certificate.serial,
                )
                _tell_managers_no_seat(membership=membership, certificate=certificate)
            except (services.OrganisationError, learning_services.LearningError) as error:
                logger.warning("Recertification of certificate %s not assigned: %s", certificate.serial, error)
        if outcome.reassigned:
            try:
                with transaction.atomic():
                    certificate_services.start_renewal(certificate=certificate, user=certificate.user)
                outcome.renewal_started = True
            except certificate_services.CertificateError as error:
                logger.warning("Recertification of certificate %s: renewal not started: %s", certificate.serial, error)
        account_services.notify(
            user=certificate.user,
            kind=Notification.CERTIFICATE,
            key=f"certificate-expiring:{certificate.pk}",
            template="organisations/emails/certificate_expiring",
            context={"certificate": certificate, "reassigned": bool(outcome.reassigned), "due_on": due_on},
        )
    return outcome


def _tell_managers_no_seat(*, membership: Membership, certificate: Certificate) -> None:
    # Not a notification a manager can turn off: a member's certificate is about to lapse and only they can act.
    # Once per certificate: it runs under the certificate's claim.
    managers = Membership.objects.filter(
        organisation=membership.organisation, role=MemberRole.MANAGER, removed_at__isnull=True
    ).select_related("user")
    for manager in managers:
        if not manager.user.email:
            continue
        subject, body = account_services.render_email(
            template="organisations/emails/recertification_no_seat",
            context={"organisation": membership.organisation, "member": membership.user, "certificate": certificate},
            user=manager.user,
        )
        send_account_email.delay_on_commit(subject=subject, body=body, to=[manager.user.email])


def recertify_due(*, now=None, limit: int = 500) -> list[Outcome]:
    """One sweep: each due certificate in its own transaction, so one failure does not hold back the others."""
    outcomes = []
    for certificate_id in list(due_certificates(now=now).values_list("pk", flat=True)[:limit]):
        try:
            outcomes.append(recertify(certificate_id=certificate_id))
        except Exception:
            # Rolled back with its claim: tomorrow's run tries again. The others go ahead today.
            logger.exception("Recertification of certificate %s failed", certificate_id)
    return outcomes
