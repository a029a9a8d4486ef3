"""Two beats started against one Redis never both fire (celery-redbeat's lock, docs/adr/0023).

Runs two real `celery beat` processes on a redis-server of the test's own and counts what reaches the queue:
every periodic task is due at start, so without the lock each would be queued twice.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from lms_site.tests.servers import RedisServer

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.xdist_group("beat-lock")


def start_beat(redis_url: str, log: Path) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms_site.settings.dev",
        "REDIS_URL": redis_url,
        "DATABASE_URL": "sqlite:///:memory:",  # beat reads no table; it must not touch a developer's database
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "lms_site", "beat", "--loglevel", "INFO"],
        cwd=ROOT,
        env=environment,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def queued_task_names(client: redis.Redis) -> list[str]:
    return [json.loads(message)["headers"]["task"] for message in client.lrange("default", 0, -1)]


def wait_for(what: str, probe, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not probe():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.2)


def make_due(client: redis.Redis, *names: str) -> None:
    """RedBeat first runs an entry one interval after it is created: mark these as last run long ago."""
    long_ago = {"__type__": "datetime", "year": 2000, "month": 1, "day": 1, "hour": 0, "minute": 0, "second": 0}
    for name in names:
        key = f"learnwell:beat:{name}"
        client.hset(key, "meta", json.dumps({"last_run_at": {**long_ago, "microsecond": 0, "timezone": "UTC"}}))
        client.zadd("learnwell:beat::schedule", {key: 0})


def test_a_second_beat_waits_for_the_lock_nothing_is_queued_twice_and_it_takes_over(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    client = redis.Redis(port=server.port)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = second = None
    try:
        first = start_beat(server.url, first_log)
        wait_for("the first beat's lock", lambda: "Acquired lock" in first_log.read_text())
        second = start_beat(server.url, second_log)
        wait_for("the second beat to start", lambda: "beat: Starting" in second_log.read_text())

        make_due(client, "publish-scheduled-pages", "submit-expired-attempts")
        wait_for("the due tasks", lambda: len(queued_task_names(client)) >= 2, seconds=15)
        time.sleep(6)  # more than one tick of each beat (they wake every 5 s at most)

        names = queued_task_names(client)
        assert names.count("lms_site.publish_scheduled_pages") == 1, names
        assert names.count("assessments.tasks.submit_expired_attempts") == 1, names
        assert "Acquired lock" not in second_log.read_text()
        assert second.poll() is None  # waiting, not gone

        # The first beat stops (a deploy, a crash): the waiting one takes over.
        first.terminate()
        first.wait(timeout=20)
        wait_for("the second beat to take the lock", lambda: "Acquired lock" in second_log.read_text())
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=20)
        server.stop()


def test_redbeat_reads_the_project_settings_not_the_broker_fallbacks():
    script = (
        "from lms_site.celery import app\n"
        "from redbeat.schedulers import RedBeatConfig\n"
        "config = RedBeatConfig(app)\n"
        "options = config.redbeat_redis_options\n"
        "print(config.redis_url, config.lock_timeout, config.key_prefix, options['retry_period'])\n"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms_site.settings.dev",
        "REDIS_URL": "redis://queues:6379/3",
    }
    environment.pop("CELERY_BROKER_URL", None)
    result = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["redis://queues:6379/3", "30", "learnwell:beat:", "60"]
