"""The read side of media: where an asset is used, and who may change which video (signed sources: sources.py)."""

import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.urls import reverse
from wagtail.models import ReferenceIndex

from accounts.models import Role, User
from courses.models import CoursePage, LessonPage
from lms_site.inputs import read_id

from .models import VideoAsset


@dataclass(frozen=True)
class Usage:
    title: str
    edit_url: str | None


def asset_usage(*, asset: VideoAsset) -> list[Usage]:
    """The pages whose content places this asset: saved content from Wagtail's reference index, plus drafts
    (the index does not read unpublished revisions, and publishing one later would bring the asset back)."""
    pages = {}
    for source, _references in ReferenceIndex.get_grouped_references_to(asset):
        pages[source.pk] = source
    drafts = LessonPage.objects.filter(has_unpublished_changes=True).exclude(pk__in=pages)
    for lesson in drafts.select_related("latest_revision").only("pk", "title", "latest_revision__content"):
        if lesson.latest_revision and _places(lesson.latest_revision.content.get("body"), asset.pk):
            pages[lesson.pk] = lesson
    return [
        Usage(str(getattr(page, "title", page)), reverse("wagtailadmin_pages:edit", args=[page.pk]))
        for page in pages.values()
    ]


def _places(body: Any, asset_id: int) -> bool:
    return asset_id in placed_asset_ids(body)


def placed_asset_ids(body: Any) -> set[int]:
    """The ids of the videos a lesson body places, from its stored JSON, a list of blocks or a StreamValue."""
    raw = getattr(body, "raw_data", body)
    blocks = json.loads(raw) if isinstance(raw, str) else raw or []
    placed: set[int] = set()
    for block in blocks:
        if not isinstance(block, dict) or block.get("type") != "video_asset":
            continue
        value = block.get("value")
        if isinstance(value, dict) and (asset_id := read_id(value.get("asset"))) is not None:
            placed.add(asset_id)
    return placed


# Who may change which video


def assets_in_courses_taught_by(*, user: User | AnonymousUser) -> set[int]:
    """The videos placed in the lessons of the courses `user` is the trainer of, as those lessons are saved.

    Saved content only, not drafts: the videos a course shows (or showed when last published) are the ones its
    trainer answers for. Two queries, whatever the number of courses.
    """
    paths = list(CoursePage.objects.originals().filter(trainer_id=user.pk).values_list("path", flat=True))
    if not paths:
        return set()
    under_a_course = Q()
    for path in paths:
        under_a_course |= Q(path__startswith=path)
    placed: set[int] = set()
    for body in LessonPage.objects.filter(under_a_course).values_list("body", flat=True):
        placed |= placed_asset_ids(body)
    return placed


def _is_admin(user: User | AnonymousUser) -> bool:
    return getattr(user, "role", None) == Role.ADMIN


def manageable_assets(*, user: User | AnonymousUser) -> QuerySet[VideoAsset]:
    """The videos `user` may change, delete, retry and place in a lesson: admins all of them; a trainer those
    they uploaded and those used in the courses they teach. Whether the user may use the library at all is the
    permission policy's question (media_pipeline.viewsets), asked before this."""
    if _is_admin(user):
        return VideoAsset.objects.all()
    if not getattr(user, "is_authenticated", False):
        return VideoAsset.objects.none()
    return VideoAsset.objects.filter(Q(uploaded_by_id=user.pk) | Q(pk__in=assets_in_courses_taught_by(user=user)))


def may_manage_asset(*, user: User | AnonymousUser, asset: VideoAsset) -> bool:
    if _is_admin(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return asset.uploaded_by_id == user.pk or asset.pk in assets_in_courses_taught_by(user=user)
