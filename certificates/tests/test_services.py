import hashlib
import io
from datetime import timedelta

import pytest
from django.core.files.storage import storages
from pypdf import PdfReader

from accounts.tests.factories import UserFactory
from certificates import services, tasks
from certificates.models import Certificate
from learning import services as learning_services
from learning.models import EnrollmentStatus


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_completing_a_course_issues_a_signed_certificate(learner, course, lessons, complete_course):
    learner.first_name, learner.last_name = "Ada", "Lovelace"
    learner.save()

    enrollment = complete_course(learner, course, lessons)

    certificate = Certificate.objects.get(enrollment=enrollment)
    assert certificate.learner_name == "Ada Lovelace"
    assert certificate.course_title == course.title
    assert certificate.trainer_name == course.trainer.display_name
    assert certificate.completed_on == enrollment.completed_at.date()
    assert certificate.status == "valid" and certificate.signature_is_valid
    stored = storages["certificates"].open(certificate.pdf_file.name).read()
    assert hashlib.sha256(stored).hexdigest() == certificate.pdf_sha256
    text = pdf_text(stored)
    assert "Ada Lovelace" in text and course.title in text and certificate.serial in text
    assert certificate.verification_url == f"http://testserver/certificates/verify/{certificate.serial}/"


def test_an_unfinished_course_issues_nothing(learner, course, lessons, django_capture_on_commit_callbacks):
    enrollment = learning_services.enroll(user=learner, course=course)
    with django_capture_on_commit_callbacks(execute=True):
        learning_services.complete_lesson(enrollment=enrollment, lesson=lessons[0])
    assert services.issue_certificate(enrollment=enrollment) is None
    assert not Certificate.objects.exists()


def test_a_course_without_certificates_issues_none(learner, course, lessons, complete_course):
    course.issues_certificate = False
    course.save_revision().publish()
    complete_course(learner, course, lessons)
    assert not Certificate.objects.exists()


def test_duplicate_events_and_retries_issue_exactly_once(certificate):
    enrollment = certificate.enrollment
    for _ in range(3):
        tasks.issue_certificate.apply(args=[enrollment.pk])
    services.issue_certificate(enrollment=enrollment)
    assert Certificate.objects.filter(enrollment=enrollment).count() == 1
    assert Certificate.objects.get(enrollment=enrollment).pdf_sha256 == certificate.pdf_sha256


def test_a_retry_after_the_worker_died_finishes_the_half_built_certificate(
    learner, course, lessons, complete_course, monkeypatch
):
    def worker_dies(**kwargs):
        raise SystemExit("worker killed while building the PDF")

    monkeypatch.setattr(services, "attach_pdf", worker_dies)
    with pytest.raises(SystemExit):
        complete_course(learner, course, lessons)
    half_built = Certificate.objects.get()
    assert half_built.pdf_sha256 == "" and half_built.status == "pending"
    monkeypatch.undo()

    tasks.issue_certificate.apply(args=[half_built.enrollment_id])

    finished = Certificate.objects.get()
    assert finished.pk == half_built.pk and finished.serial == half_built.serial
    assert finished.status == "valid"


def test_the_sweep_issues_certificates_whose_task_was_lost(learner, course, lessons, monkeypatch, settings):
    monkeypatch.setattr(tasks.issue_certificate, "delay_on_commit", lambda *args: None)  # the broker lost it
    enrollment = learning_services.enroll(user=learner, course=course)
    for lesson in lessons:
        learning_services.complete_lesson(enrollment=enrollment, lesson=lesson)
    assert not Certificate.objects.exists()
    enrollment.refresh_from_db()
    # A year back by days: replace(year=...) raises on 29 February.
    enrollment.completed_at -= timedelta(days=365)
    enrollment.save()

    assert tasks.issue_missing_certificates.apply().get() == 1
    assert Certificate.objects.get().status == "valid"
    assert tasks.issue_missing_certificates.apply().get() == 0


