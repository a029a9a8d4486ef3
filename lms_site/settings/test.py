import os

from . import files
from .base import *  # noqa: F403
from .base import logging_config

DEBUG = False
SECRET_KEY = "test-only-key-not-secret-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
WAGTAILADMIN_BASE_URL = "http://testserver"
# pytest-xdist runs the suite in several processes, each with its own database (pytest-django adds the worker
# name to the test database's). Files and cache entries are kept apart the same way: two workers would
# otherwise write certificate number 1 of two different databases to the same file.
TEST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
MEDIA_ROOT = BASE_DIR / "var" / f"test-media-{TEST_WORKER}"  # noqa: F405
# Private stores on this worker's disk whatever the environment says (a bucket, nginx): tests that want a
# bucket or nginx's answers set them up themselves (lms_site/tests/test_object_storage.py, test_files.py).
PRIVATE_ROOT = BASE_DIR / "var" / f"test-private-{TEST_WORKER}"  # noqa: F405
STORAGES = files.storages_from_env({"PRIVATE_ROOT": str(PRIVATE_ROOT)}, base_dir=BASE_DIR)  # noqa: F405
SENDFILE_BACKEND = None
SENDFILE_ROOT = str(PRIVATE_ROOT)
CACHES["default"]["KEY_PREFIX"] = f"test-{TEST_WORKER}"  # noqa: F405
# Wagtail keeps renditions in this cache, keyed by image id. A test's rows are rolled back and the next test's
# images get the same ids again, so a rendition cached by one test named a file the next one never had (the
# browser then asked for a missing image). Each test starts with it empty (conftest.py).
CACHES["renditions"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "renditions"}  # noqa: F405
# Sessions from the cache as in production with Redis (base.py): a test process and its live server share one
# local-memory cache, so nothing reads a session another has changed.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Tests run tasks in-process even when REDIS_URL is set; test_celery_worker.py turns this off
# to send a task through the real broker to a real worker.
CELERY_TASK_ALWAYS_EAGER = True
# Warnings and errors on stderr, as Django's own default did; a test that wants INFO records asks caplog.
LOGGING = logging_config(os.environ.get("LOG_FORMAT", "text"), os.environ.get("LOG_LEVEL", "WARNING"))
# No calls out of the machine: the admin dashboard would otherwise ask releases.wagtail.org for updates.
WAGTAIL_ENABLE_UPDATE_CHECK = False
# The webhook tests' receiver listens on 127.0.0.1; test_address_guard.py turns the guard back on.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True

# Tests read the primary's test database only: a replica alias is a second connection, which would not see the
# rows a test writes inside its transaction. lms_site/tests/test_replicas.py sets up the replicas it tests.
for _alias in DATABASE_REPLICAS:  # noqa: F405
    del DATABASES[_alias]  # noqa: F405
DATABASE_REPLICAS.clear()  # noqa: F405

# SQLite tests use a database file, not memory. With an in-memory database Django hands the live server's
# thread the test thread's own connection, so a browser test's requests and the test's own ORM calls ran
# on one connection from two threads at once ("no such savepoint", failures one clean run in two). With a
# file, each thread has its own connection and SQLite's locking orders them. Durability is not wanted here.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    (BASE_DIR / "var").mkdir(exist_ok=True)  # noqa: F405
    # One file per test process, so two runs at once (or a run beside a benchmark) never share one.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-db-{os.getpid()}.sqlite3")}  # noqa: F405
    # Transactions take the write lock when they begin and wait for it (up to 20 s): a deferred transaction
    # that tries to upgrade to writing while the other thread writes fails at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(  # noqa: F405
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
