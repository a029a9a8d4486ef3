"""Certificates that expire after the course's "valid for N months", and renewing them from 30 days before."""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.tests.factories import UserFactory
from assessments import services as assessment_services
from assessments.tests.factories import make_assessment, option, question
from certificates import openbadges, selectors, services
from certificates.models import Certificate, CertificateStatus
from courses.models import CoursePage
from learning import selectors as learning_selectors
from learning import services as learning_services
from learning.models import Enrollment, EnrollmentStatus, LessonProgress

pytestmark = pytest.mark.django_db


def pdf_text(certificate) -> str:
    data = services.certificate_pdf(certificate=certificate)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def long_date(day) -> str:
    return f"{day.day} {day:%B %Y}"


@pytest.fixture
def yearly(course):
    CoursePage.objects.filter(pk=course.pk).update(certificate_valid_months=12)
    course.certificate_valid_months = 12
    return course


@pytest.fixture
def expiring(learner, yearly, lessons, complete_course):
    complete_course(learner, yearly, lessons)
    return learner.certificates.get()


def renew_url(certificate):
    return reverse("certificates:renew", args=[certificate.pk])


def travel_to(moment):
    return time_machine.travel(moment, tick=False)


class TestExpiry:
    def test_the_course_setting_sets_the_expiry_when_issued(self, expiring):
        assert expiring.expires_at == services.add_months(expiring.issued_at, 12)
        assert expiring.expires_at - expiring.issued_at >= timedelta(days=365)
        assert expiring.signature_is_valid

    def test_without_the_setting_it_never_expires(self, certificate):
        assert certificate.expires_at is None
        assert certificate.status == CertificateStatus.VALID
        assert "Valid until" not in pdf_text(certificate)
        assert "validUntil" not in openbadges.credential_for(certificate)

    def test_months_fall_back_to_the_last_day_of_a_shorter_month(self):
        assert services.add_months(datetime(2027, 1, 31, 9, tzinfo=UTC), 1) == datetime(2027, 2, 28, 9, tzinfo=UTC)
        assert services.add_months(datetime(2027, 11, 30, tzinfo=UTC), 3) == datetime(2028, 2, 29, tzinfo=UTC)
        assert services.add_months(datetime(2027, 5, 15, tzinfo=UTC), 24) == datetime(2029, 5, 15, tzinfo=UTC)

    def test_the_pdf_prints_valid_until(self, expiring):
        assert f"Valid until {long_date(expiring.expires_on)}" in pdf_text(expiring)

    def test_a_changed_expiry_no_longer_matches_its_signature(self, expiring):
        Certificate.objects.filter(pk=expiring.pk).update(expires_at=expiring.expires_at + timedelta(days=365))
        assert selectors.verification(serial=expiring.serial).status == "invalid"

    def test_the_verification_page_says_valid_until_then_expired_on(self, client, expiring):
        url = reverse("certificates:verify", args=[expiring.serial])
        page = client.get(url).content.decode()
        assert 'data-verification-status="valid"' in page
        assert f"Valid until {long_date(expiring.expires_on)}" in page

        with travel_to(expiring.expires_at + timedelta(seconds=1)):
            response = client.get(url)
            answer = client.get(reverse("certificates:verify_json", args=[expiring.serial])).json()
        page = response.content.decode()
        assert response.status_code == 200
        assert 'data-verification-status="expired"' in page
        assert f"Expired on {long_date(expiring.expires_on)}" in page
        assert "revoked" not in page.lower().replace("has not been revoked", "")
        assert answer["status"] == "expired" and answer["valid_until"] == expiring.expires_on.isoformat()
        assert "revoked_on" not in answer

    def test_the_open_badge_carries_valid_until_and_reads_expired_after_it(self, expiring):
        credential = openbadges.credential_for(expiring)
        assert credential["validUntil"] == expiring.expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert credential["validFrom"] < credential["validUntil"]
        assert openbadges.verify_credential(credential)
        assert openbadges.credential_status(credential)["status"] == "valid"
        tampered = {**credential, "validUntil": "2099-01-01T00:00:00Z"}
        assert not openbadges.verify_credential(tampered)
        with travel_to(expiring.expires_at + timedelta(days=1)):
            assert openbadges.credential_status(credential) == {
                "verified": True,
                "id": expiring.verification_url,
                "serial": expiring.serial,
                "status": "expired",
            }

    def test_the_learner_sees_the_expiry_and_expires_soon_in_the_last_30_days(self, client, expiring):
        client.force_login(expiring.user)
        page = client.get("/learning/").content.decode()
        assert 'data-certificate-expiry="valid"' in page and renew_url(expiring) not in page

        with travel_to(expiring.expires_at - timedelta(days=29)):
            client.force_login(expiring.user)  # the sign-in of a year ago has expired
            page = client.get("/learning/").content.decode()
        assert 'data-certificate-expiry="soon"' in page and "Expires soon" in page
        assert renew_url(expiring) in page

        with travel_to(expiring.expires_at + timedelta(days=3)):
            client.force_login(expiring.user)
            page = client.get("/learning/").content.decode()
        assert 'data-certificate-expiry="expired"' in page and renew_url(expiring) in page

    def test_a_replacement_keeps_the_expiry_of_the_certificate_it_replaces(self, expiring, run_on_commit):
        with travel_to(expiring.expires_at - timedelta(days=100)):
            replacement = run_on_commit(services.reissue_certificate, certificate=expiring, reason="Name misspelt")
        assert replacement.expires_at == expiring.expires_at


