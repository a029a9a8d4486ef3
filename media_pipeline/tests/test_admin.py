"""The media library in Wagtail's admin: admins and trainers upload, list, retry and delete videos; uploads
are checked by content before anything is written; a video a lesson uses cannot be deleted."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import ModelLogEntry

from media_pipeline import selectors, services
from media_pipeline.forms import VideoAssetForm
from media_pipeline.models import AssetStatus, VideoAsset
from media_pipeline.viewsets import VideoAssetPermissionPolicy

from . import videos
from .conftest import FAKE_MP4, FAKE_MP4_SECONDS, FAKE_VTT

pytestmark = pytest.mark.django_db

FAKE_WEBM = videos.webm(30.2)
FAKE_PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"\x00" * 100


def url(name, *args):
    return reverse(VideoAsset.snippet_viewset.get_url_name(name), args=args)


INDEX = "list"


@pytest.fixture(autouse=True)
def _local_media(private_media, local_media_backend):
    """Every test here: private files in tmp, and the local backend, so uploads finish without a network."""


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def trainer_client(client, trainer):
    client.force_login(trainer)
    return client


def video(content=FAKE_MP4, name="intro.mp4", content_type="video/mp4"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def form_data(**overrides):
    data = {"title": "Intro", "file": video(), "duration_seconds": "95", "captions_language": "en", "poster": ""}
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def upload(client, capture, **overrides):
    """Posts the create form, running the upload task the commit queues (Celery is eager in tests)."""
    with capture(execute=True):
        return client.post(url("add"), form_data(**overrides))


def stored_files(root):
    return sorted(path.name for path in root.rglob("*") if path.is_file()) if root.exists() else []


def place_in_lesson(lesson, asset, capture):
    """Puts the asset in the lesson's body with the lesson video block, as an editor does, and publishes."""
    lesson.body = [{"type": "video_asset", "value": {"asset": asset.pk, "complete_at_percent": None}}]
    with capture(execute=True):  # Wagtail updates the reference index in a task queued on commit
        lesson.save_revision().publish()
    assert [usage.title for usage in selectors.asset_usage(asset=asset)] == [lesson.title]


# Who may use the library


def test_the_policy_allows_admins_and_trainers_everything_and_learners_nothing(admin_user, trainer, learner):
    policy = VideoAssetPermissionPolicy(VideoAsset)
    for action in ("add", "change", "delete", "view", "choose"):
        assert policy.user_has_permission(admin_user, action)
        assert policy.user_has_permission(trainer, action)
        assert not policy.user_has_permission(learner, action)
    assert not policy.user_has_permission(trainer, "publish")
    trainer.is_banned = True
    trainer.save()
    assert not policy.user_has_permission(trainer, "add")
    assert set(policy.users_with_permission("add")) == {admin_user}


@pytest.mark.parametrize("role", ["admin_user", "trainer"])
def test_admins_and_trainers_have_the_videos_menu_item_and_listing(client, role, request):
    client.force_login(request.getfixturevalue(role))
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert url(INDEX) in home and "Videos" in home
    assert client.get(url(INDEX)).status_code == 200
    assert client.get(url("add")).status_code == 200


def test_learners_are_sent_to_sign_in_and_cannot_upload(
    client, learner, make_asset, django_capture_on_commit_callbacks
):
    asset = make_asset()
    client.force_login(learner)
    sign_in = reverse("accounts:sign_in")
    for page in (url(INDEX), url("add"), url("edit", asset.pk), url("delete", asset.pk), url("retry_upload", asset.pk)):
        assert client.get(page)["Location"].startswith(sign_in)
    response = upload(client, django_capture_on_commit_callbacks, title="Sneaky")
    assert response.status_code == 302 and response["Location"].startswith(sign_in)
    assert client.post(url("delete", asset.pk)).status_code == 302
    assert list(VideoAsset.objects.values_list("title", flat=True)) == [asset.title]


def test_trainers_can_open_the_chooser(trainer_client, trainer, make_asset):
    asset = make_asset(title="Chooseable", uploaded_by=trainer)
    response = trainer_client.get(reverse("wagtailsnippetchoosers_media_pipeline_videoasset:choose"))
    assert response.status_code == 200
    assert "Chooseable" in response.json()["html"]
    assert asset.pk