def test_the_pdf_rebuilds_to_the_same_sha256(certificate):
    storage = storages["certificates"]
    storage.delete(certificate.pdf_file.name)

    rebuilt = services.certificate_pdf(certificate=certificate)

    assert hashlib.sha256(rebuilt).hexdigest() == certificate.pdf_sha256
    assert storage.exists(f"{certificate.serial}.pdf")


def test_a_rebuild_that_differs_is_refused(certificate):
    storages["certificates"].delete(certificate.pdf_file.name)
    Certificate.objects.filter(pk=certificate.pk).update(learner_name="Someone Else")
    certificate.refresh_from_db()
    with pytest.raises(services.CertificateError):
        services.certificate_pdf(certificate=certificate)


@pytest.mark.parametrize("name", ["Zoë Ólafsdóttir", "李小龍", "Mária José Müller-Łukasiewicz"])
def test_unicode_names_are_printed(name, course, lessons, complete_course):
    first, _, last = name.partition(" ")
    learner = UserFactory(role="learner", first_name=first, last_name=last)
    complete_course(learner, course, lessons)
    certificate = learner.certificates.get()
    text = pdf_text(services.certificate_pdf(certificate=certificate))
    assert name.replace(" ", "") in text.replace(" ", "").replace("\n", "")


def test_revoking_needs_a_reason_and_happens_once(certificate, admin_user):
    with pytest.raises(services.CertificateError):
        services.revoke_certificate(certificate=certificate, reason="  ", by=admin_user)
    revoked = services.revoke_certificate(certificate=certificate, reason="Plagiarised assessment", by=admin_user)
    assert revoked.status == "revoked" and revoked.revoked_by == admin_user
    with pytest.raises(services.AlreadyRevoked):
        services.revoke_certificate(certificate=certificate, reason="Again", by=admin_user)


def test_reissuing_revokes_the_old_serial_and_prints_the_current_name(
    certificate, admin_user, django_capture_on_commit_callbacks
):
    learner = certificate.user
    learner.first_name, learner.last_name = "Corrected", "Name"
    learner.save()

    with django_capture_on_commit_callbacks(execute=True):
        replacement = services.reissue_certificate(certificate=certificate, reason="Name misspelt", by=admin_user)

    certificate.refresh_from_db()
    replacement.refresh_from_db()
    assert certificate.status == "revoked"
    assert certificate.revoked_reason == f"Reissued as {replacement.serial}: Name misspelt"
    assert replacement.issue_number == 2 and replacement.serial != certificate.serial
    assert replacement.status == "valid" and replacement.learner_name == "Corrected Name"
    with pytest.raises(services.NotEligible):
        services.reissue_certificate(certificate=certificate, reason="Twice", by=admin_user)
    # The completion event arriving again changes nothing.
    assert services.issue_certificate(enrollment=certificate.enrollment).pk == replacement.pk


def test_reissue_needs_a_completed_enrollment(certificate, admin_user):
    type(certificate.enrollment).objects.filter(pk=certificate.enrollment_id).update(status=EnrollmentStatus.REFUNDED)
    with pytest.raises(services.NotEligible):
        services.reissue_certificate(certificate=certificate, reason="Please", by=admin_user)


def test_the_learner_is_told_once_when_the_certificate_is_ready(learner, course, lessons, complete_course, mailoutbox):
    enrollment = complete_course(learner, course, lessons)
    certificate = enrollment.certificates.get()
    for _ in range(2):
        tasks.issue_certificate.apply(args=[enrollment.pk])
    mails = [m for m in mailoutbox if "certificate" in m.subject]
    assert [m.subject for m in mails] == [f"Your certificate for {course.title}"]
    assert f"/certificates/verify/{certificate.serial}/" in mails[0].body


def test_no_certificate_mail_for_a_learner_who_turned_it_off(learner, course, lessons, complete_course, mailoutbox):
    learner.muted_notifications = ["certificate"]
    learner.save()
    complete_course(learner, course, lessons)
    assert not [m for m in mailoutbox if "certificate" in m.subject]
