"""Reminders of assigned courses: once per assignment and due date, however often the task runs."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from learning.models import Enrollment, EnrollmentStatus
from organisations import services, tasks
from organisations.models import Assignment

from .conftest import give_seats
from .factories import make_member

pytestmark = pytest.mark.django_db


def run(day=None):
    return tasks.send_assignment_reminders((day or timezone.localdate()).isoformat())


def assign(member, course, days):
    return services.assign_course(membership=member, course=course, due_on=timezone.localdate() + timedelta(days))


def mails_to(mailoutbox, user):
    return [mail for mail in mailoutbox if mail.to == [user.email]]


def test_a_reminder_three_days_before_and_one_when_overdue_each_once(
    org, member, free_course, mailoutbox, django_capture_on_commit_callbacks, settings
):
    assert settings.ORGANISATIONS_REMINDER_DAYS == 3
    assignment = assign(member, free_course, 5)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        assert run(today) == 0  # five days ahead: too early
        assert run(today + timedelta(days=2)) == 1  # three days before
        assert run(today + timedelta(days=2)) == 0  # the same day again
        assert run(today + timedelta(days=4)) == 0  # already reminded for this date
    [reminder] = mails_to(mailoutbox, member.user)
    due = assignment.due_on
    assert reminder.subject == f"Reminder: “Free course” is due on {due.day} {due:%B %Y}"
    assert "Acme asked you to complete “Free course” by" in reminder.body and "3 days left" in reminder.body
    assert free_course.url in reminder.body
    with django_capture_on_commit_callbacks(execute=True):
        assert run(today + timedelta(days=6)) == 1  # the day after the due date
        assert run(today + timedelta(days=7)) == 0
    overdue = mails_to(mailoutbox, member.user)[1]
    assert overdue.subject == "Overdue: “Free course”"
    assert "That date has passed and the course is not completed yet." in overdue.body
    assert len(mailoutbox) == 2


def test_a_new_due_date_gets_its_own_reminder(org, member, free_course, mailoutbox, django_capture_on_commit_callbacks):
    assignment = assign(member, free_course, 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert run() == 1
        services.change_due_date(assignment=assignment, due_on=timezone.localdate() + timedelta(days=2))
        assert run() == 1
        assert run() == 0
    assert len(mailoutbox) == 2


def test_no_reminder_for_released_removed_or_completed(
    org, member, paid_course, free_course, mailoutbox, django_capture_on_commit_callbacks
):
    give_seats(org, paid_course, 1)
    released = assign(member, paid_course, 1)
    services.release_assignment(assignment=released)
    gone = make_member(org)
    assign(gone, free_course, 1)
    services.remove_member(membership=gone)
    done = make_member(org)
    assign(done, free_course, -3 + 4)
    Enrollment.objects.filter(user=done.user, course=free_course).update(status=EnrollmentStatus.COMPLETED)
    no_date = make_member(org)
    services.assign_course(membership=no_date, course=free_course)
    with django_capture_on_commit_callbacks(execute=True):
        assert run() == 0
        assert run(timezone.localdate() + timedelta(days=10)) == 0
    assert mailoutbox == []


def test_a_claim_lost_to_another_run_sends_nothing(
    org, member, free_course, mailoutbox, django_capture_on_commit_callbacks
):
    """Two runs at once: both select the assignment, only the first conditional UPDATE claims it."""
    assignment = assign(member, free_course, 2)
    assert services.claim_reminder(assignment_id=assignment.pk, kind="due_soon", due_on=assignment.due_on)
    assert not services.claim_reminder(assignment_id=assignment.pk, kind="due_soon", due_on=assignment.due_on)
    # A run that chose the assignment for an older due date claims nothing either.
    assert not services.claim_reminder(
        assignment_id=assignment.pk, kind="overdue", due_on=assignment.due_on - timedelta(days=30)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert run() == 0
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite serialises all writers; the race needs MariaDB")
def test_the_task_run_twice_at_the_same_time_sends_once(org, member, free_course, mailoutbox):
    """Two threads (each its own connection) run the sweep together; every claim commits once."""
    assignment = assign(member, free_course, 2)
    due = f"{assignment.due_on.day} {assignment.due_on:%B %Y}"
    barrier = threading.Barrier(2)
    results = []

    def sweep():
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            results.append(run())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 1]
    # (The other e-mail is the enrolment confirmation the assignment sent on commit.)
    assert [mail.subject for mail in mailoutbox].count(f"Reminder: “Free course” is due on {due}") == 1
    assert Assignment.objects.get(pk=assignment.pk).reminded_at is not None
