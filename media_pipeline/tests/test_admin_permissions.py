"""Who may do what with one video in the admin: trainers act only on the videos they uploaded or that are used
in courses they teach, admins on all of them, learners and visitors on none. Every view that takes a video's id
is walked by six people, and the database says what happened, not only the status code."""

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from accounts.tests.factories import UserFactory
from lms_site.tests.clients import as_
from media_pipeline import selectors
from media_pipeline.models import AssetStatus, VideoAsset

from .test_admin import form_data, place_in_lesson, url

pytestmark = pytest.mark.django_db

VISITOR, LEARNER, STRANGER, UPLOADER, COURSE_TRAINER, ADMIN = (
    "visitor",
    "learner",
    "trainer who teaches nothing",
    "trainer who uploaded it",
    "trainer of a course using it",
    "admin",
)
PEOPLE = [VISITOR, LEARNER, STRANGER, UPLOADER, COURSE_TRAINER, ADMIN]
MAY_CHANGE = {UPLOADER, COURSE_TRAINER, ADMIN}


@pytest.fixture(autouse=True)
def _local_media(private_media, local_media_backend):
    """Private files in tmp and the local backend, so nothing here needs a network."""


@pytest.fixture
def people(learner, trainer, other_trainer, admin_user):
    # `trainer` runs the course fixture; `other_trainer` teaches nothing; the uploader is a trainer of their own.
    return {
        VISITOR: None,
        LEARNER: learner,
        STRANGER: other_trainer,
        UPLOADER: UserFactory(role="trainer", first_name="Una", last_name="Loader"),
        COURSE_TRAINER: trainer,
        ADMIN: admin_user,
    }


@pytest.fixture
def placed(people, lessons, make_asset, django_capture_on_commit_callbacks):
    """A failed upload (so it can be retried) by the uploader, placed in a lesson of the course."""
    asset = make_asset(
        title="Placed video", status=AssetStatus.FAILED, failure_reason="Timeout", uploaded_by=people[UPLOADER]
    )
    place_in_lesson(lessons[0], asset, django_capture_on_commit_callbacks)
    return asset


def outcome(who) -> str:
    if who in (VISITOR, LEARNER):
        return "sign in"  # the admin is closed to them altogether
    return "allowed" if who in MAY_CHANGE else "refused"


def assert_refused(response, who):
    """Wagtail's answer to a permission it denies: back to the admin's home page with a message."""
    assert response.status_code == 302
    if outcome(who) == "sign in":
        assert response["Location"].startswith(reverse("accounts:sign_in"))
    else:
        assert response["Location"] == reverse("wagtailadmin_home")
        messages = [str(m).strip() for m in response.wsgi_request._messages]
        assert messages == ["Sorry, you do not have permission to access this area."]


def unchanged(asset) -> bool:
    fresh = VideoAsset.objects.filter(pk=asset.pk).values("title", "status", "file", "uploaded_by").first()
    return fresh == {
        "title": asset.title,
        "status": asset.status,
        "file": asset.file.name,
        "uploaded_by": asset.uploaded_by_id,
    }


# The matrix: six people × each view of one video


@pytest.mark.parametrize("who", PEOPLE)
def test_the_listing_shows_a_video_to_whoever_may_change_it(client, people, placed, who):
    response = as_(client, people[who]).get(url("list"))
    if outcome(who) == "sign in":
        assert_refused(response, who)
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert ("Placed video" in html) is (who in MAY_CHANGE)
    assert (url("edit", placed.pk) in html) is (who in MAY_CHANGE)


@pytest.mark.parametrize("who", PEOPLE)
def test_opening_a_videos_edit_page(client, people, placed, who):
    response = as_(client, people[who]).get(url("edit", placed.pk))
    if outcome(who) == "allowed":
        assert response.status_code == 200 and "Placed video" in response.content.decode()
    else:
        assert_refused(response, who)


