"""The OpenAPI document and the interactive docs: public, same-origin scripts only under the site's CSP."""

import re

import pytest
from django.contrib.staticfiles import finders
from lxml import html

from accounts.tests.factories import UserFactory
from learning import services as learning_services


def test_openapi_document_is_public_and_lists_the_bearer_scheme(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    problem = schema["paths"]["/api/v1/me"]["get"]["responses"]["401"]["content"]
    assert list(problem) == ["application/problem+json"]


def test_docs_page_runs_only_scripts_from_this_origin(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy).group(1).split()
    assert script_src == ["'self'"]
    tree = html.fromstring(response.content)
    for script in tree.iter("script"):
        # Either a same-origin file, or JSON data (never run by the browser).
        assert script.get("src", "").startswith("/static/") or script.get("type") == "application/json"
    # The files ship with django-ninja and are collected like the site's own (no CDN for the policy to allow).
    for src in tree.xpath("//script/@src"):
        assert finders.find(src.removeprefix("/static/")) is not None


def test_admin_enrol_refuses_anyone_but_admins(course, trainer):
    learner = UserFactory()
    with pytest.raises(learning_services.NotAllowed):
        learning_services.admin_enrol(user=learner, course=course, granted_by=trainer)
    assert not learner.enrollments.exists()


def test_unknown_paths_and_wrong_methods_are_problems(client, db):
    for path in ["/api/v1/nope", "/api/v1/courses/1/nope", "/api/v1/"]:
        response = client.get(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
    response = client.delete("/api/v1/courses")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert "GET" in response["Allow"]
