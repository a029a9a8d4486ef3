"""Organisations' background tasks.

Reminders of assigned courses: one e-mail some days before the due date, one once it has passed.

Each is claimed on its assignment row, for the due date it was chosen for, by a conditional UPDATE before the
e-mail is queued on commit: of two runs at once, or a retried one, only the first to claim sends it. A new due
date clears both claims (services.change_due_date, assign_course), so the new date gets its own reminders."""

from datetime import date

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.tasks import send_account_email

from . import selectors, services


@shared_task
def send_assignment_reminders(today: str | None = None) -> int:
    """Beat, daily: reminders ORGANISATIONS_REMINDER_DAYS before due dates, and overdue notices."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    days_before = settings.ORGANISATIONS_REMINDER_DAYS
    sent = 0
    for kind in ("due_soon", "overdue"):
        due = selectors.assignments_to_remind(kind=kind, today=day, days_before=days_before)
        for assignment in due:
            user = assignment.membership.user
            if not user.email or assignment.due_on is None:  # the selector asks for due dates; mypy cannot see it
                continue
            with transaction.atomic():
                if not services.claim_reminder(assignment_id=assignment.pk, kind=kind, due_on=assignment.due_on):
                    continue  # another run (or an earlier try of this one) sent it, or the due date changed
                subject, body = account_services.render_email(
                    template=f"organisations/emails/assignment_{kind}",
                    context={
                        "assignment": assignment,
                        "course": assignment.course,
                        "organisation": assignment.organisation,
                        "days_left": (assignment.due_on - day).days,
                    },
                    user=user,
                )
                send_account_email.delay_on_commit(subject=subject, body=body, to=[user.email])
            sent += 1
    return sent


# --- Recertification (organisations/recertification.py) -------------------------------------------------------


@shared_task
def recertify_members() -> int:
    """Daily: members whose certificate for an assigned course expires within 30 days are warned and assigned the
    course again, once per certificate. Returns how many certificates this run handled."""
    from . import recertification

    return sum(outcome.claimed for outcome in recertification.recertify_due())


# --- end of recertification -----------------------------------------------------------------------------------
