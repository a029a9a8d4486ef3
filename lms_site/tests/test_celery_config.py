"""The Celery topology: every project task has a queue chosen on purpose, time limits, and a broker visibility
timeout longer than any delay a task is sent with."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from celery.app.task import Task
from django.conf import settings

from lms_site.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
QUEUES = {"default", "documents", "email"}


def project_tasks() -> dict[str, Task]:
    celery_app.loader.import_default_modules()
    return {name: task for name, task in celery_app.tasks.items() if not name.startswith("celery.")}


def test_the_registry_holds_the_project_tasks():
    # A guard for the tests below: autodiscovery found the apps' tasks and the beat module.
    names = set(project_tasks())
    assert {"accounts.tasks.send_account_email", "lms_site.publish_scheduled_pages"} <= names
    assert len(names) >= 24


def test_every_project_task_is_routed_to_one_of_the_three_queues_on_purpose():
    decided = [*settings.CELERY_QUEUE_DEFAULT, *settings.CELERY_QUEUE_DOCUMENTS, *settings.CELERY_QUEUE_EMAIL]
    assert len(decided) == len(set(decided)), "a task is listed for two queues"
    # A new task must be added to one of the lists in settings; a renamed or deleted one must leave them.
    assert set(project_tasks()) == set(decided)
    router = celery_app.amqp.router
    for name in project_tasks():
        assert router.route({}, name)["queue"].name in QUEUES, name
    assert celery_app.conf.task_default_queue == "default"


def test_documents_and_email_tasks_land_on_their_queues():
    router = celery_app.amqp.router
    assert router.route({}, "certificates.tasks.build_certificate_pdf")["queue"].name == "documents"
    assert router.route({}, "analytics.tasks.build_export")["queue"].name == "documents"
    assert router.route({}, "billing.tasks.send_receipt")["queue"].name == "documents"
    assert router.route({}, "accounts.tasks.send_account_email")["queue"].name == "email"
    assert router.route({}, "scheduling.tasks.send_session_reminders")["queue"].name == "email"
    assert router.route({}, "gamification.tasks.reward_attempt")["queue"].name == "default"


def effective_limits(task: Task) -> tuple[float, float]:
    # What the worker applies: the task's own limit (annotations set it), else the global default.
    soft = task.soft_time_limit or celery_app.conf.task_soft_time_limit
    hard = task.time_limit or celery_app.conf.task_time_limit
    return soft, hard


def test_every_task_has_a_soft_limit_below_its_hard_limit():
    for name, task in project_tasks().items():
        soft, hard = effective_limits(task)
        assert soft and hard, name
        assert 0 < soft < hard, name


def test_long_tasks_get_more_than_the_default():
    tasks = project_tasks()
    default = effective_limits(tasks["accounts.tasks.send_account_email"])
    assert default == (60, 90)
    for name in ("analytics.tasks.build_export", "assessments.tasks.regrade_assessment_task"):
        assert effective_limits(tasks[name])[0] >= 10 * 60, name
    # A beat task must give up before its next tick is due.
    assert effective_limits(tasks["lms_site.publish_scheduled_pages"])[1] < 60


def countdowns_in_use() -> list[float]:
    """Every delay a project task is sent with: literal countdown=/eta= seconds in the code, the retry backoffs
    (capped at retry_backoff_max) and media_pipeline's own exponential retry."""
    delays: list[float] = []
    for task in project_tasks().values():
        if getattr(task, "retry_backoff", False):
            # autoretry_for caps the backoff at the task's retry_backoff_max, 600 s when it sets none.
            delays.append(getattr(task, "retry_backoff_max", 600))
        delays.append(task.default_retry_delay or 0)
    from media_pipeline.tasks import MAX_RETRIES

    delays.append(30 * 2 ** (MAX_RETRIES - 1))
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or "node_modules" in path.parts or "tests" in path.parts:
            continue
        for match in re.finditer(r"(?:countdown|eta)\s*=\s*(\d+)", path.read_text()):
            delays.append(float(match.group(1)))
    return delays


def test_the_visibility_timeout_outlasts_every_countdown_and_every_hard_limit():
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert celery_app.conf.broker_transport_options["visibility_timeout"] == timeout
    assert max(countdowns_in_use()) >= 480  # the scan found the media retry and the backoff cap
    assert timeout > max(countdowns_in_use())
    # An acks_late message whose task is still running when the timeout passes is delivered again.
    assert timeout > max(effective_limits(task)[1] for task in project_tasks().values())


PROBE = """
import importlib, json, resource, sys
from django.apps import apps
from lms_site.wsgi import application
import django.urls
django.urls.get_resolver().url_patterns
for config in apps.get_app_configs():
    try:
        importlib.import_module(config.name + ".views")
    except ModuleNotFoundError as error:
        if error.name != config.name + ".views":
            raise
heavy = sorted({name.split(".")[0] for name in sys.modules} & {"pandas", "openpyxl", "docx", "reportlab"})
print(json.dumps({"heavy": heavy, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def test_a_web_worker_starts_without_the_document_libraries():
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "lms_site.settings.production",
        "SECRET_KEY": "a-long-secret-key-for-the-start-up-probe-0123456789abcdef",
        "ALLOWED_HOSTS": "learnwell.example",
    }
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["heavy"] == [], f"loaded at start-up: {report['heavy']}"
