"""Settings for serving the site to a load test: the project's settings, with a bench database.

    DJANGO_SETTINGS_MODULE=bench.settings gunicorn lms_site.wsgi:application

The database is DATABASE_URL when it names a database whose name contains "bench" (the load script
migrates it and writes learners to it), otherwise the SQLite file var/bench.sqlite3. Only what a
benchmark needs differs from production: DEBUG off but plain HTTP (no TLS redirect, no secure
cookies), a fast password hasher (every simulated learner signs in), and the minimal view of
bench/urls.py in front of the site's URLs.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from lms_site.settings.base import *  # noqa: F403
from lms_site.settings.base import BASE_DIR, DATABASES

DEBUG = False
SECRET_KEY = "bench-only-key-not-secret-0123456789abcdefghijklmnopqrstuvwxyz"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.urls"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WAGTAILADMIN_BASE_URL = "http://127.0.0.1"

if not os.environ.get("DATABASE_URL"):
    DATABASES["default"] = dj_database_url.parse(f"sqlite:///{BASE_DIR / 'var' / 'bench.sqlite3'}")
_database = DATABASES["default"]
if "bench" not in Path(str(_database["NAME"])).name:
    raise ImproperlyConfigured(
        f"DATABASE_URL names the database {Path(str(_database['NAME'])).name!r}. The benchmark migrates and writes "
        'to its database, so it only runs on one whose name contains "bench".'
    )
# As production runs (.env.example sets DB_CONN_MAX_AGE=60): a connection per worker thread, kept.
_database["CONN_MAX_AGE"] = int(os.environ.get("DB_CONN_MAX_AGE", "60"))
_database["CONN_HEALTH_CHECKS"] = True
if _database["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn processes and threads write at once. WAL lets readers carry on during a write;
    # BEGIN IMMEDIATE takes the write lock at the start of a transaction, so a transaction that reads
    # then writes (complete_lesson) waits for the lock (up to `timeout` seconds) instead of failing
    # with "database is locked" when another one wrote in between.
    _database.setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
