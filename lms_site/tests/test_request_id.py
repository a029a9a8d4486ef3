"""The request id: taken from the proxy or made, answered, and on every log line of the request; the log
formats; Sentry off without a DSN. (A real worker, a production web process and Sentry's ingest are in
test_observability_processes.py.)"""

import io
import json
import logging
import re

import pytest
import sentry_sdk
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from lms_site import request_id
from lms_site.logs import json_formatter, logging_config, text_formatter
from lms_site.middleware import MAX_QUERY_VALUE_CHARACTERS
from lms_site.sentry import _traces_sample_rate, init_sentry

MADE_UP = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def json_lines():
    """What the production handler writes, read back as JSON: a handler with its filter and formatter."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(request_id.RequestIdFilter())
    handler.setFormatter(json_formatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    root.removeHandler(handler)


def test_a_plausible_id_from_the_proxy_is_kept_and_answered(client):
    for sent in ("0f8c2b7e9a1d4c6b8e2f0a3d5c7b9e1f", "4d1f6a2e-9c3b-4e8a-b7d5-0f2c8e6a1b3d", "lb.1_A", "a", "x" * 64):
        response = client.get("/healthz", headers={"X-Request-ID": sent})
        assert response["X-Request-ID"] == sent


@pytest.mark.parametrize("sent", ["", "has space", "x" * 65, "<script>", "a;b=c", "ünïcode", "%0d%0aSet-Cookie"])
def test_an_implausible_id_is_replaced_by_one_of_ours(client, sent):
    response = client.get("/healthz", headers={"X-Request-ID": sent})
    assert response.status_code == 200
    assert MADE_UP.fullmatch(response["X-Request-ID"])


def test_each_request_without_an_id_gets_its_own_and_none_outlives_it(client):
    first, second = client.get("/healthz")["X-Request-ID"], client.get("/healthz")["X-Request-ID"]
    assert MADE_UP.fullmatch(first) and MADE_UP.fullmatch(second) and first != second
    assert request_id.current() is None


def test_redirects_made_before_the_view_carry_the_id_too(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/", headers={"X-Request-ID": "before-the-view"})
    assert response.status_code == 301
    assert response["X-Request-ID"] == "before-the-view"


def test_a_refused_request_is_logged_with_its_id_though_django_logs_it_after_the_middleware(client, db, json_lines):
    long_value = "x" * (MAX_QUERY_VALUE_CHARACTERS + 1)
    response = client.get(f"/?q={long_value}", headers={"X-Request-ID": "refused-1"})
    assert response.status_code == 400
    [line] = [line for line in json_lines() if line["logger"] == "django.request"]
    assert line["level"] == "WARNING" and line["status_code"] == 400
    assert line["request_id"] == "refused-1"


def test_a_5xx_is_logged_as_json_with_the_request_id_and_the_traceback(db, settings, json_lines):
    settings.ROOT_URLCONF = "lms_site.tests.failing_urls"
    response = Client(raise_request_exception=False).get("/__fail__/", headers={"X-Request-ID": "fails-1"})
    assert response.status_code == 500
    assert response["X-Request-ID"] == "fails-1"
    [line] = [line for line in json_lines() if line["logger"] == "django.request"]
    assert list(line)[:5] == ["time", "level", "logger", "message", "request_id"]
    assert line["level"] == "ERROR" and line["request_id"] == "fails-1" and line["status_code"] == 500
    assert "ProbeFailure: a view failed on purpose" in line["exc_info"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])
    assert "request" not in line  # Django's request object: its path is in the message already


def test_lines_outside_a_request_say_so(json_lines):
    logging.getLogger("lms_site.tests").warning("between requests")
    [line] = json_lines()
    assert line["request_id"] == "-" and line["message"] == "between requests"
    assert "task_name" not in line


def test_text_lines_carry_the_id_too():
    record = logging.LogRecord("lms_site.tests", logging.INFO, __file__, 1, "hello", None, None)
    with request_id.bound("text-1"):
        request_id.RequestIdFilter().filter(record)
    assert text_formatter().format(record).endswith("INFO lms_site.tests [text-1] hello")


def test_log_format_is_json_or_text():
    assert logging_config("json")["handlers"]["console"]["formatter"] == "json"
    assert logging_config(" TEXT ")["handlers"]["console"]["formatter"] == "text"
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logging_config("xml")


def test_without_a_dsn_sentry_is_never_started(monkeypatch):
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    assert init_sentry("web") is False
    monkeypatch.setenv("SENTRY_DSN", "  ")
    assert init_sentry("worker") is False
    assert not sentry_sdk.get_client().is_active()


@pytest.mark.parametrize(("raw", "rate"), [("", 0.0), ("0.25", 0.25), ("1", 1.0)])
def test_the_traces_sample_rate_is_a_share(monkeypatch, raw, rate):
    monkeypatch.setenv("SENTRY_TRACES_SAMPLE_RATE", raw)
    assert _traces_sample_rate() == rate


@pytest.mark.parametrize("raw", ["2", "-0.1", "a lot"])
def test_a_traces_sample_rate_that_is_not_a_share_stops_the_start(monkeypatch, raw):
    monkeypatch.setenv("SENTRY_TRACES_SAMPLE_RATE", raw)
    with pytest.raises(ImproperlyConfigured):
        _traces_sample_rate()
