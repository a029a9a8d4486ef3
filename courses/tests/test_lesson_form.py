"""A trainer places in a lesson only the videos they may use, so publishing a lesson never hands them
another trainer's video (placing a video in a course lets its trainer change it)."""

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, streamfield

from courses.models import LessonPage
from media_pipeline.models import VideoAsset


def video(title, owner):
    return VideoAsset.objects.create(title=title, file="videos/x.mp4", content_type="video/mp4", uploaded_by=owner)


def publish_lesson_with(client, lesson, asset):
    data = nested_form_data(
        {
            "title": lesson.title,
            "slug": lesson.slug,
            "summary": "",
            "estimated_minutes": 10,
            "body": streamfield([("video_asset", {"asset": asset.pk, "complete_at_percent": ""})]),
            "action-publish": "publish",
        }
    )
    return client.post(reverse("wagtailadmin_pages:edit", args=[lesson.pk]), data)


def placed_assets(lesson):
    lesson = LessonPage.objects.get(pk=lesson.pk)
    return [block.value["asset"].pk for block in lesson.body if block.block_type == "video_asset"]


@pytest.mark.django_db
def test_a_trainer_cannot_place_another_trainers_video(client, trainer, other_trainer, lessons):
    theirs = video("Someone else's talk", other_trainer)
    client.force_login(trainer)
    response = publish_lesson_with(client, lessons[0], theirs)
    assert response.status_code == 200  # the editor again, with the reason
    assert "You can place only videos you uploaded" in response.content.decode()
    assert theirs.pk not in placed_assets(lessons[0])
    from media_pipeline.selectors import may_manage_asset

    assert not may_manage_asset(user=trainer, asset=theirs)


@pytest.mark.django_db
def test_a_trainer_places_their_own_video(client, trainer, lessons):
    mine = video("My talk", trainer)
    client.force_login(trainer)
    response = publish_lesson_with(client, lessons[0], mine)
    assert response.status_code == 302
    assert placed_assets(lessons[0]) == [mine.pk]


@pytest.mark.django_db
def test_an_admin_places_any_video(client, admin_user, other_trainer, lessons):
    theirs = video("Someone else's talk", other_trainer)
    client.force_login(admin_user)
    assert publish_lesson_with(client, lessons[0], theirs).status_code == 302
    assert placed_assets(lessons[0]) == [theirs.pk]
