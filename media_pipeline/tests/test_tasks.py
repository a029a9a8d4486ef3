"""The upload task end to end: register_upload queues it on commit, it pushes the file through the real
imagekitio SDK to a fake ImageKit server (or keeps it local), retries with backoff, and is idempotent."""

import socket

import pytest

from media_pipeline import services, tasks
from media_pipeline.models import AssetStatus, VideoAsset

from .conftest import FAKE_IMAGEKIT_FOLDER, FAKE_IMAGEKIT_PRIVATE_KEY, FAKE_MP4
from .fake_imagekit import LIST_PATH, UPLOAD_PATH

pytestmark = pytest.mark.django_db


def register_and_commit(asset, capture, *, by=None):
    """register_upload as the admin view calls it, then the commit that runs the queued (eager) task."""
    with capture(execute=True) as callbacks:
        services.register_upload(asset=asset, by=by)
        asset.refresh_from_db()
        assert asset.status == AssetStatus.UPLOADING  # nothing is pushed before the save commits
    assert len(callbacks) == 1
    asset.refresh_from_db()
    return asset


@pytest.fixture
def recorded_countdowns(monkeypatch):
    """The countdowns the task asks Celery to wait before each retry (eager mode runs them at once)."""
    countdowns = []
    original_retry = tasks.push_video_asset.retry

    def retry(*args, **kwargs):
        countdowns.append(kwargs.get("countdown"))
        return original_retry(*args, **kwargs)

    monkeypatch.setattr(tasks.push_video_asset, "retry", retry)
    return countdowns


def test_register_upload_pushes_the_file_to_imagekit_once(
    fake_imagekit, make_asset, trainer, django_capture_on_commit_callbacks
):
    asset = make_asset(content_type="", size_bytes=0)

    asset = register_and_commit(asset, django_capture_on_commit_callbacks, by=trainer)

    assert len(fake_imagekit.uploads) == 1
    upload = fake_imagekit.uploads[0]
    assert upload.form["fileName"] == asset.remote_name
    assert upload.form["folder"] == FAKE_IMAGEKIT_FOLDER
    assert upload.form["useUniqueFileName"] == "false"
    assert upload.form["overwriteFile"] == "true"
    assert upload.form["isPrivateFile"] == "true"
    assert upload.form["tags"] == f"learnwell,asset-{asset.pk}"
    assert upload.file.content == FAKE_MP4
    assert upload.file.filename == asset.remote_name
    assert upload.basic_auth[0] == FAKE_IMAGEKIT_PRIVATE_KEY
    assert upload.header("content-type").startswith("multipart/form-data; boundary=")

    # The lookup for an earlier upload comes first, in the asset's folder, by its exact name.
    assert [(request.method, request.path) for request in fake_imagekit.requests] == [
        ("GET", LIST_PATH),
        ("POST", UPLOAD_PATH),
    ]
    listing = fake_imagekit.listings[0]
    assert listing.query["path"] == FAKE_IMAGEKIT_FOLDER
    assert listing.query["searchQuery"] == f'name = "{asset.remote_name}"'
    assert all(request.basic_auth[0] == FAKE_IMAGEKIT_PRIVATE_KEY for request in fake_imagekit.requests)

    stored = fake_imagekit.file_named(asset.remote_name)
    assert stored["filePath"] == f"{FAKE_IMAGEKIT_FOLDER}/{asset.remote_name}"
    assert stored["isPrivateFile"] is True
    assert fake_imagekit.contents[stored["fileId"]] == FAKE_MP4

    assert asset.status == AssetStatus.READY
    assert asset.backend == "imagekit"
    assert asset.remote_file_id == stored["fileId"]
    assert asset.remote_path == stored["filePath"]
    assert asset.upload_attempts == 1
    assert asset.failure_reason == ""
    assert asset.content_type == "video/mp4"
    assert asset.size_bytes == len(FAKE_MP4)
    assert asset.uploaded_by == trainer


@pytest.mark.parametrize("status", [500, 429])
def test_a_failing_upload_is_retried_with_backoff_until_it_succeeds(
    status, fake_imagekit, make_asset, recorded_countdowns, django_capture_on_commit_callbacks
):
    fake_imagekit.fail_uploads(2, status=status, message="Try again later.")

    asset = register_and_commit(make_asset(), django_capture_on_commit_callbacks)

    assert len(fake_imagekit.uploads) == 3
    assert len(fake_imagekit.listings) == 3  # each attempt looks for an earlier upload first
    assert recorded_countdowns == [30, 60]
    assert asset.status == AssetStatus.READY
    assert asset.upload_attempts == 3
    assert asset.failure_reason == ""
    assert asset.remote_file_id == fake_imagekit.file_named(asset.remote_name)["fileId"]
    assert len(fake_imagekit.files) == 1


