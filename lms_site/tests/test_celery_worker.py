"""A real Celery worker process, on the Redis broker, runs a project task end to end."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery.result import allow_join_result

from accounts.tasks import send_account_email
from lms_site.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


@pytest.fixture
def worker_queue(tmp_path):
    if not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set, so there is no broker for a real worker (CI sets it)")
    was_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    queue = f"test-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms_site.settings.test",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path),
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed in the teardown below
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "lms_site",
            "worker",
            "--pool=solo",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield queue, tmp_path
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
    log.close()
    celery_app.conf.task_always_eager = was_eager


def test_worker_delivers_an_account_email(worker_queue):
    queue, mail_dir = worker_queue
    result = send_account_email.apply_async(
        kwargs={"subject": "Worker check", "body": "Sent by a real worker.", "to": ["someone@example.com"]},
        queue=queue,
        ignore_result=False,  # results are off by default (settings); this test waits for one
    )
    try:
        # Celery's "inside a task" flag is process-wide: eager tasks that ran in the race tests' threads can
        # leave it set, and this test is not inside a task.
        with allow_join_result():
            assert result.get(timeout=90) == 1
    except Exception:
        print((mail_dir / "worker.log").read_text())
        raise
    messages = [path.read_text() for path in mail_dir.iterdir() if path.suffix == ".log" and path.name != "worker.log"]
    assert len(messages) == 1
    assert "Subject: Worker check" in messages[0] and "someone@example.com" in messages[0]
