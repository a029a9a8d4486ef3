"""Fixtures shared by every app's tests: users per role and a real, published page tree."""

import pytest

from accounts.tests.factories import UserFactory
from courses.tests.factories import make_course


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def learner(db):
    return UserFactory(role="learner")


@pytest.fixture
def trainer(db):
    return UserFactory(role="trainer")


@pytest.fixture
def other_trainer(db):
    return UserFactory(role="trainer")


@pytest.fixture
def admin_user(db):
    return UserFactory(role="admin")


@pytest.fixture
def home_page(db):
    from home.models import HomePage

    return HomePage.objects.get()


@pytest.fixture
def catalogue(home_page):
    from courses.models import CourseIndexPage

    page = home_page.add_child(instance=CourseIndexPage(title="Courses", slug="courses"))
    page.save_revision().publish()
    return page


@pytest.fixture
def course(catalogue, trainer):
    return make_course(catalogue, title="Intro to Testing", trainer=trainer, modules=2, lessons_per_module=2)