def test_an_upload_that_keeps_failing_ends_failed_with_the_reason(
    fake_imagekit, make_asset, recorded_countdowns, django_capture_on_commit_callbacks
):
    fake_imagekit.fail_uploads(None, status=500, message="ImageKit is having a bad day.")

    asset = register_and_commit(make_asset(), django_capture_on_commit_callbacks)

    assert len(fake_imagekit.uploads) == tasks.MAX_RETRIES + 1
    assert recorded_countdowns == [30, 60, 120, 240, 480]
    assert asset.status == AssetStatus.FAILED
    assert asset.upload_attempts == 6
    assert "InternalServerError" in asset.failure_reason
    assert "500" in asset.failure_reason
    assert "ImageKit is having a bad day." in asset.failure_reason
    assert asset.remote_file_id == ""
    assert asset.backend == ""
    assert fake_imagekit.files == {}


def test_an_attempt_that_is_not_the_last_leaves_the_asset_uploading_with_the_reason(fake_imagekit, make_asset):
    asset = make_asset()
    fake_imagekit.fail_uploads(1, status=429, message="Too many requests.")

    with pytest.raises(Exception, match="Too many requests"):
        services.push_to_backend(asset=asset, final_attempt=False)

    asset.refresh_from_db()
    assert asset.status == AssetStatus.UPLOADING
    assert asset.upload_attempts == 1
    assert "RateLimitError" in asset.failure_reason


def test_a_retry_adopts_a_file_already_on_imagekit_instead_of_uploading_again(
    fake_imagekit, make_asset, django_capture_on_commit_callbacks
):
    asset = register_and_commit(make_asset(), django_capture_on_commit_callbacks)
    uploaded = fake_imagekit.file_named(asset.remote_name)
    # The worker uploaded the file, then died before recording it: the row still says "uploading".
    VideoAsset.objects.filter(pk=asset.pk).update(
        status=AssetStatus.UPLOADING, backend="", remote_file_id="", remote_path="", upload_attempts=0
    )
    fake_imagekit.clear()

    assert tasks.push_video_asset.delay(asset.pk).get() == AssetStatus.READY

    assert fake_imagekit.uploads == []
    assert len(fake_imagekit.listings) == 1
    asset.refresh_from_db()
    assert asset.status == AssetStatus.READY
    assert asset.backend == "imagekit"
    assert asset.remote_file_id == uploaded["fileId"]
    assert asset.remote_path == uploaded["filePath"]
    assert asset.upload_attempts == 1
    assert len(fake_imagekit.files) == 1


def test_a_file_another_asset_uploaded_under_a_different_name_is_not_adopted(fake_imagekit, make_asset):
    asset = make_asset()
    fake_imagekit.add_file(f"asset-{asset.pk + 1}.mp4", folder=FAKE_IMAGEKIT_FOLDER, content=b"other")
    fake_imagekit.add_file(asset.remote_name, folder="/elsewhere", content=b"other folder")

    tasks.push_video_asset.delay(asset.pk)

    assert len(fake_imagekit.uploads) == 1
    asset.refresh_from_db()
    assert asset.remote_path == f"{FAKE_IMAGEKIT_FOLDER}/{asset.remote_name}"


def test_running_the_task_again_for_a_ready_asset_sends_nothing(
    fake_imagekit, make_asset, django_capture_on_commit_callbacks
):
    asset = register_and_commit(make_asset(), django_capture_on_commit_callbacks)
    fake_imagekit.clear()

    assert tasks.push_video_asset.delay(asset.pk).get() == AssetStatus.READY

    assert fake_imagekit.requests == []
    refreshed = VideoAsset.objects.get(pk=asset.pk)
    assert refreshed.upload_attempts == 1
    assert refreshed.remote_file_id == asset.remote_file_id


def test_the_task_for_a_deleted_asset_does_nothing(fake_imagekit, make_asset):
    asset = make_asset()
    asset_id = asset.pk
    asset.delete()

    assert tasks.push_video_asset.delay(asset_id).get() is None
    assert fake_imagekit.requests == []


