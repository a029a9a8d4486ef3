"""The lesson video player: who gets signed sources, the signed local stream, the watched-progress beacon,
responsive images, and a lesson page's queries however many videos it has."""

import html
import json
import re
import time
from unittest import mock

import pytest
from django.core import signing
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from courses.models import LessonPage
from home.tests.factories import make_image
from learning import services as learning_services
from learning.models import LessonProgress
from lms_site.tests.stores import local_store
from media_pipeline import views as media_views
from media_pipeline.backends import STREAM_SALT, LocalBackend
from media_pipeline.models import VideoAsset
from media_pipeline.services import push_to_backend

pytestmark = pytest.mark.django_db

FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 40
CAPTIONS = b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello, learner.\n"
STREAM_PREFIX = "/media-library/stream/"
SIGNED_SOURCE = re.compile(r'<source src="(/media-library/stream/[^"]+)" type="video/mp4">')


@pytest.fixture(autouse=True)
def _private_storage_and_local_backend(settings, tmp_path):
    local_store(settings, "media_private", tmp_path / "private")
    settings.IMAGEKIT_PRIVATE_KEY = ""
    settings.IMAGEKIT_URL_ENDPOINT = ""


@pytest.fixture(autouse=True)
def _fresh_cache(fresh_cache):
    # Beacon rate limits and Wagtail's rendition cache live there; ids repeat across rolled-back tests.
    yield


def make_asset(title="Welcome video", *, ready=True, captions=False, poster=None) -> VideoAsset:
    asset = VideoAsset(title=title, content_type="video/mp4", size_bytes=len(FAKE_MP4), poster=poster)
    asset.file.save("clip.mp4", ContentFile(FAKE_MP4), save=False)
    if captions:
        asset.captions.save("clip.vtt", ContentFile(CAPTIONS), save=False)
    asset.save()
    return push_to_backend(asset=asset, final_attempt=True) if ready else asset


def video_block(asset, complete_at=None) -> dict:
    return {"type": "video_asset", "value": {"asset": asset.pk, "complete_at_percent": complete_at}}


def publish_body(lesson: LessonPage, body: list) -> LessonPage:
    lesson.body = body
    lesson.save_revision().publish()
    return LessonPage.objects.get(pk=lesson.pk)


def enrol(user, course):
    return learning_services.enroll(user=user, course=course)


def signed_sources(response) -> list[str]:
    return [html.unescape(src) for src in SIGNED_SOURCE.findall(response.content.decode())]


# Who gets a signed source


@pytest.fixture
def paid_lesson(lessons):
    """Lesson 1.2: not a free preview, with a ready video that has captions."""
    return publish_body(lessons[1], [video_block(make_asset(captions=True), complete_at=80)])


def test_a_visitor_gets_no_signed_url_for_a_lesson_that_is_not_a_preview(client, paid_lesson):
    response = client.get(paid_lesson.url)

    assert response.status_code == 403
    assert STREAM_PREFIX not in response.content.decode()


def test_a_learner_who_is_not_enrolled_gets_no_signed_url(client, learner, paid_lesson):
    client.force_login(learner)

    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(paid_lesson.url, headers=headers)
        assert response.status_code == 403
        assert STREAM_PREFIX not in response.content.decode()


def test_an_enrolled_learner_gets_an_accessible_player_with_signed_sources(client, learner, course, paid_lesson):
    enrol(learner, course)
    client.force_login(learner)

    response = client.get(paid_lesson.url)

    assert response.status_code == 200
    page = response.content.decode()
    assert len(signed_sources(response)) == 1
    assert re.search(r'<video id="video-player-1" [^>]*controls preload="metadata" playsinline tabindex="0"', page)
    assert 'aria-label="Welcome video"' in page
    assert re.search(
        r'<track kind="captions" src="/media-library/stream/[^"]+" srclang="en" label="English" default>', page
    )
    assert "Your browser cannot play this video" in page
    assert "download" not in page.lower().split("<video", 1)[1].split("</video>", 1)[0]
    assert page.count("js/video-progress.js") == 1 and "defer" in page.split("js/video-progress.js")[1][:20]
    # The player reports watching to the beacon, because the block completes the lesson at 80%.
    progress_url = reverse("media_pipeline:progress", args=[paid_lesson.pk])
    assert f'data-progress-url="{progress_url}"' in page and 'data-complete-at="80"' in page


