"""A Redis outage costs cache misses and unqueued tasks, never a page: tested against a real redis-server.

Each test starts its own redis-server on a free port (CI installs it with the rest of the services), points
the cache or the Celery broker at it, stops it mid-test and starts it again on the same port.
"""

import logging
import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.urls import reverse
from wagtail.models import Site
from wagtail.models.sites import SITE_ROOT_PATHS_CACHE_KEY, SITE_ROOT_PATHS_CACHE_VERSION

from accounts.tests.factories import PASSWORD
from lms_site.beat import publish_scheduled_pages
from lms_site.tests.servers import RedisServer, celery_publishing_to

RETRY_AFTER = 0.2  # seconds the cache leaves a failed Redis alone; short, so the test can wait it out


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_cache(settings, redis_server):
    settings.CACHES = {
        "default": {
            "BACKEND": "lms_site.cache.ResilientRedisCache",
            "LOCATION": redis_server.url,
            "KEY_PREFIX": "outage",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5, "RETRY_AFTER": RETRY_AFTER},
        }
    }
    Site.clear_site_root_paths_cache()
    yield redis_server
    Site.clear_site_root_paths_cache()


@pytest.fixture
def redis_broker(settings, redis_server):
    """Celery publishing to the test's Redis, as in production (tests otherwise run tasks in-process)."""
    settings.REDIS_URL = redis_server.url
    with celery_publishing_to(redis_server.url):
        yield redis_server


def site_root_paths():
    return cache.get(SITE_ROOT_PATHS_CACHE_KEY, version=SITE_ROOT_PATHS_CACHE_VERSION)


def signed_in_user_id(client):
    return client.session.get(SESSION_KEY)


def test_pages_and_sign_in_answer_while_the_cache_is_down_and_caching_resumes(
    client, course, learner, redis_cache, caplog
):
    pages = ["/", course.get_parent().url, course.url, reverse("accounts:sign_in")]
    for url in pages:
        assert client.get(url).status_code == 200
    assert site_root_paths(), "Wagtail cached its site root paths in Redis"
    assert redis_cache.keys("outage:*")

    redis_cache.stop()
    caplog.set_level(logging.WARNING, logger="lms_site.cache")
    started = time.monotonic()
    for url in pages:
        assert client.get(url).status_code == 200, url
    response = client.post(reverse("accounts:sign_in"), {"username": learner.username, "password": PASSWORD})
    assert response.status_code == 302
    assert str(signed_in_user_id(client)) == str(learner.pk)
    assert client.get(course.url).status_code == 200
    assert site_root_paths() is None
    assert time.monotonic() - started < 5, "a refused connection costs milliseconds, not timeouts"
    outage_warnings = [r for r in caplog.records if r.name == "lms_site.cache" and r.levelno == logging.WARNING]
    assert len(outage_warnings) == 1, "one warning per outage, not one per cache call"

    redis_cache.start()
    time.sleep(RETRY_AFTER)
    assert client.get("/").status_code == 200
    assert site_root_paths(), "caching works again once Redis is back"
    cache.set("after-outage", "kept")
    assert cache.get("after-outage") == "kept"


def test_a_down_cache_answers_misses_and_ignores_writes(redis_cache):
    cache.set("counter", 1)
    redis_cache.stop()
    assert cache.get("counter") is None
    assert cache.get("counter", default=7) == 7
    assert cache.get_or_set("counter", 3) == 3
    assert cache.add("new", 1) is False
    assert cache.get_many(["counter", "new"]) == {}
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.has_key("counter") is False
    cache.delete("counter")
    cache.delete_many(["a", "b"])
    with pytest.raises(ValueError):
        cache.incr("counter")


def test_healthz_answers_without_touching_database_session_or_cache(client):
    # No db fixture: any query would raise here.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


@pytest.fixture
def no_broker(settings):
    """The embedded default, where tasks run in-process and there is no broker to check (CI sets REDIS_URL)."""
    settings.REDIS_URL = ""


