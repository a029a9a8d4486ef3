"""Admins find, inspect, revoke and reissue certificates in Wagtail's admin; nobody else sees them there."""

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from certificates import services
from certificates.models import Certificate, new_serial
from courses.tests.factories import make_course

pytestmark = pytest.mark.django_db

INDEX = reverse("certificates_admin:index")


def url(name, certificate):
    return reverse(f"certificates_admin:{name}", args=[certificate.pk])


def copy_certificate(certificate, **changes):
    """Another row like `certificate`; listings need many, and building each one's PDF would only be slow."""
    copy = Certificate.objects.get(pk=certificate.pk)
    copy.pk = None
    copy.serial = new_serial()
    copy.issue_number = Certificate.objects.filter(enrollment_id=certificate.enrollment_id).count() + 1
    for name, value in changes.items():
        setattr(copy, name, value)
    copy.save()
    return copy


def listed(client, **params):
    response = client.get(INDEX, params)
    assert response.status_code == 200
    return {certificate.serial for certificate in response.context["object_list"]}


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


# Who sees certificates


def test_admins_have_the_menu_item_and_see_the_listing(admin_client, certificate):
    assert INDEX in admin_client.get(reverse("wagtailadmin_home")).content.decode()
    response = admin_client.get(INDEX)
    html = response.content.decode()
    assert response.status_code == 200
    assert certificate.serial in html and certificate.learner_name in html and "Valid" in html
    assert url("inspect", certificate) in html
    assert url("revoke", certificate) in html and url("reissue", certificate) in html


def test_trainers_have_no_menu_item(client, trainer, certificate):
    client.force_login(trainer)
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    assert INDEX not in response.content.decode()


@pytest.mark.parametrize("name", ["index", "inspect", "revoke", "reissue"])
def test_trainers_are_refused_every_page(client, trainer, certificate, name):
    # Trainers are staff: even a model permission ticked on them by mistake does not open certificates.
    trainer.user_permissions.add(*Permission.objects.filter(content_type__app_label="certificates"))
    client.force_login(trainer)
    page = INDEX if name == "index" else url(name, certificate)
    response = client.get(page)
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    assert client.post(page, {"reason": "Because"}).status_code == 302


@pytest.mark.parametrize("name", ["index", "inspect", "revoke", "reissue"])
def test_learners_and_visitors_are_sent_to_sign_in(client, learner, certificate, name):
    page = INDEX if name == "index" else url(name, certificate)
    sign_in = reverse("accounts:sign_in")
    assert client.get(page)["Location"].startswith(sign_in)
    client.force_login(learner)
    response = client.post(page, {"reason": "Because"})
    assert response.status_code == 302 and response["Location"].startswith(sign_in)


def test_refused_posts_write_nothing(client, trainer, learner, certificate):
    for user in (trainer, learner):
        client.force_login(user)
        client.post(url("revoke", certificate), {"reason": "Because"})
        client.post(url("reissue", certificate), {"reason": "Because"})
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    assert Certificate.objects.count() == 1


def test_certificates_cannot_be_added_edited_or_deleted(admin_client, certificate):
    for name in ("add", "edit", "delete", "copy"):
        with pytest.raises(NoReverseMatch):
            reverse(f"certificates_admin:{name}")
    for path in ("new/", f"edit/{certificate.pk}/", f"delete/{certificate.pk}/"):
        assert admin_client.get(INDEX + path).status_code == 404
    html = admin_client.get(INDEX).content.decode() + admin_client.get(url("inspect", certificate)).content.decode()
    assert "Add certificate" not in html and ">Edit<" not in html and ">Delete<" not in html


# The listing


def test_the_listing_shows_the_newest_first(admin_client, certificate):
    older = copy_certificate(certificate, issued_at=certificate.issued_at - timedelta(days=3))
    newer = copy_certificate(certificate, issued_at=certificate.issued_at + timedelta(days=3))
    response = admin_client.get(INDEX)
    assert [c.serial for c in response.context["object_list"]] == [newer.serial, certificate.serial, older.serial]


def test_the_listing_filters_by_status(admin_client, certificate):
    revoked = copy_certificate(certificate)
    services.revoke_certificate(certificate=revoked, reason="Wrong name", by=None)
    pending = copy_certificate(certificate, pdf_sha256="")
    expired = copy_certificate(certificate, expires_at=timezone.now() - timedelta(days=1))
    expiring = copy_certificate(certificate, expires_at=timezone.now() + timedelta(days=1))
    assert listed(admin_client, status="valid") == {certificate.serial, expiring.serial}
    assert listed(admin_client, status="expired") == {expired.serial}
    assert listed(admin_client, status="revoked") == {revoked.serial}
    assert listed(admin_client, status="pending") == {pending.serial}
    assert listed(admin_client) == {certificate.serial, revoked.serial, pending.serial, expired.serial, expiring.serial}