# Uploading


@pytest.mark.parametrize("role", ["admin_user", "trainer"])
def test_admins_and_trainers_upload_a_video_that_becomes_ready(
    client, role, request, private_media, django_capture_on_commit_callbacks
):
    user = request.getfixturevalue(role)
    client.force_login(user)

    response = upload(client, django_capture_on_commit_callbacks, captions=SimpleUploadedFile("intro.vtt", FAKE_VTT))

    assert response.status_code == 302 and response["Location"] == url(INDEX)
    asset = VideoAsset.objects.get()
    assert asset.title == "Intro" and asset.duration_seconds == 95
    assert asset.status == AssetStatus.READY and asset.backend == "local"
    assert asset.content_type == "video/mp4" and asset.size_bytes == len(FAKE_MP4)
    assert asset.uploaded_by == user and asset.upload_attempts == 1
    assert asset.remote_path == asset.file.name
    assert asset.file.read() == FAKE_MP4 and asset.captions.read() == FAKE_VTT
    assert (private_media / asset.file.name).exists()


def test_a_webm_is_accepted_and_its_type_comes_from_its_content(admin_client, django_capture_on_commit_callbacks):
    upload(admin_client, django_capture_on_commit_callbacks, file=video(FAKE_WEBM, "talk.mp4", "video/mp4"))
    asset = VideoAsset.objects.get()
    assert asset.content_type == "video/webm" and asset.status == AssetStatus.READY


def test_a_pdf_named_mp4_is_refused_with_a_field_error_and_nothing_is_written(
    admin_client, private_media, django_capture_on_commit_callbacks
):
    response = upload(
        admin_client, django_capture_on_commit_callbacks, file=video(FAKE_PDF, "lecture.mp4", "video/mp4")
    )

    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert errors == [
        "This file is not a video we can stream (it looks like application/pdf). Upload MP4, WebM, QuickTime (MOV)."
    ]
    assert "not a video we can stream" in response.content.decode()
    assert not VideoAsset.objects.exists()
    assert stored_files(private_media) == []