def test_the_signed_source_in_the_page_streams_the_video(client, learner, course, paid_lesson):
    enrol(learner, course)
    client.force_login(learner)
    (src,) = signed_sources(client.get(paid_lesson.url))

    client.logout()  # the link itself is the permission, for the few hours it lives
    response = client.get(src)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == FAKE_MP4


def test_a_free_preview_shows_the_video_to_anyone(client, lessons):
    preview = publish_body(lessons[0], [video_block(make_asset(), complete_at=50)])

    response = client.get(preview.url)

    assert response.status_code == 200
    assert len(signed_sources(response)) == 1
    # A visitor has no progress to record.
    assert "data-progress-url" not in response.content.decode()


def test_the_course_trainer_sees_the_video(client, trainer, paid_lesson):
    client.force_login(trainer)

    assert len(signed_sources(client.get(paid_lesson.url))) == 1


def test_a_video_still_processing_shows_a_placeholder(client, learner, course, lessons):
    lesson = publish_body(lessons[1], [video_block(make_asset(ready=False))])
    enrol(learner, course)
    client.force_login(learner)

    response = client.get(lesson.url)

    page = response.content.decode()
    assert "This video is being processed" in page
    assert STREAM_PREFIX not in page and "<video" not in page and "video-progress.js" not in page


def test_a_video_without_a_threshold_leaves_completion_to_the_learner(client, learner, course, lessons):
    lesson = publish_body(lessons[1], [video_block(make_asset())])
    enrol(learner, course)
    client.force_login(learner)

    page = client.get(lesson.url).content.decode()

    assert "data-progress-url" not in page
    assert "Mark complete" in page


def test_a_completed_lesson_reports_no_more_progress(client, learner, course, paid_lesson):
    learning_services.complete_lesson(enrollment=enrol(learner, course), lesson=paid_lesson)
    client.force_login(learner)

    page = client.get(paid_lesson.url).content.decode()

    assert len(SIGNED_SOURCE.findall(page)) == 1
    assert "data-progress-url" not in page


# The signed local stream


@pytest.fixture
def asset():
    return make_asset(captions=True)


def stream_url(path: str, ttl: int = 60) -> str:
    return LocalBackend().url(path, expires_in=ttl)


def test_a_valid_link_streams_the_whole_file(client, asset):
    response = client.get(stream_url(asset.file.name))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == FAKE_MP4
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Length"] == str(len(FAKE_MP4))
    assert response["Accept-Ranges"] == "bytes"
    assert "private" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [("bytes=100-199", 100, 199), ("bytes=1000-", 1000, len(FAKE_MP4) - 1), ("bytes=-50", len(FAKE_MP4) - 50, None)],
    ids=["slice", "open-ended", "suffix"],
)
def test_a_range_request_gets_that_slice(client, asset, header, first, last):
    last = len(FAKE_MP4) - 1 if last is None else last

    response = client.get(stream_url(asset.file.name), headers={"Range": header})

    assert response.status_code == 206
    assert b"".join(response.streaming_content) == FAKE_MP4[first : last + 1]
    assert response["Content-Range"] == f"bytes {first}-{last}/{len(FAKE_MP4)}"
    assert response["Content-Length"] == str(last - first + 1)
    assert response["Accept-Ranges"] == "bytes"


def test_a_range_past_the_end_is_unsatisfiable(client, asset):
    response = client.get(stream_url(asset.file.name), headers={"Range": f"bytes={len(FAKE_MP4)}-"})

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(FAKE_MP4)}"