@pytest.mark.parametrize("status", [AssetStatus.UPLOADING, AssetStatus.READY])
def test_only_a_failed_upload_can_be_retried(status, fake_imagekit, make_asset, django_capture_on_commit_callbacks):
    asset = make_asset(status=status)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.NotRetryable):
        services.retry_upload(asset=asset)

    assert fake_imagekit.requests == []
    assert VideoAsset.objects.get(pk=asset.pk).status == status


def test_retrying_a_failed_upload_makes_it_ready(fake_imagekit, make_asset, django_capture_on_commit_callbacks):
    fake_imagekit.fail_uploads(None, status=500, message="Down for maintenance.")
    asset = register_and_commit(make_asset(), django_capture_on_commit_callbacks)
    assert asset.status == AssetStatus.FAILED
    fake_imagekit.stop_failing()
    fake_imagekit.clear()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.retry_upload(asset=asset)
        assert VideoAsset.objects.get(pk=asset.pk).status == AssetStatus.UPLOADING
    assert len(callbacks) == 1

    asset.refresh_from_db()
    assert asset.status == AssetStatus.READY
    assert asset.failure_reason == ""
    assert asset.upload_attempts == 7
    assert len(fake_imagekit.uploads) == 1
    assert asset.remote_file_id == fake_imagekit.file_named(asset.remote_name)["fileId"]


def test_without_imagekit_the_file_stays_local_and_nothing_touches_the_network(
    local_media_backend, make_asset, monkeypatch, django_capture_on_commit_callbacks
):
    def no_network(*args, **kwargs):
        raise AssertionError("the local backend must not open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr("media_pipeline.backends._client", no_network)

    asset = register_and_commit(make_asset(), django_capture_on_commit_callbacks)

    assert asset.status == AssetStatus.READY
    assert asset.backend == "local"
    assert asset.remote_path == asset.file.name
    assert asset.remote_file_id == f"local:{asset.file.name}"
    assert asset.upload_attempts == 1
    assert asset.file.storage.exists(asset.file.name)
    with asset.file.open("rb") as stream:
        assert stream.read() == FAKE_MP4


def test_replacing_the_file_uploads_the_new_one_and_removes_the_old_copies(
    fake_imagekit, make_asset, django_capture_on_commit_callbacks
):
    from django.core.files.base import ContentFile

    asset = register_and_commit(make_asset(), django_capture_on_commit_callbacks)
    old_id, old_name, old_remote_name = asset.remote_file_id, asset.file.name, asset.remote_name
    before = VideoAsset.objects.get(pk=asset.pk)

    new_bytes = FAKE_MP4 + b"a better take"
    asset.file.save("welcome-v2.mp4", ContentFile(new_bytes), save=False)
    asset.save(update_fields=["file"])
    with django_capture_on_commit_callbacks(execute=True):
        services.register_upload(asset=asset, replacing=before)

    asset.refresh_from_db()
    assert asset.status == AssetStatus.READY and asset.remote_name != old_remote_name
    assert asset.remote_file_id != old_id
    assert [upload.form["fileName"] for upload in fake_imagekit.uploads] == [old_remote_name, asset.remote_name]
    assert fake_imagekit.uploads[-1].file.content == new_bytes
    assert [deletion.path for deletion in fake_imagekit.deletions] == [f"/v1/files/{old_id}"]
    assert not asset.file.storage.exists(old_name) and asset.file.storage.exists(asset.file.name)


def test_an_upload_of_a_file_replaced_meanwhile_does_not_mark_the_asset_ready(fake_imagekit, make_asset, monkeypatch):
    from media_pipeline.backends import ImageKitBackend

    asset = make_asset()
    upload = ImageKitBackend.upload

    def upload_while_an_editor_replaces_the_file(self, uploading):
        VideoAsset.objects.filter(pk=uploading.pk).update(file="videos/replaced-meanwhile.mp4")
        return upload(self, uploading)

    monkeypatch.setattr(ImageKitBackend, "upload", upload_while_an_editor_replaces_the_file)
    services.push_to_backend(asset=asset, final_attempt=True)

    asset.refresh_from_db()
    assert len(fake_imagekit.uploads) == 1
    assert asset.status == AssetStatus.UPLOADING and asset.remote_file_id == ""