def test_a_video_over_the_size_limit_is_refused(
    admin_client, settings, private_media, django_capture_on_commit_callbacks
):
    settings.MEDIA_VIDEO_MAX_BYTES = 100

    response = upload(admin_client, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    [error] = response.context["form"].errors["file"]
    assert "the limit is 100\xa0bytes" in error
    assert not VideoAsset.objects.exists()
    assert stored_files(private_media) == []


def test_captions_that_are_not_webvtt_are_refused(admin_client, private_media, django_capture_on_commit_callbacks):
    srt = SimpleUploadedFile("intro.vtt", b"1\n00:00:00,000 --> 00:00:01,000\nHello\n", content_type="text/vtt")

    response = upload(admin_client, django_capture_on_commit_callbacks, captions=srt)

    assert response.status_code == 200
    assert response.context["form"].errors["captions"] == [
        "Captions must be a WebVTT file: its first line reads WEBVTT."
    ]
    assert not VideoAsset.objects.exists()
    assert stored_files(private_media) == []


def test_the_duration_is_read_from_the_file_when_the_editor_leaves_it_empty_or_zero(
    admin_client, django_capture_on_commit_callbacks
):
    form = admin_client.get(url("add")).content.decode()
    assert "Read from the file when you upload it" in form  # the field says so

    upload(admin_client, django_capture_on_commit_callbacks, title="Empty", duration_seconds="")
    upload(admin_client, django_capture_on_commit_callbacks, title="Zero", duration_seconds="0")
    upload(
        admin_client,
        django_capture_on_commit_callbacks,
        title="Camera",
        duration_seconds="",
        file=video(videos.mp4(3725.2, version=1, moov_last=True), "camera.mov", "video/mp4"),
    )

    durations = dict(VideoAsset.objects.values_list("title", "duration_seconds"))
    assert durations == {"Empty": FAKE_MP4_SECONDS, "Zero": FAKE_MP4_SECONDS, "Camera": 3725}


def test_a_duration_the_editor_typed_beside_the_upload_wins(admin_client, django_capture_on_commit_callbacks):
    upload(admin_client, django_capture_on_commit_callbacks, duration_seconds="90")
    assert VideoAsset.objects.get().duration_seconds == 90 != FAKE_MP4_SECONDS


def test_a_webm_that_does_not_record_its_length_is_saved_with_an_unknown_duration(
    admin_client, django_capture_on_commit_callbacks
):
    recording = video(videos.webm(None), "recording.webm", "video/webm")
    response = upload(admin_client, django_capture_on_commit_callbacks, file=recording, duration_seconds="")
    assert response.status_code == 302
    assert VideoAsset.objects.get().duration_seconds == 0
    assert "—" in admin_client.get(url(INDEX)).content.decode()  # the listing's "unknown"


@pytest.mark.parametrize(
    "broken",
    [
        FAKE_MP4[: len(FAKE_MP4) // 2],  # the upload was cut off in the middle of the media data
        videos.box(b"ftyp", b"mp42\x00\x00\x00\x00mp42isom") + videos.box(b"mdat", videos.FILLER),  # no moov
        FAKE_WEBM[:-60],
    ],
    ids=["cut-off", "no-movie-header", "cut-off-webm"],
)
def test_a_damaged_video_gets_a_clear_field_error_and_nothing_is_written(
    admin_client, private_media, django_capture_on_commit_callbacks, broken
):
    response = upload(admin_client, django_capture_on_commit_callbacks, file=video(broken, "broken.mp4"))

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "This video could not be read: the file looks damaged or incomplete. Export or download it again and "
        "upload the new file."
    ]
    assert not VideoAsset.objects.exists()
    assert stored_files(private_media) == []


def test_a_video_is_required(admin_client, django_capture_on_commit_callbacks):
    response = upload(admin_client, django_capture_on_commit_callbacks, file=None)
    assert response.status_code == 200 and "file" in response.context["form"].errors
    assert not VideoAsset.objects.exists()


# Editing


def test_editing_the_title_keeps_the_upload(admin_client, trainer, make_asset, django_capture_on_commit_callbacks):
    asset = make_asset(status=AssetStatus.READY, backend="local", remote_file_id="local:x", uploaded_by=trainer)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(url("edit", asset.pk), form_data(title="Renamed", file=None))
    assert response.status_code == 302
    assert callbacks == []  # no upload was queued
    asset.refresh_from_db()
    assert asset.title == "Renamed" and asset.status == AssetStatus.READY and asset.uploaded_by == trainer
    assert ModelLogEntry.objects.for_instance(asset).filter(action="wagtail.edit").exists()


def test_replacing_the_file_uploads_the_new_one(
    admin_client, admin_user, make_asset, django_capture_on_commit_callbacks
):
    asset = make_asset(
        status=AssetStatus.READY, backend="local", remote_file_id="local:old", duration_seconds=FAKE_MP4_SECONDS
    )
    old_name = asset.file.name
    replacement = form_data(file=video(FAKE_WEBM, "new.webm", "video/webm"), duration_seconds=str(FAKE_MP4_SECONDS))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url("edit", asset.pk), replacement)
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.file.name != old_name and asset.content_type == "video/webm"
    assert asset.duration_seconds == 30  # the new file's, as the editor left the old value alone
    assert asset.status == AssetStatus.READY and asset.remote_path == asset.file.name
    assert asset.uploaded_by == admin_user


def test_a_replacement_that_is_not_a_video_changes_nothing(
    admin_client, make_asset, django_capture_on_commit_callbacks
):
    asset = make_asset(status=AssetStatus.READY)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url("edit", asset.pk), form_data(title="New", file=video(FAKE_PDF, "x.mp4")))
    assert response.status_code == 200 and "file" in response.context["form"].errors
    fresh = VideoAsset.objects.get()
    assert fresh.title == asset.title and fresh.file.name == asset.file.name


