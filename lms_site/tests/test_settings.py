"""The environment decides the infrastructure; unset means the embedded defaults."""

import os
import secrets
import subprocess
import sys

import pytest

from .settings_probe import ROOT, read_in_subprocess

INFRA_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "REDIS_CACHE_URL",
    "CELERY_BROKER_URL",
    "OPENSEARCH_URL",
    "EMAIL_HOST",
    "EMAIL_BACKEND",
    "SECRET_KEY",
    "DEBUG",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)

READ_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "options": db.get("OPTIONS", {}),
    "cache": settings.CACHES["default"]["BACKEND"], "broker": settings.CELERY_BROKER_URL,
    "cache_location": settings.CACHES["default"].get("LOCATION", ""),
    "beat_lock_redis": getattr(settings, "CELERY_REDBEAT_REDIS_URL", ""),
    "search": settings.WAGTAILSEARCH_BACKENDS["default"],
    "eager": settings.CELERY_TASK_ALWAYS_EAGER, "email": settings.EMAIL_BACKEND, "debug": settings.DEBUG,
    "sessions": settings.SESSION_ENGINE,
}))
"""


def read_settings(module: str, **env: str) -> dict:
    return read_in_subprocess(READ_SETTINGS, module, env, drop=lambda name: name in INFRA_VARIABLES)


def test_unset_environment_means_embedded_defaults():
    values = read_settings("lms_site.settings.dev")
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["cache"].endswith("LocMemCache")
    assert values["eager"] is True and values["broker"] == "memory://"
    assert values["email"].endswith("console.EmailBackend")
    assert values["debug"] is True


def test_mysql_url_uses_mysqlclient_with_utf8mb4():
    values = read_settings("lms_site.settings.dev", DATABASE_URL="mysql://lms:pw@db.internal:3306/lms")
    assert values["engine"] == "django.db.backends.mysql"
    assert values["name"] == "lms"
    assert values["options"]["charset"] == "utf8mb4"


def test_redis_url_switches_cache_and_broker():
    values = read_settings("lms_site.settings.dev", REDIS_URL="redis://127.0.0.1:6379/5")
    assert values["cache"] == "lms_site.cache.ResilientRedisCache"
    assert values["broker"] == "redis://127.0.0.1:6379/5"
    assert values["eager"] is False


def test_cache_and_broker_can_each_have_their_own_redis():
    values = read_settings(
        "lms_site.settings.dev",
        REDIS_URL="redis://shared:6379/0",
        REDIS_CACHE_URL="redis://cache.internal:6379/0",
        CELERY_BROKER_URL="redis://queues.internal:6379/0",
    )
    assert values["cache_location"] == "redis://cache.internal:6379/0"
    # The beat lock and schedule live with the queues, which are never evicted.
    assert values["broker"] == values["beat_lock_redis"] == "redis://queues.internal:6379/0"


def test_sessions_are_cached_only_where_every_process_shares_the_cache():
    secret = {"SECRET_KEY": secrets.token_urlsafe(60)}
    # Production without Redis: each gunicorn worker's local-memory cache would keep its own copy of a session.
    assert read_settings("lms_site.settings.production", **secret)["sessions"].endswith(".db")
    with_redis = read_settings("lms_site.settings.production", REDIS_URL="redis://127.0.0.1:6379/5", **secret)
    assert with_redis["sessions"].endswith(".cached_db")
    # runserver is a single process.
    assert read_settings("lms_site.settings.dev")["sessions"].endswith(".cached_db")


def test_search_stays_on_the_guarded_database_backend_unless_opensearch_is_configured():
    assert read_settings("lms_site.settings.dev")["search"] == {"BACKEND": "lms_site.search_backend"}
    search = read_settings("lms_site.settings.dev", OPENSEARCH_URL="https://search.internal:9200")["search"]
    assert search["BACKEND"] == "wagtail.search.backends.opensearch2"
    assert search["URLS"] == ["https://search.internal:9200"]


def test_smtp_host_switches_email_to_smtp():
    values = read_settings("lms_site.settings.dev", EMAIL_HOST="smtp.example.com")
    assert values["email"].endswith("smtp.EmailBackend")


def test_production_refuses_to_start_without_a_real_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        read_settings("lms_site.settings.production", SECRET_KEY="short")


def test_production_settings_pass_the_deploy_checks():
    clean = {k: v for k, v in os.environ.items() if k not in INFRA_VARIABLES}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "lms_site.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "learn.example.com",
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