def test_a_malformed_or_multiple_range_is_ignored(client, asset):
    for header in ("bytes=200-100", "bytes=0-1,5-9", "items=0-1"):
        response = client.get(stream_url(asset.file.name), headers={"Range": header})
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == FAKE_MP4


@pytest.mark.parametrize(
    "header",
    [
        "bytes=" + "9" * 5000 + "-",
        "bytes=0-" + "9" * 5000,
        "bytes=-" + "9" * 5000,
        "bytes=\u0661\u0662-",  # Arabic-Indic digits: int() would read them, no client means them
        "bytes=" + "1" * 31 + "-",
    ],
    ids=["5000-digit first", "5000-digit last", "5000-digit suffix", "non-ascii digits", "31 digits"],
)
def test_a_range_with_numbers_no_file_has_is_ignored(client, asset, header):
    response = client.get(stream_url(asset.file.name), headers={"Range": header})
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == FAKE_MP4


def test_a_range_far_beyond_the_file_is_unsatisfiable_or_clamped(client, asset):
    far = str(2**80)  # 25 digits: still a number, just not a position in this file
    assert client.get(stream_url(asset.file.name), headers={"Range": f"bytes={far}-"}).status_code == 416
    clamped = client.get(stream_url(asset.file.name), headers={"Range": f"bytes=10-{far}"})
    assert clamped.status_code == 206 and clamped["Content-Range"] == f"bytes 10-{len(FAKE_MP4) - 1}/{len(FAKE_MP4)}"
    whole = client.get(stream_url(asset.file.name), headers={"Range": f"bytes=-{far}"})
    assert whole.status_code == 206 and b"".join(whole.streaming_content) == FAKE_MP4


def test_a_head_request_gets_the_headers_only(client, asset):
    response = client.head(stream_url(asset.file.name), headers={"Range": "bytes=0-9"})

    assert response.status_code == 206
    assert response["Content-Length"] == "10" and response["Content-Range"] == f"bytes 0-9/{len(FAKE_MP4)}"
    assert response.content == b""


def test_with_nginx_a_valid_link_becomes_an_x_accel_redirect_and_nginx_cuts_the_ranges(
    client, asset, nginx_sends_private_files
):
    response = client.get(stream_url(asset.file.name), headers={"Range": "bytes=0-9"})

    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/_private/private/{asset.file.name}"
    assert response["Content-Type"] == "video/mp4" and response["Content-Disposition"] == "inline"
    assert response["Accept-Ranges"] == "bytes" and "private" in response["Cache-Control"]
    captions = client.get(stream_url(asset.captions.name))
    assert captions["X-Accel-Redirect"] == f"/_private/private/{asset.captions.name}"
    assert captions["Content-Type"].startswith("text/vtt")


def test_with_nginx_bad_links_still_get_nothing(client, asset, nginx_sends_private_files):
    url = stream_url(asset.file.name)
    token = url.removeprefix(STREAM_PREFIX).rstrip("/")
    with mock.patch("time.time", return_value=time.time() - 120):
        expired = stream_url(asset.file.name, ttl=60)
    for bad in (f"{STREAM_PREFIX}{token[:-1]}{'A' if token[-1] != 'A' else 'B'}/", expired, stream_url("gone.mp4")):
        response = client.get(bad)
        assert response.status_code in (403, 404) and "X-Accel-Redirect" not in response


def test_captions_are_served_as_webvtt(client, asset):
    response = client.get(stream_url(asset.captions.name))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/vtt")
    assert b"".join(response.streaming_content) == CAPTIONS


def test_a_tampered_link_is_refused(client, asset):
    url = stream_url(asset.file.name)
    token = url.removeprefix(STREAM_PREFIX).rstrip("/")
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    assert client.get(f"{STREAM_PREFIX}{tampered}/").status_code == 403
    assert client.get(f"{STREAM_PREFIX}not-a-token/").status_code == 403