class TestRenew:
    def test_only_by_post(self, client, expiring):
        with travel_to(expiring.expires_at - timedelta(days=10)):
            client.force_login(expiring.user)
            assert client.get(renew_url(expiring)).status_code == 405
        assert Certificate.objects.get(pk=expiring.pk).renewal_started_at is None

    def test_anonymous_visitors_are_sent_to_sign_in(self, client, expiring):
        response = client.post(renew_url(expiring))
        assert response.status_code == 302 and "/accounts/" in response["Location"]

    def test_someone_elses_certificate_is_404(self, client, expiring):
        with travel_to(expiring.expires_at - timedelta(days=10)):
            client.force_login(UserFactory())
            assert client.post(renew_url(expiring)).status_code == 404
            assert client.post(reverse("certificates:renew", args=[10**12])).status_code == 404
        assert Certificate.objects.get(pk=expiring.pk).renewal_started_at is None

    def test_not_before_30_days_before_the_expiry(self, client, expiring):
        with travel_to(expiring.expires_at - timedelta(days=31)):
            client.force_login(expiring.user)
            response = client.post(renew_url(expiring))
        assert response.status_code == 409
        assert Certificate.objects.get(pk=expiring.pk).renewal_started_at is None
        assert Enrollment.objects.get(pk=expiring.enrollment_id).status == EnrollmentStatus.COMPLETED

    def test_a_certificate_that_never_expires_cannot_be_renewed(self, client, certificate):
        client.force_login(certificate.user)
        assert client.post(renew_url(certificate)).status_code == 409

    def test_renewing_starts_the_course_again_and_completing_it_issues_the_next_certificate(
        self, client, expiring, lessons, django_capture_on_commit_callbacks
    ):
        enrollment = expiring.enrollment
        with travel_to(expiring.expires_at - timedelta(days=20)):
            client.force_login(expiring.user)
            response = client.post(renew_url(expiring))
            assert response.status_code == 302 and response["Location"] == lessons[0].url
            enrollment.refresh_from_db()
            assert enrollment.status == EnrollmentStatus.ACTIVE and enrollment.progress_percent == 0
            assert enrollment.completed_at is None and enrollment.round_started_at == timezone.now()
            assert not LessonProgress.objects.filter(enrollment=enrollment).exists()
            # The old certificate is untouched: still valid until it expires, and still on the learner's list.
            assert selectors.verification(serial=expiring.serial).status == "valid"
            page = client.get("/learning/").content.decode()
            assert expiring.serial in page and "data-certificate-renewal" in page
            assert renew_url(expiring) not in page

            # A second click (or a second tab) does not reset the progress made in the meantime.
            learning_services.complete_lesson(enrollment=enrollment, lesson=lessons[0])
            assert client.post(renew_url(expiring)).status_code == 302
            assert LessonProgress.objects.filter(enrollment=enrollment).count() == 1

            with django_capture_on_commit_callbacks(execute=True):
                for lesson in lessons[1:]:
                    learning_services.complete_lesson(enrollment=enrollment, lesson=lesson)
            renewed_at = timezone.now()

        first, second = Certificate.objects.filter(enrollment=enrollment).order_by("issue_number")
        assert (first.pk, second.issue_number) == (expiring.pk, 2)
        assert second.pdf_sha256 and second.signature_is_valid and second.renewal_started_at is None
        assert second.issued_at == renewed_at.replace(microsecond=0)
        assert second.expires_at == services.add_months(second.issued_at, 12) > first.expires_at
        # Issuing again (a retried task) does not make a third one.
        services.issue_certificate(enrollment=enrollment)
        assert enrollment.certificates.count() == 2
        with travel_to(first.expires_at + timedelta(days=1)):
            client.force_login(expiring.user)
            assert selectors.verification(serial=first.serial).status == "expired"
            assert selectors.verification(serial=second.serial).status == "valid"
            # The old one cannot be renewed again; the new one is not due yet.
            assert client.post(renew_url(first)).status_code == 302  # already renewing it: nothing changes
            assert client.post(renew_url(second)).status_code == 409
        assert enrollment.certificates.count() == 2

    def test_a_required_quiz_must_be_passed_again_in_the_new_round(
        self, learner, yearly, lessons, complete_course, django_capture_on_commit_callbacks
    ):
        quiz = make_assessment(
            yearly,
            slug="final",
            is_required=True,
            max_attempts=1,
            questions=[question("single_choice", options=[option("right", True), option("wrong")])],
        )

        def pass_quiz():
            attempt = assessment_services.start_attempt(user=learner, assessment=quiz)
            q = attempt.snapshot["questions"][0]
            pick = next(o["id"] for o in q["options"] if o["correct"])
            assessment_services.save_answer(attempt=attempt, question_id=q["id"], answer=pick)
            with django_capture_on_commit_callbacks(execute=True):
                assessment_services.submit_attempt(attempt=attempt)

        def quiz_ticked():
            player = learning_selectors.lesson_player(user=learner, lesson=lessons[0])
            return next(item.is_done for module in player.modules for item in module.lessons if item.kind)

        enrollment = complete_course(learner, yearly, lessons)
        pass_quiz()
        assert quiz_ticked() is True
        certificate = learner.certificates.get()
        with travel_to(certificate.expires_at - timedelta(days=5)):
            services.start_renewal(certificate=certificate, user=learner)
            with django_capture_on_commit_callbacks(execute=True):
                for lesson in lessons:
                    learning_services.complete_lesson(enrollment=enrollment, lesson=lesson)
            enrollment.refresh_from_db()
            # Every lesson again, but the quiz passed a year ago does not count for this round.
            assert enrollment.status == EnrollmentStatus.ACTIVE and enrollment.progress_percent == 80
            assert learner.certificates.count() == 1
            assert quiz_ticked() is False  # the player's outline does not tick it either
            pass_quiz()  # max_attempts=1 counts per round
            assert quiz_ticked() is True
        enrollment.refresh_from_db()
        assert enrollment.status == EnrollmentStatus.COMPLETED
        assert list(learner.certificates.order_by("issue_number").values_list("issue_number", flat=True)) == [1, 2]

    def test_a_course_whose_access_ended_cannot_be_renewed(self, client, expiring):
        Enrollment.objects.filter(pk=expiring.enrollment_id).update(status=EnrollmentStatus.REFUNDED)
        with travel_to(expiring.expires_at - timedelta(days=10)):
            client.force_login(expiring.user)
            response = client.post(renew_url(expiring))
        assert response.status_code == 403
        assert Certificate.objects.get(pk=expiring.pk).renewal_started_at is None
        assert Enrollment.objects.get(pk=expiring.enrollment_id).status == EnrollmentStatus.REFUNDED

    def test_a_paid_course_with_access_renews_without_a_new_payment(
        self, learner, yearly, lessons, django_capture_on_commit_callbacks
    ):
        CoursePage.objects.filter(pk=yearly.pk).update(price="49.00")
        yearly.refresh_from_db()
        enrollment = learning_services.grant_paid_access(user=learner, course=yearly)
        with django_capture_on_commit_callbacks(execute=True):
            for lesson in lessons:
                learning_services.complete_lesson(enrollment=enrollment, lesson=lesson)
        certificate = learner.certificates.get()
        with travel_to(certificate.expires_at - timedelta(days=1)):
            services.start_renewal(certificate=certificate, user=learner)
        assert Enrollment.objects.get(pk=enrollment.pk).status == EnrollmentStatus.ACTIVE

    def test_a_revoked_certificate_cannot_be_renewed(self, client, expiring):
        services.revoke_certificate(certificate=expiring, reason="Cheated")
        with travel_to(expiring.expires_at - timedelta(days=10)):
            client.force_login(expiring.user)
            assert client.post(renew_url(expiring)).status_code == 409

    def test_the_retry_task_finds_a_completed_renewal_without_its_certificate(self, expiring, lessons):
        enrollment = expiring.enrollment
        with travel_to(expiring.expires_at - timedelta(days=10)):
            services.start_renewal(certificate=expiring, user=expiring.user)
            for lesson in lessons:  # on-commit callbacks not run: the issuing task never ran
                learning_services.complete_lesson(enrollment=enrollment, lesson=lesson)
        settled = timezone.now() + timedelta(days=400)
        assert selectors.enrollments_missing_certificates(settled_before=settled) == [enrollment.pk]
        services.issue_certificate(enrollment=enrollment)
        assert selectors.enrollments_missing_certificates(settled_before=settled) == []


def test_json_is_plain(expiring, client):
    body = client.get(reverse("certificates:verify_json", args=[expiring.serial])).content
    assert json.loads(body)["valid_until"] == expiring.expires_on.isoformat()