def test_an_edit_does_not_overwrite_what_the_upload_task_recorded_meanwhile(admin_user, make_asset):
    asset = make_asset(status=AssetStatus.UPLOADING)
    data = {"title": "Renamed", "duration_seconds": "10", "captions_language": "de", "poster": ""}
    form_class = VideoAsset.snippet_viewset.get_form_class()  # built from the panels on VideoAssetForm
    assert issubclass(form_class, VideoAssetForm)
    form = form_class(data, {}, instance=VideoAsset.objects.get(pk=asset.pk), for_user=admin_user)
    assert form.is_valid(), form.errors
    # The task finishes between the form loading the row and saving it.
    VideoAsset.objects.filter(pk=asset.pk).update(status=AssetStatus.READY, remote_file_id="local:done")

    form.save()

    asset.refresh_from_db()
    assert asset.title == "Renamed" and asset.captions_language == "de"
    assert asset.status == AssetStatus.READY and asset.remote_file_id == "local:done"


def test_the_edit_page_says_why_an_upload_failed(admin_client, make_asset):
    asset = make_asset(status=AssetStatus.FAILED, failure_reason="ConnectionError: CDN unreachable", upload_attempts=6)
    html = admin_client.get(url("edit", asset.pk)).content.decode()
    assert "ConnectionError: CDN unreachable" in html and "after 6 attempts" in html
    assert url("retry_upload", asset.pk) in html
    assert 'data-action="w-action#post"' in html
    # Private files have no public URL: the form names the current file without linking to it.
    assert asset.file.name in html and f'href="{asset.file.url}"' not in html


# The listing


def test_the_listing_shows_title_status_size_duration_uploader_and_failure_reason(admin_client, trainer, make_asset):
    make_asset(
        title="Ready one",
        status=AssetStatus.READY,
        size_bytes=5 * 1024 * 1024,
        duration_seconds=3725,
        uploaded_by=trainer,
    )
    make_asset(title="Broken one", status=AssetStatus.FAILED, failure_reason="ImageKitError: quota exceeded")

    html = admin_client.get(url(INDEX)).content.decode()

    assert "Ready one" in html and "Broken one" in html
    assert "Ready" in html and "Failed" in html
    assert "5.0\xa0MB" in html and "1:02:05" in html and trainer.display_name in html
    assert "ImageKitError: quota exceeded" in html


def listed(client, **params):
    response = client.get(url(INDEX), params)
    assert response.status_code == 200
    return [asset.title for asset in response.context["object_list"]]


def test_the_listing_filters_by_status_and_searches_titles(admin_client, make_asset):
    make_asset(title="Python basics", status=AssetStatus.READY)
    make_asset(title="Python advanced", status=AssetStatus.FAILED)
    make_asset(title="SQL joins", status=AssetStatus.UPLOADING)

    assert listed(admin_client, status="failed") == ["Python advanced"]
    assert listed(admin_client, status="ready") == ["Python basics"]
    assert sorted(listed(admin_client, q="python")) == ["Python advanced", "Python basics"]
    assert listed(admin_client, q="joins") == ["SQL joins"]
    assert listed(admin_client) == ["SQL joins", "Python advanced", "Python basics"]  # newest first


def test_the_listing_query_count_does_not_grow_with_rows(
    admin_client, trainer, make_asset, django_assert_max_num_queries
):
    admin_client.get(url(INDEX))  # the first admin visit creates the user's Wagtail profile
    statuses = [AssetStatus.READY, AssetStatus.FAILED, AssetStatus.UPLOADING]
    for n in range(3):
        make_asset(title=f"Video {n}", status=statuses[n % 3], uploaded_by=trainer)
    with CaptureQueriesContext(connection) as three:
        assert len(listed(admin_client)) == 3
    for n in range(3, 12):
        make_asset(title=f"Video {n}", status=statuses[n % 3], uploaded_by=trainer)
    with django_assert_max_num_queries(len(three)):
        assert len(listed(admin_client)) == 12


# Retrying a failed upload


def test_retry_is_offered_on_failed_uploads_only(admin_client, make_asset):
    failed = make_asset(title="Failed", status=AssetStatus.FAILED, failure_reason="Timeout")
    ready = make_asset(title="Ready", status=AssetStatus.READY)
    html = admin_client.get(url(INDEX)).content.decode()
    assert url("retry_upload", failed.pk) in html
    assert url("retry_upload", ready.pk) not in html