def test_a_link_signed_for_something_else_is_refused(client, asset):
    token = signing.dumps({"path": asset.file.name, "ttl": 60}, salt="certificates.download", compress=True)

    assert client.get(f"{STREAM_PREFIX}{token}/").status_code == 403


def test_an_expired_link_is_refused(client, asset):
    with mock.patch("time.time", return_value=time.time() - 120):
        old = stream_url(asset.file.name, ttl=60)
        long_lived = stream_url(asset.file.name, ttl=600)

    assert client.get(old).status_code == 403
    assert client.get(long_lived).status_code == 200


@pytest.mark.parametrize("path", ["../private/secret.mp4", "/etc/passwd", "videos/../../secret.mp4", ""])
def test_a_signed_path_outside_the_private_storage_is_refused(client, path):
    token = signing.dumps({"path": path, "ttl": 60}, salt=STREAM_SALT, compress=True)

    assert client.get(reverse("media_pipeline:stream", args=[token])).status_code == 403


def test_a_link_to_a_deleted_file_is_not_found(client):
    assert client.get(stream_url("videos/2020/01/gone.mp4")).status_code == 404


# The watched-progress beacon


@pytest.fixture
def tracked_lesson(lessons, asset):
    return publish_body(lessons[1], [{"type": "rich_text", "value": "<p>Intro</p>"}, video_block(asset, 80)])


def beacon(client, lesson, asset, percent):
    return client.post(reverse("media_pipeline:progress", args=[lesson.pk]), {"percent": percent, "asset": asset.pk})


def is_done(user, lesson) -> bool:
    return LessonProgress.objects.filter(enrollment__user=user, lesson=lesson).exists()


def test_a_visitor_cannot_report_progress(client, tracked_lesson, asset):
    assert beacon(client, tracked_lesson, asset, 100).status_code == 403


def test_a_learner_who_is_not_enrolled_cannot_report_progress(client, learner, tracked_lesson, asset):
    client.force_login(learner)

    assert beacon(client, tracked_lesson, asset, 100).status_code == 403
    assert not is_done(learner, tracked_lesson)


@pytest.mark.parametrize("percent", ["", "abc", "-1", "100.5", "nan", "inf"])
def test_a_bad_percent_is_refused(client, learner, course, tracked_lesson, asset, percent):
    enrol(learner, course)
    client.force_login(learner)

    assert beacon(client, tracked_lesson, asset, percent).status_code == 400
    # A refused beacon does not use up the learner's allowance.
    assert beacon(client, tracked_lesson, asset, 10).status_code == 200


@pytest.mark.parametrize("junk", ["9" * 5000, str(2**64), "-1", "0", "1.5", "abc", "\u0661", ""])
def test_an_asset_that_is_not_an_id_is_refused(client, learner, course, tracked_lesson, junk):
    enrol(learner, course)
    client.force_login(learner)
    url = reverse("media_pipeline:progress", args=[tracked_lesson.pk])

    response = client.post(url, {"percent": 100, "asset": junk})

    assert response.status_code == 400 and response.json() == {"error": "asset must be the id of a video."}
    assert not is_done(learner, tracked_lesson)


@pytest.mark.parametrize("percent", ["9" * 5000, "1E400", "0x10", "50%"])
def test_a_percent_that_is_not_a_plain_number_is_refused(client, learner, course, tracked_lesson, asset, percent):
    enrol(learner, course)
    client.force_login(learner)

    assert beacon(client, tracked_lesson, asset, percent).status_code == 400
    assert not is_done(learner, tracked_lesson)


def test_a_video_that_is_not_in_the_lesson_is_refused(client, learner, course, tracked_lesson):
    enrol(learner, course)
    client.force_login(learner)

    assert beacon(client, tracked_lesson, make_asset("Other video"), 100).status_code == 400
    assert not is_done(learner, tracked_lesson)


