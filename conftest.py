"""Fixtures shared by every app's tests: users per role and a real, published page tree."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Model

from accounts.models import User
from accounts.tests.factories import UserFactory
from courses.models import CourseIndexPage, CoursePage
from courses.tests.factories import make_course
from lms_site.tests import row_snapshots


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's database setup, keeping the serialized copy of the freshly migrated database,
    then recording the page tree fixtures once (see PageTree).

    Django stores that copy on the connection object of the context that created the database.
    Playwright's tests run in another context with another connection object, so e2e/conftest.py
    hands them this copy to restore the migrated data (home page, site, groups) after each flush.
    """
    from django.db import connection

    from home.models import HomePage

    SERIALIZED_TEST_DB["default"] = getattr(connection, "_test_serialized_contents", None)
    with django_db_blocker.unblock():
        if not HomePage.objects.exists():
            raise pytest.UsageError("The reused test database has no home page: run once with --create-db.")
        PAGE_TREE.record()
    _migrated_again_after_each_flush()
    return django_db_setup


def _migrated_again_after_each_flush():
    """After a test that commits for real, the database is emptied and then filled with the rows migrations
    left, so whatever runs next finds the home page, site and groups, as after migrating.

    Django only empties it, and pytest-django therefore runs such tests last. With pytest-xdist that order
    does not hold: a worker that finishes the browser tests goes on with the others. This also leaves a
    reused database (--reuse-db) as migrated for the next run.
    """
    from django.test import TransactionTestCase

    flush = TransactionTestCase._fixture_teardown

    def flush_then_restore(test_case):
        flush(test_case)
        row_snapshots.apply(PAGE_TREE.migrated)

    TransactionTestCase._fixture_teardown = flush_then_restore


SERIALIZED_TEST_DB: dict[str, str | None] = {}


class PageTree:
    """The catalogue, and the "Intro to Testing" course with its trainer, recorded once per session.

    Building them through Wagtail for every test was most of the suite's time. They are built once by the
    same code, recorded as rows (lms_site/tests/row_snapshots.py), and written back for each test that asks.
    """

    def __init__(self):
        self.layers: dict[str, row_snapshots.Layer] = {}
        self.migrated: row_snapshots.Layer | None = None  # every row as migrations left them
        self.pks: dict[str, int] = {}

    def record(self):
        from home.models import HomePage

        migrated = row_snapshots.read_tables()
        self.migrated = row_snapshots.difference({}, migrated)
        catalogue = _new_catalogue(HomePage.objects.get())
        with_catalogue = row_snapshots.read_tables()
        trainer = UserFactory(role="trainer")
        course = _new_course(catalogue, trainer)
        self.layers["catalogue"] = row_snapshots.difference(migrated, with_catalogue)
        self.layers["course"] = row_snapshots.difference(with_catalogue, row_snapshots.read_tables())
        self.pks = {"catalogue": catalogue.pk, "course": course.pk, "trainer": trainer.pk}
        row_snapshots.undo(self.layers["course"])
        row_snapshots.undo(self.layers["catalogue"])

    LAYERS = ("catalogue", "course")  # each written on top of the one before it

    def load(self, request, name: str):
        """Writes the named layer, and the layers under it, into the test's database once per test."""
        loaded = request.node.stash.setdefault(_LOADED_LAYERS, set())
        for layer in self.LAYERS[: self.LAYERS.index(name) + 1]:
            if layer not in loaded:
                row_snapshots.apply(self.layers[layer])
                loaded.add(layer)

    def get(self, name: str):
        models: dict[str, type[Model]] = {"catalogue": CourseIndexPage, "course": CoursePage, "trainer": User}
        model = models[name]
        return model._default_manager.get(pk=self.pks[name])


PAGE_TREE = PageTree()


class DemoSite:
    """The demo content (`seed_demo`), seeded by the first test that asks for it and written back as rows for
    the others: seeding took seconds for each browser test.

    Its media files live in one folder for the session, which every test with the demo uses as MEDIA_ROOT:
    images keep their ids from test to test, so Wagtail's cached renditions must point at files that stay.
    """

    def __init__(self):
        self.layer: row_snapshots.Layer | None = None

    def load(self) -> None:
        if self.layer is None:
            before = row_snapshots.read_tables()
            call_command("seed_demo", allow_production=True, verbosity=0)
            self.layer = row_snapshots.difference(before, row_snapshots.read_tables())
        else:
            row_snapshots.apply(self.layer)


DEMO_SITE = DemoSite()


@pytest.fixture(scope="session")
def _demo_media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("demo-media")


@pytest.fixture
def demo_content(db, settings, _demo_media):
    """The demo content a newcomer sees after `make run`, on a database as migrated."""
    from wagtail.models import Site

    settings.MEDIA_ROOT = _demo_media
    DEMO_SITE.load()
    # The demo moves the Site to SITE_URL. Rows written back (and rolled back after) bypass the save that
    # empties Wagtail's cached site URLs, so no test may see the other's.
    Site.clear_site_root_paths_cache()
    yield
    Site.clear_site_root_paths_cache()


_LOADED_LAYERS = pytest.StashKey[set]()


