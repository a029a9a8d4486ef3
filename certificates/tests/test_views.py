import hashlib
import json

from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.tests.factories import UserFactory
from certificates import services
from certificates.models import Certificate
from certificates.services import DOWNLOAD_SALT
from courses.models import LessonPage
from courses.tests.factories import make_course


def download_url(certificate, user):
    return reverse("certificates:download", args=[services.download_token(certificate=certificate, user=user)])


def verify_url(serial):
    return reverse("certificates:verify", args=[serial])


def upload(data: bytes, name="certificate.pdf"):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


class TestDownload:
    def test_the_owner_downloads_the_issued_pdf(self, client, certificate):
        client.force_login(certificate.user)
        response = client.get(download_url(certificate, certificate.user))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert f"certificate-{certificate.serial}.pdf" in response["Content-Disposition"]
        assert "no-store" in response["Cache-Control"]
        assert services.certificate_pdf(certificate=certificate) == response.getvalue()

    def test_an_admin_may_download_any_certificate(self, client, certificate, admin_user):
        client.force_login(admin_user)
        assert client.get(download_url(certificate, admin_user)).status_code == 200

    def test_someone_else_gets_403_with_the_owners_link_or_their_own(self, client, certificate):
        intruder = UserFactory()
        client.force_login(intruder)
        assert client.get(download_url(certificate, certificate.user)).status_code == 403
        assert client.get(download_url(certificate, intruder)).status_code == 403

    def test_anonymous_visitors_are_sent_to_sign_in(self, client, certificate):
        response = client.get(download_url(certificate, certificate.user))
        assert response.status_code == 302 and "/accounts/" in response["Location"]

    def test_a_tampered_link_gets_403(self, client, certificate, course, lessons, complete_course):
        other_learner = UserFactory()
        complete_course(other_learner, course, lessons)
        others = other_learner.certificates.get()
        client.force_login(certificate.user)
        token = services.download_token(certificate=certificate, user=certificate.user)
        payload, _, rest = token.partition(":")
        pointing_elsewhere = signing.dumps([others.pk, certificate.user.pk], salt=DOWNLOAD_SALT, compress=True)
        forged = pointing_elsewhere.partition(":")[0] + ":" + rest  # other payload, our signature
        unsalted = signing.dumps([others.pk, certificate.user.pk], compress=True)
        for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), forged, unsalted, "nonsense"):
            assert client.get(reverse("certificates:download", args=[bad])).status_code == 403

    def test_an_expired_link_gets_403_and_says_so(self, client, certificate, settings):
        client.force_login(certificate.user)
        url = download_url(certificate, certificate.user)
        settings.CERTIFICATE_DOWNLOAD_LINK_MAX_AGE = -1
        response = client.get(url)
        assert response.status_code == 403
        assert "expired" in response.content.decode()

    def test_a_revoked_certificate_is_no_longer_handed_out(self, client, certificate, admin_user):
        services.revoke_certificate(certificate=certificate, reason="Refunded", by=admin_user)
        client.force_login(certificate.user)
        assert client.get(download_url(certificate, certificate.user)).status_code == 403

    def test_with_nginx_the_owner_gets_an_x_accel_redirect_and_nobody_else_does(
        self, client, certificate, nginx_sends_private_files
    ):
        client.force_login(certificate.user)
        response = client.get(download_url(certificate, certificate.user))
        assert response.status_code == 200 and response.content == b""
        assert response["X-Accel-Redirect"] == f"/_private/certificates/{certificate.serial}.pdf"
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="certificate-{certificate.serial}.pdf"'
        assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]

        client.force_login(UserFactory())
        refused = client.get(download_url(certificate, certificate.user))
        assert refused.status_code == 403 and "X-Accel-Redirect" not in refused
        client.logout()
        anonymous = client.get(download_url(certificate, certificate.user))
        assert anonymous.status_code == 302 and "X-Accel-Redirect" not in anonymous
        revoked = services.revoke_certificate(certificate=certificate, reason="Refunded")
        client.force_login(revoked.user)
        assert "X-Accel-Redirect" not in client.get(download_url(certificate, certificate.user))

    def test_with_nginx_a_lost_file_is_rebuilt_before_nginx_is_sent_to_it(
        self, client, certificate, nginx_sends_private_files
    ):
        lost = nginx_sends_private_files / "certificates" / f"{certificate.serial}.pdf"
        lost.unlink()
        client.force_login(certificate.user)
        response = client.get(download_url(certificate, certificate.user))
        assert response["X-Accel-Redirect"] == f"/_private/certificates/{certificate.serial}.pdf"
        assert hashlib.sha256(lost.read_bytes()).hexdigest() == certificate.pdf_sha256