@pytest.mark.parametrize("who", PEOPLE)
def test_saving_a_videos_edit_form(client, people, placed, who, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_(client, people[who]).post(url("edit", placed.pk), form_data(title="Renamed", file=None))
    if outcome(who) == "allowed":
        assert response.status_code == 302 and response["Location"] == url("list")
        assert VideoAsset.objects.get(pk=placed.pk).title == "Renamed"
    else:
        assert_refused(response, who)
        assert unchanged(placed)
        assert not ModelLogEntry.objects.filter(action="wagtail.edit").exists()


@pytest.mark.parametrize("who", PEOPLE)
def test_opening_a_videos_delete_page(client, people, placed, who):
    response = as_(client, people[who]).get(url("delete", placed.pk))
    if outcome(who) == "allowed":
        # The confirmation says where the video is used instead of offering to delete it.
        html = response.content.decode()
        assert response.status_code == 200 and "Placed video" in html and "Yes, delete" not in html
    else:
        assert_refused(response, who)


@pytest.mark.parametrize("who", PEOPLE)
def test_deleting_a_video_a_lesson_uses(client, people, placed, who, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_(client, people[who]).post(url("delete", placed.pk))
    if outcome(who) == "allowed":
        assert response.status_code == 409 and "Remove it there first." in response.content.decode()
    else:
        assert_refused(response, who)
    assert unchanged(placed)


@pytest.mark.parametrize("who", PEOPLE)
def test_deleting_an_unused_video(client, people, make_asset, who, django_capture_on_commit_callbacks):
    asset = make_asset(title="Unused video", status=AssetStatus.READY, uploaded_by=people[UPLOADER])
    with django_capture_on_commit_callbacks(execute=True):
        response = as_(client, people[who]).post(url("delete", asset.pk))
    # Used nowhere, the video is no longer the course trainer's: its uploader and admins alone may delete it.
    if who in (UPLOADER, ADMIN):
        assert response.status_code == 302 and response["Location"] == url("list")
        assert not VideoAsset.objects.filter(pk=asset.pk).exists()
    else:
        assert_refused(response, who)
        assert unchanged(asset)


@pytest.mark.parametrize("who", PEOPLE)
def test_asking_to_retry_a_failed_upload(client, people, placed, who):
    response = as_(client, people[who]).get(url("retry_upload", placed.pk))
    if outcome(who) == "allowed":
        assert response.status_code == 200 and "Timeout" in response.content.decode()
    else:
        assert_refused(response, who)
    assert unchanged(placed)  # a GET only asks


@pytest.mark.parametrize("who", PEOPLE)
def test_retrying_a_failed_upload(client, people, placed, who, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:  # the push itself is not run: its queueing is the point
        response = as_(client, people[who]).post(url("retry_upload", placed.pk))
    status = VideoAsset.objects.get(pk=placed.pk).status
    if outcome(who) == "allowed":
        assert response.status_code == 302 and response["Location"] == url("list")
        assert status == AssetStatus.UPLOADING and len(queued) == 1
    else:
        assert_refused(response, who)
        assert status == AssetStatus.FAILED and queued == []


@pytest.mark.parametrize("view", ["usage", "history"])
@pytest.mark.parametrize("who", PEOPLE)
def test_a_videos_usage_and_history_pages(client, people, placed, who, view):
    response = as_(client, people[who]).get(url(view, placed.pk))
    if outcome(who) == "allowed":
        assert response.status_code == 200 and "Placed video" in response.content.decode()
    else:
        assert_refused(response, who)


@pytest.mark.parametrize("who", PEOPLE)
def test_bulk_deleting_videos(client, people, make_asset, who, django_capture_on_commit_callbacks):
    asset = make_asset(title="Unused video", status=AssetStatus.READY, uploaded_by=people[UPLOADER])
    bulk_url = reverse("wagtail_bulk_action", args=["media_pipeline", "videoasset", "delete"]) + f"?id={asset.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        response = as_(client, people[who]).post(bulk_url, {"next": url("list")})
    assert response.status_code == 302
    assert VideoAsset.objects.filter(pk=asset.pk).exists() is (who not in (UPLOADER, ADMIN))


# The chooser lessons place videos with


def chooser_url(name, *args):
    return reverse(f"wagtailsnippetchoosers_media_pipeline_videoasset:{name}", args=args)


@pytest.mark.parametrize("who", [STRANGER, UPLOADER, COURSE_TRAINER, ADMIN])
def test_the_chooser_offers_the_videos_a_trainer_may_change(client, people, placed, make_asset, who):
    own = make_asset(title="Own video", uploaded_by=people[who]) if who != ADMIN else None
    as_(client, people[who])
    html = client.get(chooser_url("choose")).json()["html"]
    assert ("Placed video" in html) is (who in MAY_CHANGE)
    if own is not None:
        assert "Own video" in html
    chosen = client.get(chooser_url("chosen", placed.pk))
    assert chosen.status_code == (200 if who in MAY_CHANGE else 404)
    if who in MAY_CHANGE:
        assert chosen.json()["result"]["string"] == "Placed video"
    several = client.get(chooser_url("chosen_multiple") + f"?id={placed.pk}").json()["result"]
    assert [item["string"] for item in several] == (["Placed video"] if who in MAY_CHANGE else [])


def test_an_admin_chooses_among_every_video(client, people, placed, make_asset):
    make_asset(title="Somebody's video", uploaded_by=people[STRANGER])
    html = as_(client, people[ADMIN]).get(chooser_url("choose")).json()["html"]
    assert "Placed video" in html and "Somebody&#x27;s video" in html


# The rule itself


def test_the_course_trainer_loses_a_video_once_no_lesson_of_theirs_uses_it(
    people, lessons, placed, django_capture_on_commit_callbacks
):
    course_trainer = people[COURSE_TRAINER]
    assert selectors.may_manage_asset(user=course_trainer, asset=placed)
    lessons[0].body = []
    with django_capture_on_commit_callbacks(execute=True):
        lessons[0].save_revision().publish()
    assert not selectors.may_manage_asset(user=course_trainer, asset=placed)
    assert selectors.may_manage_asset(user=people[UPLOADER], asset=placed)  # still the uploader's


def test_a_draft_placing_a_video_gives_its_trainer_no_rights_over_it(people, lessons, make_asset):
    """Only what a lesson saved holds counts: a trainer cannot claim a video by naming it in an unpublished draft."""
    asset = make_asset(title="Someone else's", uploaded_by=people[STRANGER])
    lessons[1].body = [{"type": "video_asset", "value": {"asset": asset.pk, "complete_at_percent": None}}]
    lessons[1].save_revision()  # a draft: the page row keeps its published body
    assert not selectors.may_manage_asset(user=people[COURSE_TRAINER], asset=asset)
    assert list(selectors.manageable_assets(user=people[COURSE_TRAINER])) == []


@pytest.mark.parametrize(
    "body",
    [
        [{"type": "video_asset", "value": {"asset": 7}}, {"type": "video_asset", "value": {"asset": "8"}}],
        '[{"type": "video_asset", "value": {"asset": 7}}, {"type": "text", "value": "8"}, {"type": "video_asset", '
        '"value": {"asset": "8"}}]',
    ],
)
def test_placed_asset_ids_reads_stored_json_and_block_lists(body):
    assert selectors.placed_asset_ids(body) == {7, 8}


@pytest.mark.parametrize(
    "body",
    [None, [], [1, "x", None], [{"type": "video_asset", "value": None}], [{"type": "video_asset", "value": {}}]]
    + [[{"type": "video_asset", "value": {"asset": junk}}] for junk in ("x", -1, 0, "9" * 5000, 2**64, True)],
)
def test_placed_asset_ids_ignores_what_is_not_a_placed_video(body):
    assert selectors.placed_asset_ids(body) == set()