def test_the_listing_filters_by_course_and_issue_date(admin_client, catalogue, trainer, certificate):
    other_course = make_course(catalogue, title="Advanced Testing", trainer=trainer, lessons_per_module=1)
    elsewhere = copy_certificate(certificate, course=other_course, course_title=other_course.title)
    old = copy_certificate(certificate, issued_at=datetime(2020, 5, 1, 12, tzinfo=certificate.issued_at.tzinfo))
    assert listed(admin_client, course=other_course.pk) == {elsewhere.serial}
    assert listed(admin_client, issued_at_from="2020-04-01", issued_at_to="2020-05-01") == {old.serial}


def test_the_listing_searches_serials_and_e_mail_addresses(admin_client, certificate, learner, admin_user):
    copy_certificate(certificate, user=admin_user, learner_name="Someone Else")
    assert listed(admin_client, q=certificate.serial[-9:].lower()) == {certificate.serial}
    assert listed(admin_client, q=learner.email) == {certificate.serial}
    assert listed(admin_client, q=certificate.learner_name) == {certificate.serial}


def test_the_listing_query_count_does_not_grow_with_rows(admin_client, certificate, django_assert_max_num_queries):
    admin_client.get(INDEX)  # the first admin visit creates the user's Wagtail profile
    for _ in range(2):
        copy_certificate(certificate)
    with CaptureQueriesContext(connection) as three:
        assert len(listed(admin_client)) == 3
    for _ in range(17):
        copy_certificate(certificate)
    with django_assert_max_num_queries(len(three)):
        assert len(listed(admin_client)) == 20


# Inspecting


def test_inspect_shows_the_certificate_and_its_links_but_not_its_signature(admin_client, certificate):
    response = admin_client.get(url("inspect", certificate))
    html = response.content.decode()
    assert response.status_code == 200
    assert certificate.serial in html and certificate.learner_name in html and certificate.pdf_sha256 in html
    assert certificate.signature not in html
    assert reverse("certificates:verify", args=[certificate.serial]) in html
    assert url("revoke", certificate) in html and url("reissue", certificate) in html
    download = response.context["download_url"]
    assert download in html
    pdf = admin_client.get(download)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_inspect_offers_no_revoke_once_revoked(admin_client, certificate, admin_user):
    services.revoke_certificate(certificate=certificate, reason="Wrong name", by=admin_user)
    html = admin_client.get(url("inspect", certificate)).content.decode()
    assert url("revoke", certificate) not in html
    assert "Wrong name" in html and url("reissue", certificate) in html


# Revoking


def test_revoking_with_a_reason(admin_client, certificate, admin_user):
    response = admin_client.post(url("revoke", certificate), {"reason": "Name misspelt"}, follow=True)
    assert response.redirect_chain == [(url("inspect", certificate), 302)]
    assert f"Certificate {certificate.serial} was revoked." in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.status == "revoked"
    assert certificate.revoked_reason == "Name misspelt" and certificate.revoked_by == admin_user


def test_revoking_without_a_reason_is_refused_and_writes_nothing(admin_client, certificate):
    response = admin_client.post(url("revoke", certificate), {"reason": "   "})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_revoking_twice_shows_the_services_refusal(admin_client, certificate):
    services.revoke_certificate(certificate=certificate, reason="First", by=None)
    response = admin_client.post(url("revoke", certificate), {"reason": "Second"})
    assert response.status_code == 409
    assert "already revoked" in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "First"


# Reissuing


def test_reissuing_replaces_the_certificate(admin_client, certificate, admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url("reissue", certificate), {"reason": "Learner changed name"})
    replacement = Certificate.objects.get(enrollment=certificate.enrollment, issue_number=2)
    assert response.status_code == 302 and response["Location"] == url("inspect", replacement)
    assert replacement.status == "valid"  # the PDF task ran on commit
    certificate.refresh_from_db()
    assert certificate.status == "revoked" and certificate.revoked_by == admin_user
    assert certificate.revoked_reason == f"Reissued as {replacement.serial}: Learner changed name"
    page = admin_client.get(response["Location"]).content.decode()
    assert f"was replaced by {replacement.serial}" in page


def test_reissuing_a_replaced_certificate_is_refused(admin_client, certificate):
    services.reissue_certificate(certificate=certificate, reason="First", by=None)
    response = admin_client.post(url("reissue", certificate), {"reason": "Again"})
    assert response.status_code == 409
    assert "already replaced" in response.content.decode()
    assert Certificate.objects.count() == 2


def test_reissuing_without_a_reason_is_refused(admin_client, certificate):
    response = admin_client.post(url("reissue", certificate), {"reason": ""})
    assert response.status_code == 400
    assert Certificate.objects.count() == 1
