"""Upload checks (by content, not by name; within the size limits) and deleting an asset with its CDN copy."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat

from media_pipeline import services
from media_pipeline.models import VideoAsset

from .conftest import FAKE_MP4, FAKE_VTT

# An EBML header whose DocType element (id 0x4282, size 4) says "webm": what `filetype` looks for.
FAKE_WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + bytes(range(256)) * 8
FAKE_MOV = b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  " + bytes(range(256)) * 8
FAKE_PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"\n" * 200
FAKE_PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00" + b"\x00" * 200


def upload(content: bytes, name: str = "lecture.mp4", content_type: str = "video/mp4") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


# Upload checks


@pytest.mark.parametrize(
    ("content", "expected"),
    [(FAKE_MP4, "video/mp4"), (FAKE_WEBM, "video/webm"), (FAKE_MOV, "video/quicktime")],
    ids=["mp4", "webm", "mov"],
)
def test_inspect_video_accepts_the_videos_browsers_play(content, expected):
    file = upload(content)
    file.read(10)

    assert services.inspect_video(file) == expected
    assert file.tell() == 0  # rewound for whoever saves it next


@pytest.mark.parametrize(
    ("content", "detected"), [(FAKE_PDF, "application/pdf"), (FAKE_PNG, "image/png")], ids=["pdf", "png"]
)
def test_inspect_video_judges_by_content_not_by_name(content, detected):
    with pytest.raises(services.UploadRejected) as refused:
        services.inspect_video(upload(content, name="lecture.mp4", content_type="video/mp4"))

    message = str(refused.value)
    assert detected in message
    assert "MP4" in message and "WebM" in message
    assert refused.value.status_code == 400


def test_inspect_video_refuses_what_it_cannot_identify():
    with pytest.raises(services.UploadRejected, match="not a video we can stream") as refused:
        services.inspect_video(upload(b"just some text, renamed" * 10))

    assert "looks like" not in str(refused.value)


def test_inspect_video_refuses_a_file_over_the_limit_naming_the_limit(settings):
    settings.MEDIA_VIDEO_MAX_BYTES = 5 * 1024

    with pytest.raises(services.UploadRejected) as refused:
        services.inspect_video(upload(FAKE_MP4))  # 10 KB

    message = str(refused.value).replace("\xa0", " ")
    assert "the limit is 5.0 KB" in message
    assert filesizeformat(len(FAKE_MP4)).replace("\xa0", " ") in message


def test_inspect_video_accepts_a_file_exactly_at_the_limit(settings):
    settings.MEDIA_VIDEO_MAX_BYTES = len(FAKE_MP4)

    assert services.inspect_video(upload(FAKE_MP4)) == "video/mp4"


@pytest.mark.parametrize("content", [FAKE_VTT, b"\xef\xbb\xbf" + FAKE_VTT], ids=["plain", "with-bom"])
def test_inspect_captions_accepts_webvtt(content):
    file = upload(content, name="captions.vtt", content_type="text/vtt")

    assert services.inspect_captions(file) is None
    assert file.tell() == 0


@pytest.mark.parametrize(
    "content",
    [b"1\n00:00:00,000 --> 00:00:01,000\nHello\n", FAKE_PDF, b"", b"webvtt\n\nlower case is not WebVTT\n"],
    ids=["srt", "pdf", "empty", "lowercase"],
)
def test_inspect_captions_refuses_anything_but_webvtt(content):
    with pytest.raises(services.UploadRejected, match="WebVTT"):
        services.inspect_captions(upload(content, name="captions.vtt", content_type="text/vtt"))


def test_inspect_captions_refuses_a_file_over_the_limit(settings):
    settings.MEDIA_CAPTIONS_MAX_BYTES = 1024

    with pytest.raises(services.UploadRejected) as refused:
        services.inspect_captions(upload(FAKE_VTT + b"\n" * 2000, name="captions.vtt", content_type="text/vtt"))

    assert "1.0 KB" in str(refused.value).replace("\xa0", " ")


# Deleting


@pytest.fixture
def asset_on_imagekit(fake_imagekit, make_asset, django_capture_on_commit_callbacks):
    """An asset with captions, pushed to the fake ImageKit by register_upload and its task."""
    asset = make_asset(captions=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.register_upload(asset=asset)
    asset.refresh_from_db()
    assert asset.is_ready and asset.backend == "imagekit"
    fake_imagekit.clear()
    return asset


def stored_names(asset):
    return [field.name for field in (asset.file, asset.captions) if field]


def test_deleting_an_unused_asset_deletes_its_cdn_copy_row_and_files(
    asset_on_imagekit, fake_imagekit, django_capture_on_commit_callbacks
):
    asset = asset_on_imagekit
    storage, names = asset.file.storage, stored_names(asset)
    assert len(names) == 2 and all(storage.exists(name) for name in names)

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_video_asset(asset=asset)

    assert [(r.method, r.path) for r in fake_imagekit.requests] == [("DELETE", f"/v1/files/{asset.remote_file_id}")]
    assert fake_imagekit.files == {}
    assert not VideoAsset.objects.filter(pk=asset.pk).exists()
    assert not any(storage.exists(name) for name in names)


def test_when_the_cdn_refuses_to_delete_nothing_is_deleted(
    asset_on_imagekit, fake_imagekit, django_capture_on_commit_callbacks
):
    asset = asset_on_imagekit
    storage, names = asset.file.storage, stored_names(asset)
    fake_imagekit.fail_next(status=500, message="Deletion is unavailable.", method="DELETE")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.RemoteDeleteFailed) as refused:
        services.delete_video_asset(asset=asset)

    assert "nothing was deleted" in str(refused.value)
    assert refused.value.status_code == 502
    assert len(fake_imagekit.deletions) == 1
    assert asset.remote_file_id in fake_imagekit.files
    assert VideoAsset.objects.filter(pk=asset.pk).exists()
    assert all(storage.exists(name) for name in names)


def test_an_asset_a_lesson_uses_is_not_deleted(
    asset_on_imagekit, fake_imagekit, lessons, django_capture_on_commit_callbacks
):
    asset = asset_on_imagekit
    storage, names = asset.file.storage, stored_names(asset)
    lesson = lessons[0]
    lesson.body.append(("video_asset", {"asset": asset, "complete_at_percent": 90}))
    lesson.save_revision().publish()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.AssetInUse) as refused:
        services.delete_video_asset(asset=asset)

    assert lesson.title in str(refused.value)
    assert asset.title in str(refused.value)
    assert [usage.title for usage in refused.value.usages] == [lesson.title]
    assert refused.value.status_code == 409
    assert fake_imagekit.requests == []
    assert asset.remote_file_id in fake_imagekit.files
    assert VideoAsset.objects.filter(pk=asset.pk).exists()
    assert all(storage.exists(name) for name in names)


def test_deleting_a_local_asset_removes_its_files(local_media_backend, make_asset, django_capture_on_commit_callbacks):
    asset = make_asset(captions=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.register_upload(asset=asset)
    asset.refresh_from_db()
    assert asset.backend == "local"
    storage, names = asset.file.storage, stored_names(asset)

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_video_asset(asset=asset)

    assert not VideoAsset.objects.filter(pk=asset.pk).exists()
    assert not any(storage.exists(name) for name in names)


def test_an_asset_only_a_draft_uses_is_not_deleted(asset_on_imagekit, fake_imagekit, lessons):
    asset = asset_on_imagekit
    lesson = lessons[1]
    lesson.body.append(("video_asset", {"asset": asset, "complete_at_percent": None}))
    lesson.save_revision()  # saved, not published: publishing it later must not find the video gone

    with pytest.raises(services.AssetInUse) as refused:
        services.delete_video_asset(asset=asset)

    assert [usage.title for usage in refused.value.usages] == [lesson.title]
    assert fake_imagekit.requests == []
    assert VideoAsset.objects.filter(pk=asset.pk).exists()