def test_retry_requeues_a_failed_upload_which_becomes_ready(
    admin_client, make_asset, django_capture_on_commit_callbacks
):
    asset = make_asset(status=AssetStatus.READY)
    VideoAsset.objects.filter(pk=asset.pk).update(status=AssetStatus.FAILED, failure_reason="Timeout")
    edit_url = url("edit", asset.pk)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(url("retry_upload", asset.pk), {"next": edit_url})

    assert response.status_code == 302 and response["Location"] == edit_url
    assert len(callbacks) == 1
    asset.refresh_from_db()
    assert asset.status == AssetStatus.READY and asset.failure_reason == "" and asset.backend == "local"
    messages = [str(m).strip() for m in response.wsgi_request._messages]
    assert messages == [f"The upload of “{asset.title}” was queued again."]


def test_retry_without_javascript_asks_first(trainer_client, trainer, make_asset):
    asset = make_asset(status=AssetStatus.FAILED, failure_reason="Timeout", uploaded_by=trainer)
    response = trainer_client.get(url("retry_upload", asset.pk))
    html = response.content.decode()
    assert response.status_code == 200 and "Timeout" in html and 'method="POST"' in html
    asset.refresh_from_db()
    assert asset.status == AssetStatus.FAILED  # a GET changes nothing


def test_retrying_an_upload_that_did_not_fail_is_refused(admin_client, make_asset, django_capture_on_commit_callbacks):
    asset = make_asset(status=AssetStatus.UPLOADING)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(url("retry_upload", asset.pk))
    assert response.status_code == 409
    assert "Only a failed upload can be retried." in response.content.decode()
    assert callbacks == []
    asset.refresh_from_db()
    assert asset.status == AssetStatus.UPLOADING


# Deleting


def test_deleting_an_unused_video_removes_its_row_and_files(
    admin_client, admin_user, make_asset, private_media, django_capture_on_commit_callbacks
):
    asset = make_asset(captions=True, status=AssetStatus.READY, backend="local", remote_file_id="local:x")
    assert len(stored_files(private_media)) == 2
    page = admin_client.get(url("delete", asset.pk)).content.decode()
    assert "Yes, delete" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url("delete", asset.pk))

    assert response.status_code == 302 and response["Location"] == url(INDEX)
    assert not VideoAsset.objects.exists()
    assert stored_files(private_media) == []
    entry = ModelLogEntry.objects.get(action="wagtail.delete")
    assert entry.object_id == str(asset.pk) and entry.user == admin_user and entry.label == asset.title


def test_a_video_used_in_a_lesson_cannot_be_deleted(
    admin_client, lessons, make_asset, private_media, django_capture_on_commit_callbacks
):
    asset = make_asset(title="Used video", status=AssetStatus.READY)
    lesson = lessons[1]
    place_in_lesson(lesson, asset, django_capture_on_commit_callbacks)

    page = admin_client.get(url("delete", asset.pk))
    html = page.content.decode()
    assert page.status_code == 200
    assert lesson.title in html and reverse("wagtailadmin_pages:edit", args=[lesson.pk]) in html
    assert "Yes, delete" not in html

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url("delete", asset.pk))

    assert response.status_code == 409
    assert f"“Used video” is used in “{lesson.title}”. Remove it there first." in response.content.decode()
    assert VideoAsset.objects.filter(pk=asset.pk).exists()
    assert len(stored_files(private_media)) == 1
    assert not ModelLogEntry.objects.filter(action="wagtail.delete").exists()


def test_a_video_the_cdn_will_not_delete_stays(admin_client, make_asset, monkeypatch, private_media):
    asset = make_asset(status=AssetStatus.READY, backend="imagekit", remote_file_id="ik-123")

    class RefusingBackend:
        def delete(self, file_id):
            raise ConnectionError("CDN unreachable")

    monkeypatch.setattr(services, "backend_named", lambda name: RefusingBackend())

    response = admin_client.post(url("delete", asset.pk))

    assert response.status_code == 502
    assert "nothing was deleted" in response.content.decode()
    assert VideoAsset.objects.filter(pk=asset.pk).exists()
    assert len(stored_files(private_media)) == 1