class TestVerification:
    def test_a_valid_certificate_shows_name_course_and_date_but_no_email(self, client, certificate):
        response = client.get(verify_url(certificate.serial))
        body = response.content.decode()
        assert response.status_code == 200
        assert 'data-verification-status="valid"' in body
        assert certificate.learner_name in body and certificate.course_title in body
        assert certificate.user.email not in body
        assert response["X-Robots-Tag"] == "noindex"

    def test_the_serial_is_forgiving_about_case_and_spaces(self, client, certificate):
        response = client.get(reverse("certificates:verify_lookup"), {"serial": f" {certificate.serial.lower()} "})
        assert response.status_code == 302 and response["Location"] == verify_url(certificate.serial)

    def test_a_revoked_certificate_shows_date_and_reason(self, client, certificate, admin_user):
        services.revoke_certificate(certificate=certificate, reason="Exam misconduct", by=admin_user)
        body = client.get(verify_url(certificate.serial)).content.decode()
        assert 'data-verification-status="revoked"' in body and "Exam misconduct" in body

    def test_an_unknown_serial_is_404_and_says_unknown(self, client, db):
        response = client.get(verify_url("LW-0000-0000-0000-0000"))
        assert response.status_code == 404
        assert 'data-verification-status="unknown"' in response.content.decode()

    def test_a_row_changed_behind_our_back_fails_verification(self, client, certificate):
        Certificate.objects.filter(pk=certificate.pk).update(learner_name="Mallory Forger")
        body = client.get(verify_url(certificate.serial)).content.decode()
        assert 'data-verification-status="invalid"' in body
        assert "Mallory Forger" not in body
        data = client.get(reverse("certificates:verify_json", args=[certificate.serial])).json()
        assert data == {"serial": certificate.serial, "status": "invalid"}

    def test_json_answers_for_machines(self, client, certificate, admin_user):
        data = client.get(reverse("certificates:verify_json", args=[certificate.serial])).json()
        assert data["status"] == "valid"
        assert data["learner_name"] == certificate.learner_name
        assert data["course"] == certificate.course_title
        assert data["issued_on"] == certificate.issued_at.date().isoformat()
        assert certificate.user.email not in json.dumps(data)

        services.revoke_certificate(certificate=certificate, reason="Refunded", by=admin_user)
        data = client.get(reverse("certificates:verify_json", args=[certificate.serial])).json()
        assert data["status"] == "revoked" and data["revocation_reason"] == "Refunded"

        response = client.get(reverse("certificates:verify_json", args=["LW-NOPE"]))
        assert response.status_code == 404 and response.json() == {"serial": "LW-NOPE", "status": "unknown"}

    def test_a_pending_certificate_is_not_yet_verifiable(self, client, certificate):
        Certificate.objects.filter(pk=certificate.pk).update(pdf_sha256="", signature="")
        assert client.get(verify_url(certificate.serial)).status_code == 404


class TestPdfUpload:
    def test_the_issued_file_matches(self, client, certificate):
        pdf = services.certificate_pdf(certificate=certificate)
        response = client.post(verify_url(certificate.serial), {"pdf": upload(pdf)})
        assert response.status_code == 200 and "The file matches" in response.content.decode()

    def test_an_edited_file_does_not_match(self, client, certificate):
        pdf = services.certificate_pdf(certificate=certificate)
        edited = pdf.replace(b"/Title", b"/TitlX", 1)
        response = client.post(verify_url(certificate.serial), {"pdf": upload(edited)})
        assert "does not match" in response.content.decode()

    def test_a_file_that_is_not_a_pdf_is_refused_clearly(self, client, certificate):
        response = client.post(verify_url(certificate.serial), {"pdf": upload(b"GIF89a...", "cat.pdf")})
        assert response.status_code == 400 and "not a PDF" in response.content.decode()

    def test_a_huge_file_is_refused_clearly(self, client, certificate, settings):
        settings.CERTIFICATE_UPLOAD_MAX_BYTES = 1000
        response = client.post(verify_url(certificate.serial), {"pdf": upload(b"%PDF-" + b"0" * 2000)})
        assert response.status_code == 400 and "larger than" in response.content.decode()

    def test_the_lookup_page_finds_a_certificate_by_its_file(self, client, certificate):
        pdf = services.certificate_pdf(certificate=certificate)
        response = client.post(reverse("certificates:verify_lookup"), {"pdf": upload(pdf)})
        assert certificate.serial in response.content.decode()
        response = client.post(reverse("certificates:verify_lookup"), {"pdf": upload(b"%PDF-1.4 other")})
        assert "not a certificate we issued" in response.content.decode()


class TestLearnerPanels:
    def test_dashboard_and_course_page_offer_the_download(self, client, certificate):
        client.force_login(certificate.user)
        for url in (reverse("learning:dashboard"), certificate.course.url):
            body = client.get(url).content.decode()
            assert "Download certificate (PDF)" in body and certificate.serial in body

    def test_the_panel_polls_while_the_pdf_is_built(self, client, certificate):
        Certificate.objects.filter(pk=certificate.pk).update(pdf_sha256="")
        client.force_login(certificate.user)
        url = reverse("certificates:panel", args=[certificate.enrollment_id])
        body = client.get(url, headers={"HX-Request": "true"}).content.decode()
        assert "being prepared" in body and f'hx-get="{url}"' in body

        Certificate.objects.filter(pk=certificate.pk).update(pdf_sha256=certificate.pdf_sha256)
        body = client.get(url, headers={"HX-Request": "true"}).content.decode()
        assert "Download certificate (PDF)" in body and "hx-get" not in body

    def test_nobody_else_sees_the_panel(self, client, certificate):
        client.force_login(UserFactory())
        assert client.get(reverse("certificates:panel", args=[certificate.enrollment_id])).status_code == 404

    def test_dashboard_queries_do_not_grow_with_certificates(
        self, client, catalogue, django_assert_max_num_queries, complete_course
    ):
        learner = UserFactory()
        client.force_login(learner)
        counts = []
        for batch in range(2):
            for n in range(1 + batch * 4):
                course = make_course(catalogue, title=f"Course {batch}-{n}", lessons_per_module=1, with_revisions=False)
                complete_course(learner, course, list(LessonPage.objects.live().descendant_of(course)))
            client.get(reverse("learning:dashboard"))
            with django_assert_max_num_queries(40) as captured:
                assert client.get(reverse("learning:dashboard")).status_code == 200
            counts.append(len(captured.captured_queries))
        assert learner.certificates.count() == 6
        assert counts[0] == counts[1]
