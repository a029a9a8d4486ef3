"""Wagtail documents through the private-file door (lms_site/documents.py): a collection's view restrictions
decide who gets a document, and the bytes come from the private documents directory, never from MEDIA_ROOT."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model
from wagtail.models import Collection, CollectionViewRestriction

from accounts.tests.factories import UserFactory
from lms_site.tests.stores import local_store

pytestmark = pytest.mark.django_db

NOTES = b"%PDF-1.7 course notes\n" + bytes(range(256)) * 4


@pytest.fixture(autouse=True)
def _documents_in_tmp(settings, tmp_path):
    local_store(
        settings,
        "default",
        tmp_path / "documents",
        backend="lms_site.storage.MediaFileSystemStorage",
        documents_location=str(tmp_path / "documents"),
    )


def collection(name: str, restriction: str | None = None, **fields) -> Collection:
    child = Collection.get_first_root_node().add_child(name=name)
    if restriction:
        rule = CollectionViewRestriction.objects.create(collection=child, restriction_type=restriction, **fields)
        return rule
    return child


def document(in_collection: Collection, name: str = "notes.pdf", content: bytes = NOTES):
    """A document as the admin's upload form saves one: with its size and hash."""
    uploaded = get_document_model()(title=name, file=ContentFile(content, name=name), collection=in_collection)
    uploaded._set_document_file_metadata()
    uploaded.save()
    return uploaded


@pytest.fixture
def public_document():
    return document(collection("Handouts"))


@pytest.fixture
def login_document():
    return document(collection("Members", CollectionViewRestriction.LOGIN).collection)


def test_a_document_url_is_the_serve_view_and_its_file_is_outside_media_root(public_document, settings, tmp_path):
    assert public_document.url == f"/documents/{public_document.pk}/notes.pdf"
    assert (tmp_path / "documents" / "notes.pdf").read_bytes() == NOTES
    assert not (settings.MEDIA_ROOT / "documents").exists()


def test_a_public_document_is_streamed_to_anyone_and_never_runs_as_a_page(client, public_document):
    response = client.get(public_document.url)

    assert response.status_code == 200 and response.getvalue() == NOTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="notes.pdf"'  # PDFs open in the browser
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]


def test_other_types_are_attachments(client):
    sheet = document(collection("Sheets"), "sales.csv", b"a,b\n1,2\n")
    response = client.get(sheet.url)
    assert response["Content-Disposition"] == 'attachment; filename="sales.csv"'
    assert response["Content-Type"].startswith("text/csv")


def test_a_login_restricted_document_is_for_signed_in_people_only(client, login_document, learner):
    anonymous = client.get(login_document.url)
    assert anonymous.status_code == 302 and b"course notes" not in anonymous.content

    client.force_login(learner)
    response = client.get(login_document.url)
    assert response.status_code == 200 and response.getvalue() == NOTES


def test_a_group_restricted_document_is_for_its_groups_and_superusers(client, learner, admin_user):
    group = Group.objects.create(name="Cohort 2026")
    rule = collection("Cohort", CollectionViewRestriction.GROUPS)
    rule.groups.add(group)
    cohort_notes = document(rule.collection)

    client.force_login(learner)
    refused = client.get(cohort_notes.url)
    assert refused.status_code == 302 and "X-Accel-Redirect" not in refused
    member = UserFactory(role="learner")
    member.groups.add(group)
    client.force_login(member)
    assert client.get(cohort_notes.url).getvalue() == NOTES
    client.force_login(admin_user)
    assert client.get(cohort_notes.url).status_code == 200


def test_a_password_restricted_document_asks_for_the_password_first(client):
    rule = collection("Board", CollectionViewRestriction.PASSWORD, password="open sesame")
    minutes = document(rule.collection, "minutes.pdf")

    form = client.get(minutes.url)
    assert form.status_code == 200 and b"password" in form.content.lower() and NOTES not in form.content
    client.post(f"/documents/authenticate_with_password/{rule.pk}/", {"password": "wrong", "return_url": "/"})
    still_form = client.get(minutes.url)
    assert still_form.status_code == 200 and NOTES not in still_form.content
    client.post(f"/documents/authenticate_with_password/{rule.pk}/", {"password": "open sesame", "return_url": "/"})
    assert client.get(minutes.url).getvalue() == NOTES


@pytest.mark.parametrize("path", ["/documents/{pk}/other.pdf", "/documents/999999/notes.pdf"])
def test_a_wrong_name_or_id_is_not_found(client, public_document, path):
    assert client.get(path.format(pk=public_document.pk)).status_code == 404


def test_an_id_no_document_can_have_is_left_to_the_page_tree(client, public_document):
    # No match for the documents URL; Wagtail's catch-all adds the slash pages end with, and finds nothing.
    assert client.get(f"/documents/{'9' * 25}/notes.pdf").status_code in {301, 404}


def test_a_missing_file_is_not_found(client, public_document, tmp_path):
    (tmp_path / "documents" / "notes.pdf").unlink()
    assert client.get(public_document.url).status_code == 404


def test_an_unchanged_document_is_not_sent_again(client, public_document):
    first = client.get(public_document.url)
    again = client.get(public_document.url, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304


def test_with_nginx_a_restricted_document_leaves_by_x_accel_redirect_after_the_check(
    client, login_document, learner, nginx_sends_private_files
):
    assert client.get(login_document.url).status_code == 302  # the check still runs first

    client.force_login(learner)
    response = client.get(login_document.url)
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == "/_private/documents/notes.pdf"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="notes.pdf"'
    assert "ETag" not in response  # nginx answers conditional requests for what it sends