def test_readyz_answers_200_with_each_check(client, db, no_broker):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


def test_readyz_answers_503_naming_the_database_when_it_fails(client, db, no_broker):
    from unittest import mock

    from django.db import OperationalError, connection

    with mock.patch.object(connection, "cursor", side_effect=OperationalError("gone")):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "failing", "cache": "ok"}


def test_readyz_answers_503_naming_the_cache_while_redis_is_down(client, db, redis_cache):
    assert client.get("/readyz").status_code == 200
    redis_cache.stop()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["cache"] == "failing"
    assert client.get("/healthz").status_code == 200

    redis_cache.start()
    time.sleep(RETRY_AFTER)
    assert client.get("/readyz").status_code == 200


def test_readyz_checks_the_broker_when_redis_is_configured(client, db, redis_broker):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["broker"] == "ok"

    redis_broker.stop()
    started = time.monotonic()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "cache": "ok", "broker": "failing"}
    assert time.monotonic() - started < 3


def test_a_task_that_cannot_be_queued_is_kept_and_the_request_goes_on(db, redis_broker, run_on_commit, caplog):
    from lms_site.models import UnqueuedTask

    run_on_commit(publish_scheduled_pages.delay_on_commit)
    assert redis_broker.keys("*"), "the task reached the broker"
    assert not UnqueuedTask.objects.exists()

    redis_broker.stop()
    with caplog.at_level(logging.WARNING, logger="lms_site.outbox"):
        run_on_commit(publish_scheduled_pages.delay_on_commit)
    assert "lms_site.publish_scheduled_pages kept in the outbox" in caplog.text
    assert UnqueuedTask.objects.get().task_name == "lms_site.publish_scheduled_pages"


@pytest.fixture
def partition(monkeypatch):
    """Cuts the cache off from Redis while Redis keeps its data, as a network partition or a paused server does
    (killing redis-server, as the tests above do, empties it)."""
    from django.core.cache.backends.redis import RedisCacheClient
    from redis.exceptions import ConnectionError as RedisConnectionError

    real_get_client = RedisCacheClient.get_client
    state = {"cut": False}

    def get_client(self, *args, **kwargs):
        if state["cut"]:
            raise RedisConnectionError("partitioned")
        return real_get_client(self, *args, **kwargs)

    monkeypatch.setattr(RedisCacheClient, "get_client", get_client)

    class Partition:
        def cut(self):
            state["cut"] = True

        def heal(self):
            state["cut"] = False
            time.sleep(RETRY_AFTER)

    return Partition()


def test_writes_lost_while_redis_is_out_of_reach_are_deleted_once_it_answers(redis_cache, partition):
    cache.set_many({"price": "old", "stock": "old"})
    cache.set("generation", "old")
    cache.set("untouched", "kept")

    partition.cut()
    cache.set("price", "new")
    cache.set_many({"stock": "new"})
    cache.delete("generation")
    assert cache.get("untouched") is None  # a miss while cut off
    partition.heal()

    # Redis still held the old values; the writes it never received left nothing older to read.
    assert cache.get_many(["price", "stock", "generation"]) == {}
    assert cache.get("untouched") == "kept"
    cache.set("price", "newer")
    assert cache.get("price") == "newer"


def test_a_session_signed_out_while_redis_is_out_of_reach_stays_signed_out(
    client, learner, redis_cache, partition, settings
):
    assert settings.SESSION_ENGINE.endswith("cached_db")
    client.force_login(learner)
    dashboard = reverse("learning:dashboard")
    assert client.get(dashboard).status_code == 200
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert redis_cache.keys("outage:*cached_db*"), "the session is kept in Redis"

    partition.cut()
    assert client.get(dashboard).status_code == 200, "the session is read from the database"
    client.post(reverse("accounts:sign_out"))
    partition.heal()

    client.cookies[settings.SESSION_COOKIE_NAME] = cookie  # someone who kept a copy of the cookie
    response = client.get(dashboard)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:sign_in"))