def _new_catalogue(home_page):
    page = home_page.add_child(instance=CourseIndexPage(title="Courses", slug="courses"))
    page.save_revision().publish()
    return page


def _new_course(catalogue, trainer):
    return make_course(catalogue, title="Intro to Testing", trainer=trainer, modules=2, lessons_per_module=2)


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language: a request to /de/ leaves German active in the thread (Django's
    LocaleMiddleware activates and never deactivates), and page addresses follow the active language."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_course_structures(db):
    """No test sees another's cached course outlines (learning.selectors.course_structure): rows written back
    between tests come without the page signals that would make them stale."""
    from learning.selectors import forget_course_structures

    forget_course_structures()


@pytest.fixture(autouse=True)
def _fresh_admin_access(db):
    """No test sees whether another test's user could open the admin (accounts.selectors.may_access_admin): ids
    come back after a rollback, and users written back between tests come without the signals that forget it."""
    from accounts.selectors import forget_all_admin_access

    forget_all_admin_access()


@pytest.fixture(autouse=True)
def _fresh_assigned_courses(db):
    """No learner's dashboard trusts another test's "has no assigned course" (organisations.selectors): ids come
    back after a rollback."""
    from organisations.selectors import forget_all_assigned_courses

    forget_all_assigned_courses()


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


@pytest.fixture(autouse=True)
def _no_renditions_of_earlier_tests():
    """Wagtail's rendition cache starts empty: its keys are image ids, which a later test reuses (settings/test.py)."""
    from django.core.cache import caches

    caches["renditions"].clear()


@pytest.fixture(autouse=True)
def _own_page_cache(settings):
    """Each test starts with no cached visitor pages (lms_site/page_cache.py): tests write rows back without the
    signals that would empty it, and the same URLs come back in every test."""
    import uuid

    settings.PAGE_CACHE_KEY_PREFIX = f"pages-test-{uuid.uuid4().hex}"


@pytest.fixture
def pages_rendered_every_time(settings):
    """Turns the visitor page cache off, for tests that count what rendering a page costs: with it on, a repeated
    anonymous visit is answered from the cache with no query at all, and a count compared with another would be
    0 == 0 (or, when the local-memory cache culls the entry, 12 == 0)."""
    settings.PAGE_CACHE_SECONDS = 0


def clear_this_workers_cache():
    """Empties the cache of this test process only.

    With REDIS_URL set, `cache.clear()` empties the whole Redis database: the other xdist worker's cached
    entries (mid-test) and Celery's broker keys with it. Each worker's keys carry its own prefix
    (settings/test.py), so deleting those is enough.
    """
    from django.conf import settings
    from django.core.cache import cache

    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def fresh_cache():
    """An empty cache for the test, emptied again after it (for tests whose pages or counts depend on it)."""
    clear_this_workers_cache()
    yield
    clear_this_workers_cache()


@pytest.fixture
def nginx_sends_private_files(settings, tmp_path):
    """Private files sent by nginx (PRIVATE_FILES_SENT_BY=nginx), from this test's tmp_path: the apps' test
    storages keep their files under it, so their downloads answer with X-Accel-Redirect (lms_site/files.py)."""
    settings.SENDFILE_BACKEND = "django_sendfile.backends.nginx"
    settings.SENDFILE_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def learner(db):
    return UserFactory(role="learner")


@pytest.fixture
def trainer(request, db):
    """A trainer; in a test with the course fixture, that course's trainer."""
    if "course" in request.fixturenames:
        PAGE_TREE.load(request, "course")
        return PAGE_TREE.get("trainer")
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

    return HomePage.objects.originals().get()


@pytest.fixture
def catalogue(request, home_page):
    """The published course catalogue under the home page."""
    PAGE_TREE.load(request, "catalogue")
    home_page.refresh_from_db()  # its child count changed
    return PAGE_TREE.get("catalogue")


@pytest.fixture
def course(request, catalogue, trainer):
    """A published course of two modules with two lessons each (1.1 a free preview), taught by `trainer`."""
    PAGE_TREE.load(request, "course")
    return PAGE_TREE.get("course")


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


@pytest.fixture(scope="session")
def identity_provider(tmp_path_factory):
    """A real OpenID Connect provider (django-oidc-provider) in a process of its own, one per test worker, with
    the clients and people of accounts/tests/oidc_provider_site/server.py."""
    from accounts.tests.oidc_provider_site.server import CLIENTS, PEOPLE, IdentityProvider

    provider = IdentityProvider(tmp_path_factory.mktemp("identity-provider"))
    provider.configure(clients=CLIENTS, people=PEOPLE)
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture
def single_sign_on(settings, identity_provider):
    """Learnwell configured for single sign-on with the test provider, roles from its `groups` claim."""
    from accounts.tests.oidc_provider_site.server import CLIENT_SECRET

    settings.OIDC_ISSUER = identity_provider.issuer
    settings.OIDC_RP_CLIENT_ID = "learnwell"
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_PROVIDER_NAME = "Acme ID"
    settings.OIDC_ROLE_CLAIM = "groups"
    settings.OIDC_ROLE_VALUES = {"trainer": {"lms-trainers"}, "admin": {"lms-admins"}}
    return identity_provider
