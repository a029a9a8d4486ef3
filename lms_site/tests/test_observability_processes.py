"""Observability as the production processes have it: a web process (lms_site.wsgi, production settings)
reports a failing view to a Sentry ingest endpoint the test serves and logs it as JSON; a real Celery worker
with production settings logs JSON lines that carry the id of the request that queued the task."""

import gzip
import importlib
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from accounts.tasks import send_account_email
from lms_site.celery import app as celery_app
from lms_site.tests.fake_server import FakeHandler, FakeServer
from lms_site.tests.test_cache_outage import RedisServer

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


def database_url() -> str:
    """The test database, for a subprocess that must find the tables (sessions, users) of this one."""
    found = connection.settings_dict
    if found["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{found['NAME']}"
    host, port = found["HOST"] or "127.0.0.1", found["PORT"] or 3306
    return f"mysql://{found['USER']}:{found['PASSWORD']}@{host}:{port}/{found['NAME']}"


def production_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SENTRY_", "LOG_"))}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return {
        **env,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "lms_site.settings.production",
        "SECRET_KEY": "a-long-secret-key-for-the-observability-probes-0123456789abcdef",
        "ALLOWED_HOSTS": "learnwell.example",
        "DATABASE_URL": database_url(),
        **extra,
    }


@dataclass
class Envelope:
    method: str
    path: str
    items: list[tuple[dict, dict]]  # (item header, payload)
    raw: str


class IngestHandler(FakeHandler):
    def answer(self) -> None:
        body = self.read_body()
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            # sentry-sdk prefers brotli whenever the package is installed (locust, a bench dependency, brings it).
            # Imported by name: brotli is not a project dependency, so mypy has no stubs for it in CI.
            body = importlib.import_module("brotli").decompress(body)
        text = body.decode()
        lines = text.splitlines()
        items = []
        for index in range(1, len(lines) - 1, 2):
            header, payload = json.loads(lines[index]), lines[index + 1]
            items.append((header, json.loads(payload) if payload.startswith("{") else {}))
        self.fake._record(Envelope(method=self.command, path=self.path, items=items, raw=text))
        self.send_json(200, {})


@dataclass(kw_only=True)
class FakeSentry(FakeServer[Envelope]):
    handler = IngestHandler
    thread_name = "fake-sentry"

    def events(self) -> list[dict]:
        with self._lock:
            return [payload for env in self.requests for header, payload in env.items if header["type"] == "event"]


@pytest.fixture
def sentry():
    fake = FakeSentry().start()
    yield fake
    fake.stop()


WEB_PROBE = """
import io, json, os, sys
from wsgiref.util import setup_testing_defaults
from django.conf import settings

# Production settings from the environment, plus a URL that fails; static files are not collected here.
settings.ROOT_URLCONF = "lms_site.tests.failing_urls"
settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

from lms_site.wsgi import application
import sentry_sdk

environ = {}
setup_testing_defaults(environ)
body = ("email=" + os.environ["PROBE_EMAIL"]).encode()  # not on the command line, which Sentry reports
environ.update({
    "REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/x-www-form-urlencoded",
    "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
    "PATH_INFO": sys.argv[1], "HTTP_HOST": "learnwell.example", "HTTP_X_FORWARDED_PROTO": "https",
    "HTTP_X_REQUEST_ID": "web-probe-1", "HTTP_COOKIE": "sessionid=session-value-never-reported; csrftoken=csrf-x",
    "REMOTE_ADDR": "203.0.113.9",
})
answer = []
body = b"".join(application(environ, lambda status, headers, exc_info=None: answer.append((status, headers))))
sentry_sdk.flush(timeout=10)
status, headers = answer[0]
print(json.dumps({"status": status, "headers": dict(headers), "sentry": sentry_sdk.get_client().is_active()}))
"""


PROBE_EMAIL = "probe.person.4e1b@example.com"