def test_bulk_delete_goes_through_the_service(
    admin_client, lessons, make_asset, private_media, django_capture_on_commit_callbacks
):
    used = make_asset(title="Used video", status=AssetStatus.READY)
    unused = make_asset(title="Unused video", status=AssetStatus.READY)
    place_in_lesson(lessons[0], used, django_capture_on_commit_callbacks)
    bulk_url = reverse("wagtail_bulk_action", args=["media_pipeline", "videoasset", "delete"])
    query = f"?id={used.pk}&id={unused.pk}"
    assert admin_client.get(bulk_url + query).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(bulk_url + query, {"next": url(INDEX)})

    assert response.status_code == 302
    assert list(VideoAsset.objects.values_list("title", flat=True)) == ["Used video"]
    assert len(stored_files(private_media)) == 1
    messages = [str(m).strip() for m in response.wsgi_request._messages]
    assert any("“Used video” is used in" in message for message in messages)
    assert "1 video was deleted." in messages


# Hostile input: searches, filters and ids from the query string answer, never fail

# Longer than any title (a 255-character field), short enough to pass the site's limit on query parameters.
TOO_LONG = "x" * 1000
HOSTILE_SEARCHES = ['"', 'a"b', '");DROP TABLE', "title:x", "AND OR NOT", "%", "_", "\\", "é" * 300, TOO_LONG]
CHOOSER = "wagtailsnippetchoosers_media_pipeline_videoasset"


def searched(client, address, query):
    response = client.get(address, {"q": query})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("query", HOSTILE_SEARCHES, ids=range(len(HOSTILE_SEARCHES)))
def test_a_hostile_search_finds_nothing_rather_than_failing(admin_client, make_asset, query):
    make_asset(title="Intro to SQL")
    listings = (url(INDEX), url("list_results"))
    for address in (*listings, reverse(f"{CHOOSER}:choose"), reverse(f"{CHOOSER}:choose_results")):
        assert "Intro to SQL" not in searched(admin_client, address, query)


def test_a_search_with_a_nul_character_is_ignored_rather_than_failing(admin_client, make_asset):
    make_asset(title="Intro to SQL")
    for address in (url(INDEX), reverse(f"{CHOOSER}:choose")):
        assert "Intro to SQL" in searched(admin_client, address, "SQL\x00")  # the form refuses it: no search


def test_the_listing_and_the_chooser_search_titles(admin_client, make_asset):
    make_asset(title="Intro to SQL")
    make_asset(title="Closing words")
    listing = admin_client.get(url(INDEX), {"q": "to sq"}).content.decode()
    chooser = admin_client.get(reverse(f"{CHOOSER}:choose"), {"q": "to sq"})
    for html in (listing, chooser.json()["html"]):
        assert "Intro to SQL" in html and "Closing words" not in html


@pytest.mark.parametrize("value", ["", "x", "9" * 1500, str(2**64), "-1", "../", "1.5", "\u0661"])
def test_hostile_filters_and_ids_in_the_query_string_do_not_fail(admin_client, make_asset, value):
    asset = make_asset(title="Intro to SQL")
    for param in ("status", "p", "ordering"):
        assert admin_client.get(url(INDEX), {param: value}).status_code == 200
    multiple = admin_client.get(reverse(f"{CHOOSER}:chosen_multiple"), {"id": [value, asset.pk]})
    assert [item["id"] for item in multiple.json()["result"]] == [str(asset.pk)]
    bulk_url = reverse("wagtail_bulk_action", args=["media_pipeline", "videoasset", "delete"])
    assert admin_client.get(bulk_url, {"id": value}).status_code == 404
    assert admin_client.get(bulk_url, {"id": [value, asset.pk]}).status_code == 200
    if value and "/" not in value:
        assert admin_client.get(reverse(f"{CHOOSER}:chosen", args=[value])).status_code == 404
