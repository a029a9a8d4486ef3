"""Fixtures for scorm's tests: private storage in a temporary folder, packages placed in lessons."""

import pytest

from courses.models import LessonPage
from lms_site.tests.stores import local_store
from scorm import services

from . import packages


@pytest.fixture
def private_media(settings, tmp_path):
    return local_store(settings, "media_private", tmp_path / "private")


@pytest.fixture
def make_package(db, private_media):
    def make(version="1.2", title="Safety basics", **kwargs):
        return services.create_package(
            title=title, upload=packages.upload(packages.build(version, **kwargs)), uploaded_by=None
        )

    return make


def place(lesson: LessonPage, package, title="Activity") -> LessonPage:
    lesson.body = [{"type": "scorm", "value": {"package": package.pk, "title": title}}]
    lesson.save_revision().publish()
    return LessonPage.objects.get(pk=lesson.pk)