def test_watching_less_than_the_threshold_does_not_complete(client, learner, course, tracked_lesson, asset):
    enrol(learner, course)
    client.force_login(learner)

    response = beacon(client, tracked_lesson, asset, 79.9)

    assert response.status_code == 200 and response.json() == {"completed": False}
    assert not is_done(learner, tracked_lesson)


def test_watching_up_to_the_threshold_completes_the_lesson(client, learner, course, tracked_lesson, asset):
    enrol(learner, course)
    client.force_login(learner)

    response = beacon(client, tracked_lesson, asset, "80")

    assert response.status_code == 200 and response.json() == {"completed": True}
    assert is_done(learner, tracked_lesson)


def test_the_lesson_actions_refresh_themselves_once_the_video_completed_the_lesson(
    client, learner, course, tracked_lesson, asset
):
    enrol(learner, course)
    client.force_login(learner)
    page = client.get(tracked_lesson.url).content.decode()
    assert 'hx-trigger="lesson:video-completed from:body"' in page and 'hx-select="#lesson-actions"' in page

    beacon(client, tracked_lesson, asset, 90)
    refreshed = client.get(tracked_lesson.url, headers={"HX-Request": "true"}).content.decode()
    assert "Lesson completed" in refreshed and "Mark complete" not in refreshed
    assert "lesson:video-completed" not in refreshed  # nothing left to wait for


def test_a_second_beacon_within_ten_seconds_is_refused(client, learner, course, tracked_lesson, asset, monkeypatch):
    enrol(learner, course)
    client.force_login(learner)
    assert beacon(client, tracked_lesson, asset, 10).status_code == 200

    too_soon = beacon(client, tracked_lesson, asset, 95)

    assert too_soon.status_code == 429 and too_soon["Retry-After"] == "10"
    assert not is_done(learner, tracked_lesson)

    # Once the window has passed (shortened to 1 s: Redis expires keys by its own clock, not a mocked one).
    # Polled rather than slept for a fixed time, so a slow runner waits longer instead of failing.
    monkeypatch.setattr(media_views, "BEACON_INTERVAL_SECONDS", 1)
    cache.delete(f"media_pipeline:beacon:{learner.pk}:{tracked_lesson.pk}")
    assert beacon(client, tracked_lesson, asset, 20).json() == {"completed": False}
    deadline = time.monotonic() + 10
    while (answer := beacon(client, tracked_lesson, asset, 95)).status_code == 429 and time.monotonic() < deadline:
        assert not is_done(learner, tracked_lesson)
        time.sleep(0.1)
    assert answer.json() == {"completed": True}
    assert is_done(learner, tracked_lesson)


def test_the_rate_limit_is_per_learner(client, learner, course, tracked_lesson, asset):
    other = UserFactory(role="learner")
    for user in (learner, other):
        enrol(user, course)
        client.force_login(user)
        assert beacon(client, tracked_lesson, asset, 10).status_code == 200


def test_a_locked_lesson_takes_no_progress(client, learner, course, tracked_lesson, asset):
    tracked_lesson.drip_days = 7
    tracked_lesson.save_revision().publish()
    enrol(learner, course)
    client.force_login(learner)

    assert beacon(client, tracked_lesson, asset, 100).status_code == 403
    assert not is_done(learner, tracked_lesson)


def test_the_beacon_accepts_the_csrf_token_the_page_carries(learner, course, tracked_lesson, asset):
    enrol(learner, course)
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    page = client.get(tracked_lesson.url).content.decode()
    token = json.loads(html.unescape(re.search(r"hx-headers='([^']+)'", page).group(1)))["X-CSRFToken"]
    url = reverse("media_pipeline:progress", args=[tracked_lesson.pk])

    assert client.post(url, {"percent": 90, "asset": asset.pk}).status_code == 403  # no token
    response = client.post(url, {"percent": 90, "asset": asset.pk}, headers={"X-CSRFToken": token})

    assert response.json() == {"completed": True}


