"""Fixtures shared by every app's tests: users per role and a real, published page tree."""

import pytest

from accounts.tests.factories import UserFactory
from courses.tests.factories import make_course


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's database setup, keeping the serialized copy of the freshly migrated database.

    Django stores that copy on the connection object of the context that created the database.
    Playwright's tests run in another context with another connection object, so e2e/conftest.py
    hands them this copy to restore the migrated data (home page, site, groups) after each flush.
    """
    from django.db import connection

    SERIALIZED_TEST_DB["default"] = getattr(connection, "_test_serialized_contents", None)
    return django_db_setup


SERIALIZED_TEST_DB: dict[str, str | None] = {}


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _own_throttle_counters(settings):
    """Each test counts sign-in, sign-up and reset attempts afresh (accounts/throttling.py).

    A new key prefix rather than cache.clear(): with REDIS_URL set, the cache shares Redis with Celery's broker.
    """
    import uuid

    settings.ACCOUNTS_THROTTLE_KEY_PREFIX = f"throttle-test-{uuid.uuid4().hex}"


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


@pytest.fixture
def lessons(course):
    """The course fixture's four lessons in order; 1.1 is a free preview."""
    from courses.models import LessonPage

    return list(LessonPage.objects.live().descendant_of(course).order_by("path"))


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Runs on-commit callbacks (tasks dispatched with delay_on_commit) as a real commit would."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run
