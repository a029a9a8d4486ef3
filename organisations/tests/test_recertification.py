"""The daily recertification sweep: members' expiring certificates are warned and their courses assigned again,
once per certificate, and a paid course without a free seat is told to the managers instead of failing."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from certificates.models import Certificate
from courses.models import CoursePage, LessonPage
from learning import services as learning_services
from learning.models import Enrollment, EnrollmentStatus, LessonProgress
from lms_site.tests.stores import local_store
from organisations import recertification, services, tasks
from organisations.models import Assignment

from .conftest import give_seats
from .factories import make_member, make_organisation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _certificates_in_tmp(settings, tmp_path):
    local_store(settings, "certificates", tmp_path / "certificates")


def valid_for_a_year(course):
    CoursePage.objects.filter(pk=course.pk).update(certificate_valid_months=12)
    course.refresh_from_db()
    return course


def complete(user, course, capture):
    enrollment = Enrollment.objects.get(user=user, course=course)
    with capture(execute=True):
        for lesson in LessonPage.objects.live().descendant_of(course).order_by("path"):
            learning_services.complete_lesson(enrollment=enrollment, lesson=lesson)
    return Certificate.objects.get(user=user, course=course)


def run_sweep(capture):
    with capture(execute=True):
        return tasks.recertify_members()


def to(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def released_certified_member(org, manager, member, paid_course, django_capture_on_commit_callbacks):
    """A member who completed the paid course on a seat, whose assignment was released since (seat back)."""
    valid_for_a_year(paid_course)
    give_seats(org, paid_course, 1)
    assignment = services.assign_course(membership=member, course=paid_course, by=manager.user)
    certificate = complete(member.user, paid_course, django_capture_on_commit_callbacks)
    services.release_assignment(assignment=assignment)
    assert Enrollment.objects.get(user=member.user, course=paid_course).status == EnrollmentStatus.CANCELLED
    return certificate


def test_nothing_happens_before_the_30_days(released_certified_member, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with to(released_certified_member.expires_at - timedelta(days=31)):
        assert run_sweep(django_capture_on_commit_callbacks) == 0
    assert not mail.outbox
    assert Assignment.objects.get().released_at is not None


def test_the_member_is_warned_and_reassigned_once_under_a_double_run(
    released_certified_member, member, paid_course, django_capture_on_commit_callbacks
):
    certificate = released_certified_member
    mail.outbox.clear()
    with to(certificate.expires_at - timedelta(days=20)):
        assert run_sweep(django_capture_on_commit_callbacks) == 1
        assert run_sweep(django_capture_on_commit_callbacks) == 0
        # The same certificate handled directly (a second worker that read it as due) finds it claimed.
        assert recertification.recertify(certificate_id=certificate.pk).claimed is False

    # The warning once; the course reopening also confirms the enrolment (learning's e-mail, once per opening).
    warnings = [message for message in mail.outbox if "expires soon" in message.subject]
    assert len(warnings) == 1 and warnings[0].to == [member.user.email]
    assert "assigned you the course again" in warnings[0].body
    assert {tuple(message.to) for message in mail.outbox} == {(member.user.email,)}
    assert len(mail.outbox) == 2
    assignment = Assignment.objects.get()
    assert assignment.released_at is None and assignment.uses_seat
    assert assignment.due_on == certificate.expires_on
    assert services.seats_in_use(organisation_id=assignment.organisation_id, course_id=paid_course.pk) == 1
    # The renewal started: the course is open again from the first lesson, and the certificate still stands.
    enrollment = Enrollment.objects.get(user=member.user, course=paid_course)
    assert enrollment.status == EnrollmentStatus.ACTIVE and enrollment.progress_percent == 0
    assert not LessonProgress.objects.filter(enrollment=enrollment).exists()
    certificate.refresh_from_db()
    assert certificate.expiry_warned_at and certificate.renewal_started_at and not certificate.revoked_at


def test_a_current_assignment_gets_the_expiry_as_due_date(org, member, free_course, django_capture_on_commit_callbacks):
    valid_for_a_year(free_course)
    services.assign_course(membership=member, course=free_course)
    certificate = complete(member.user, free_course, django_capture_on_commit_callbacks)
    with to(certificate.expires_at - timedelta(days=1)):
        assert run_sweep(django_capture_on_commit_callbacks) == 1
    assignment = Assignment.objects.get()
    assert assignment.due_on == certificate.expires_on and assignment.released_at is None


def test_without_a_free_seat_the_managers_are_told_once_and_the_sweep_goes_on(
    org, manager, member, released_certified_member, paid_course, django_capture_on_commit_callbacks
):
    certificate = released_certified_member
    services.assign_course(membership=make_member(org), course=paid_course)  # takes the only seat
    second_manager = make_member(org, role="manager")
    outsider_manager = make_member(make_organisation(), role="manager")  # another organisation's: not told
    mail.outbox.clear()

    with to(certificate.expires_at - timedelta(days=10)):
        assert run_sweep(django_capture_on_commit_callbacks) == 1
        assert run_sweep(django_capture_on_commit_callbacks) == 0

    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([member.user.email, manager.user.email, second_manager.user.email])
    to_managers = [message for message in mail.outbox if member.user.email not in message.to]
    assert all("No free seat" in message.subject for message in to_managers)
    assert all(member.user.display_name in message.body for message in to_managers)
    assignment = Assignment.objects.get(membership=member)
    assert assignment.released_at is not None  # not reassigned, nothing half-done
    certificate.refresh_from_db()
    assert certificate.expiry_warned_at and certificate.renewal_started_at is None
    assert outsider_manager.user.email not in recipients


def test_only_current_members_who_were_assigned_the_course(
    org, member, free_course, learner, course, lessons, django_capture_on_commit_callbacks
):
    valid_for_a_year(free_course)
    valid_for_a_year(course)
    services.assign_course(membership=member, course=free_course)
    certificate = complete(member.user, free_course, django_capture_on_commit_callbacks)
    # A learner outside any organisation, and a course the member took on their own: not the sweep's business.
    learning_services.enroll(user=learner, course=course)
    outsider = complete(learner, course, django_capture_on_commit_callbacks)
    services.remove_member(membership=member)
    mail.outbox.clear()
    with to(certificate.expires_at - timedelta(days=5)):
        assert list(recertification.due_certificates()) == []
        assert run_sweep(django_capture_on_commit_callbacks) == 0
    assert not mail.outbox
    assert Certificate.objects.get(pk=outsider.pk).expiry_warned_at is None


def test_a_failing_certificate_does_not_stop_the_others(
    released_certified_member, org, free_course, monkeypatch, django_capture_on_commit_callbacks
):
    valid_for_a_year(free_course)
    other = make_member(org)
    services.assign_course(membership=other, course=free_course)
    second = complete(other.user, free_course, django_capture_on_commit_callbacks)
    real = services.assign_course

    def broken(*, membership, **kwargs):
        if membership.pk == other.pk:
            raise RuntimeError("database hiccup")
        return real(membership=membership, **kwargs)

    monkeypatch.setattr(services, "assign_course", broken)
    with to(second.expires_at - timedelta(days=1)):
        assert run_sweep(django_capture_on_commit_callbacks) == 1
    # The failed one gave its claim back: tomorrow's run tries again.
    assert Certificate.objects.get(pk=second.pk).expiry_warned_at is None
    assert Certificate.objects.get(pk=released_certified_member.pk).expiry_warned_at is not None