def test_the_beacon_only_accepts_posts(client, learner, course, tracked_lesson):
    enrol(learner, course)
    client.force_login(learner)

    assert client.get(reverse("media_pipeline:progress", args=[tracked_lesson.pk])).status_code == 405


# Responsive images


def render(source: str, **context) -> str:
    return Template("{% load media_tags %}" + source).render(Context(context))


def srcset_widths(markup: str) -> list[int]:
    srcset = html.unescape(re.search(r'srcset="([^"]+)"', markup).group(1))
    return [int(candidate.rsplit(" ", 1)[1].removesuffix("w")) for candidate in srcset.split(", ")]


def test_responsive_image_uses_renditions_without_imagekit():
    image = make_image("Chart", size=(1000, 500))

    markup = render('{% responsive_image image sizes="50vw" alt="A chart" class="w-full rounded-lg" %}', image=image)

    # Wagtail never enlarges: 1280 comes back as the 1000-pixel original, listed once.
    assert srcset_widths(markup) == [320, 640, 960, 1000]
    width_640 = image.get_rendition("width-640")
    assert f'src="{width_640.url}"' in markup
    assert 'width="640" height="320"' in markup
    assert 'alt="A chart"' in markup and 'class="w-full rounded-lg"' in markup and 'sizes="50vw"' in markup
    assert "ik.imagekit.io" not in markup


def test_responsive_image_uses_imagekit_urls_when_configured(settings):
    settings.IMAGEKIT_PRIVATE_KEY = "private_test"
    settings.IMAGEKIT_URL_ENDPOINT = "https://ik.imagekit.io/demo"
    image = make_image("Wide photo", size=(1600, 900))

    markup = html.unescape(render('{% responsive_image image sizes="100vw" alt="" %}', image=image))

    original = f"https://ik.imagekit.io/demo/{image.file.name}"
    for width in (320, 640, 960, 1280):
        assert f"{original}?tr=w-{width} {width}w" in markup
    assert f'src="{original}?tr=w-640"' in markup
    assert 'alt=""' in markup
    assert "ik-s=" not in markup  # public images: unsigned, cacheable URLs
    assert not image.renditions.exists()


def test_responsive_image_renders_nothing_without_an_image():
    assert render("{% responsive_image image %}", image=None) == ""


def test_the_lesson_image_block_is_responsive_and_keeps_its_alt_text(client, lessons):
    image = make_image("Diagram")
    lesson = publish_body(
        lessons[0], [{"type": "image", "value": {"image": image.pk, "alt_text": "A flow diagram", "caption": ""}}]
    )

    page = client.get(lesson.url).content.decode()

    assert re.search(r'<img alt="A flow diagram" src="[^"]+" srcset="[^"]+ 320w, ', page)
    assert 'class="w-full rounded-lg"' in page


def test_the_course_card_is_responsive(client, catalogue, course):
    course.cover_image = make_image("Cover")
    course.save_revision().publish()

    page = client.get(catalogue.url).content.decode()

    assert re.search(r'<img alt="" src="[^"]+" srcset="[^"]+ 320w, [^"]+ 640w, [^"]+ 800w"', page)
    assert 'class="aspect-video w-full object-cover"' in page


# Query counts


def test_lesson_page_queries_do_not_grow_with_its_videos(client, learner, course, lessons):
    enrol(learner, course)
    client.force_login(learner)

    def queries_for(lesson, video_count) -> int:
        assets = [
            make_asset(f"Video {n}", captions=True, poster=make_image(f"Poster {video_count}.{n}"))
            for n in range(video_count)
        ]
        lesson = publish_body(lesson, [video_block(asset, 90) for asset in assets])
        client.get(lesson.url)  # the first visit creates the posters' renditions
        with CaptureQueriesContext(connection) as captured:
            response = client.get(lesson.url)
        assert len(signed_sources(response)) == video_count
        return len(captured)

    assert queries_for(lessons[1], 1) == queries_for(lessons[2], 5)