def run_web_probe(path: str, env: dict[str, str]) -> tuple[dict, list[dict]]:
    env = {**env, "PROBE_EMAIL": PROBE_EMAIL}
    result = subprocess.run(
        [sys.executable, "-c", WEB_PROBE, path], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    logged = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    return json.loads(result.stdout.strip().splitlines()[-1]), logged


def test_a_failing_view_is_reported_to_sentry_with_its_request_id_and_nothing_personal(db, sentry):
    dsn = f"http://public@{sentry.url.removeprefix('http://')}/1"
    answer, logged = run_web_probe("/__fail__/", production_env(SENTRY_DSN=dsn, SENTRY_ENVIRONMENT="staging"))

    assert answer["status"].startswith("500") and answer["sentry"] is True
    assert answer["headers"]["X-Request-ID"] == "web-probe-1"
    [event] = sentry.events()
    assert [value["type"] for value in event["exception"]["values"]][-1] == "ProbeFailure"
    assert event["tags"]["request_id"] == "web-probe-1"
    assert event["tags"]["component"] == "web"
    assert event["environment"] == "staging"
    assert event["request"]["url"].endswith("learnwell.example/__fail__/")
    # Nothing personal anywhere in what was sent: no cookies, no user, no client address, no form body,
    # no local variables (the failing frame held the e-mail address).
    raw = "".join(envelope.raw for envelope in sentry.requests)
    assert "session-value-never-reported" not in raw and "csrf-x" not in raw
    assert PROBE_EMAIL not in raw and "probe.person.4e1b" not in raw
    assert "203.0.113.9" not in raw
    assert not event.get("user")
    assert "vars" not in event["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    # The same failure in the JSON log, under the same id.
    [line] = [line for line in logged if line["logger"] == "django.request"]
    assert line["level"] == "ERROR" and line["request_id"] == "web-probe-1"
    assert "ProbeFailure" in line["exc_info"]


def test_without_a_dsn_the_web_process_starts_no_sentry_and_sends_nothing(db, sentry):
    answer, logged = run_web_probe("/__fail__/", production_env())
    assert answer["status"].startswith("500")
    assert answer["sentry"] is False
    assert sentry.requests == []
    assert any(line["request_id"] == "web-probe-1" for line in logged)


CELERY_TEXT_LINE = re.compile(r"^\[\d{4}-\d\d-\d\d [\d:,]+: (DEBUG|INFO|WARNING|ERROR|CRITICAL)/")


@pytest.fixture
def broker(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=server.url, task_always_eager=False)
    celery_app._pool = celery_app.amqp._producer_pool = None
    yield server
    celery_app.conf.update(saved)
    celery_app._pool = celery_app.amqp._producer_pool = None
    server.stop()


def worker_lines(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def test_a_worker_logs_json_lines_with_the_id_of_the_request_that_queued_the_task(
    client, learner, course, broker, run_on_commit, tmp_path
):
    client.force_login(learner)
    response = run_on_commit(
        client.post, reverse("learning:enrol", args=(course.pk,)), headers={"X-Request-ID": "enrol-worker-1"}
    )
    assert response.status_code == 302
    # Queued by nobody's request, as beat queues its tasks.
    beat_like = send_account_email.apply_async(kwargs={"subject": "From beat", "body": "b", "to": ["a@example.com"]})

    log_path = tmp_path / "worker.log"
    env = production_env(
        REDIS_URL=broker.url,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
    )
    command = [sys.executable, "-m", "celery", "-A", "lms_site", "worker", "--pool=solo", "--queues", "email"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"]
    with open(log_path, "w") as log:
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            done = [line for line in worker_lines(log_path) if "succeeded" in line["message"]]
            if len(done) == 2 or time.monotonic() > deadline or worker.poll() is not None:
                break
            time.sleep(0.2)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
    text = log_path.read_text()
    assert len(done) == 2, text

    by_task = {line["task_id"]: line for line in done}
    from_beat = by_task.pop(beat_like.id)
    [from_request] = by_task.values()
    assert from_request["request_id"] == "enrol-worker-1"
    assert from_request["task_name"] == "accounts.tasks.send_account_email"
    assert from_request["logger"] == "celery.app.trace" and from_request["level"] == "INFO"
    # A task no request queued is known by its own id.
    assert from_beat["request_id"] == beat_like.id
    # Celery did not put its own format back: every log line of the worker is JSON.
    assert not [line for line in text.splitlines() if CELERY_TEXT_LINE.match(line)], text
    assert len(list((tmp_path / "mail").iterdir())) == 2
