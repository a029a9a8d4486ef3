"""The shared private-file door (lms_site/files.py): an X-Accel-Redirect when nginx sends files, the bytes when
Django streams them, and a signed bucket URL in bucket mode (tested against a real S3 server in
test_object_storage.py). The views that use it are tested in their apps."""

import logging

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.test import RequestFactory

from lms_site import files
from lms_site.storage import MediaFileSystemStorage

PDF = b"%PDF-1.7 pretend certificate\n" + bytes(range(256)) * 8


@pytest.fixture
def private_root(tmp_path):
    return tmp_path / "private"


@pytest.fixture
def certificates(private_root):
    storage = FileSystemStorage(location=private_root / "certificates")
    storage.save("LW-1234.pdf", ContentFile(PDF))
    return storage


@pytest.fixture
def nginx(settings, private_root):
    settings.SENDFILE_BACKEND = "django_sendfile.backends.nginx"
    settings.SENDFILE_ROOT = str(private_root)


def answer(storage, name="LW-1234.pdf", **options):
    options = {"content_type": "application/pdf", "filename": "certificate-LW-1234.pdf", **options}
    return files.private_file_response(RequestFactory().get("/download/"), storage=storage, name=name, **options)


def test_with_nginx_the_answer_is_an_x_accel_redirect_into_the_private_location(nginx, certificates):
    response = answer(certificates)

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/_private/certificates/LW-1234.pdf"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="certificate-LW-1234.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert response.content == b""
    assert "Content-Length" not in response  # nginx sets the file's own; the empty body is all Django sends


def test_with_nginx_names_that_need_quoting_reach_nginx_quoted_and_browsers_unmangled(nginx, private_root):
    exports = FileSystemStorage(location=private_root / "exports")
    name = exports.save("2026/report Ünï.csv", ContentFile(b"a,b\n"))

    response = answer(exports, name, content_type="text/csv; charset=utf-8", filename="Bericht Ünï.csv")

    assert response["X-Accel-Redirect"] == "/_private/exports/2026/report%20%C3%9Cn%C3%AF.csv"
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''Bericht%20%C3%9Cn%C3%AF.csv"
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_with_nginx_a_video_is_inline_and_nginx_answers_its_ranges(nginx, private_root):
    videos = FileSystemStorage(location=private_root / "media")
    videos.save("videos/2026/01/clip.mp4", ContentFile(b"\x00" * 100))
    request = RequestFactory().get("/stream/", headers={"Range": "bytes=10-19"})

    response = files.private_file_response(
        request,
        storage=videos,
        name="videos/2026/01/clip.mp4",
        content_type="video/mp4",
        attachment=False,
        cache_control="private, max-age=3600",
        ranges=True,
    )

    assert response.status_code == 200 and response.content == b""  # not 206: the range is nginx's to cut
    assert response["X-Accel-Redirect"] == "/_private/media/videos/2026/01/clip.mp4"
    assert response["Content-Disposition"] == "inline"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Cache-Control"] == "private, max-age=3600"


def test_without_nginx_django_streams_the_bytes(certificates):
    response = answer(certificates)

    assert response.status_code == 200
    assert "X-Accel-Redirect" not in response
    assert response.getvalue() == PDF
    assert response["Content-Length"] == str(len(PDF))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="certificate-LW-1234.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_store_outside_the_private_root_is_streamed_with_one_warning(nginx, tmp_path, caplog):
    elsewhere = FileSystemStorage(location=tmp_path / "old-volume" / "certificates")
    elsewhere.save("LW-1234.pdf", ContentFile(PDF))

    with caplog.at_level(logging.WARNING, logger="lms_site.files"):
        first, second = answer(elsewhere), answer(elsewhere)

    assert "X-Accel-Redirect" not in first and first.getvalue() == PDF
    assert second.getvalue() == PDF
    warnings = [record for record in caplog.records if "outside SENDFILE_ROOT" in record.getMessage()]
    assert len(warnings) == 1 and str(tmp_path / "old-volume" / "certificates") in warnings[0].getMessage()


def test_a_root_that_only_starts_like_the_private_root_is_outside_it(nginx, private_root):
    # "/srv/private-old" begins with "/srv/private" but is not inside it.
    lookalike = FileSystemStorage(location=f"{private_root}-old")
    lookalike.save("LW-1234.pdf", ContentFile(PDF))

    assert files.delivery(lookalike, "LW-1234.pdf") == "stream"


@pytest.mark.parametrize("sent_by_nginx", [True, False], ids=["nginx", "django"])
def test_a_missing_file_raises_for_the_view_to_answer(request, certificates, sent_by_nginx):
    if sent_by_nginx:
        request.getfixturevalue("nginx")
    with pytest.raises(FileNotFoundError):
        answer(certificates, "LW-0000.pdf")
    with pytest.raises(FileNotFoundError):
        answer(certificates, "LW-0000.pdf", ranges=True)


def test_a_bucket_storage_is_answered_with_a_signed_url_and_captions_stay_on_this_origin():
    from storages.backends.s3 import S3Storage

    bucket = S3Storage(bucket_name="learnwell", location="private/media")

    assert files.delivery(bucket, "videos/clip.mp4") == "signed_url"
    assert files.delivery(bucket, "videos/clip.vtt", same_origin=True) == "stream"


def test_byte_ranges_are_read_as_browsers_send_them():
    assert files.byte_range_of("bytes=0-9", 100) == (0, 9)
    assert files.byte_range_of("bytes=90-", 100) == (90, 99)
    assert files.byte_range_of("bytes=-10", 100) == (90, 99)
    assert files.byte_range_of("bytes=5-500", 100) == (5, 99)
    assert files.byte_range_of("bytes=0-1,5-9", 100) is None
    with pytest.raises(files.RangeNotSatisfiable):
        files.byte_range_of("bytes=100-", 100)


# Wagtail documents on the local disk: kept with the private files once documents_location is set.


def test_documents_live_in_their_private_directory_and_other_media_in_media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    media = MediaFileSystemStorage(documents_location=tmp_path / "private" / "documents")

    document = media.save("documents/notes.pdf", ContentFile(b"notes"))
    image = media.save("original_images/photo.png", ContentFile(b"png"))

    assert document == "documents/notes.pdf" and image == "original_images/photo.png"
    assert (tmp_path / "private" / "documents" / "notes.pdf").read_bytes() == b"notes"
    assert not (tmp_path / "media" / "documents").exists()
    assert (tmp_path / "media" / "original_images" / "photo.png").read_bytes() == b"png"
    assert media.open(document).read() == b"notes" and media.exists(document)
    assert media.listdir("documents") == ([], ["notes.pdf"])


def test_a_document_uploaded_before_they_moved_is_read_where_it_is(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    FileSystemStorage().save("documents/old.pdf", ContentFile(b"old"))
    media = MediaFileSystemStorage(documents_location=tmp_path / "private" / "documents")

    assert media.open("documents/old.pdf").read() == b"old"
    assert media.save("documents/new.pdf", ContentFile(b"new")) == "documents/new.pdf"
    assert (tmp_path / "private" / "documents" / "new.pdf").exists()


def test_without_a_documents_location_documents_stay_in_media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    MediaFileSystemStorage().save("documents/notes.pdf", ContentFile(b"notes"))

    assert (tmp_path / "media" / "documents" / "notes.pdf").exists()
