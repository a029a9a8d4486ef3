"""Schema-driven tests: schemathesis generates requests for every operation of the OpenAPI document and sends
them through Django's WSGI application with each role's token; no answer may be a 5xx, and every answer must
match the document (status code, content type, body schema, headers)."""

from datetime import timedelta
from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.tests.factories import UserFactory
from api.tests.conftest import make_token
from billing.models import Order, OrderLine
from courses.tests.factories import make_course
from learning import services as learning_services
from organisations import services as organisation_services
from organisations.tests.factories import make_member, make_organisation
from scheduling import services as scheduling_services
from scheduling.tests.factories import make_session

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture
def wsgi_app():
    """Django's WSGI application, sharing the test's connection and transaction: like Django's test client,
    it must not close "old" connections at each request, which would end the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def schema(wsgi_app, settings):
    settings.ALLOWED_HOSTS = ["*"]
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)


def test_openapi_document_validates(schema):
    schema.validate()  # against the OpenAPI meta-schema; raises on any error
    paths = schema.raw_schema["paths"]
    assert "/api/v1/courses" in paths and "/api/v1/admin/enrollments" in paths
    for path in ("/courses/{course_id}/attendance", "/admin/orders", "/admin/organisations/{organisation_id}/seats"):
        assert f"/api/v1{path}" in paths


def _tokens(course, learner, trainer, other_trainer, admin_user) -> dict[str, str]:
    learning_services.enroll(user=learner, course=course)
    return {
        "learner-read": make_token(learner),
        "learner-write": make_token(learner, scope="write"),
        "trainer-write": make_token(trainer, scope="write"),
        "other-trainer-read": make_token(other_trainer),
        "admin-read": make_token(admin_user),
        "admin-write": make_token(admin_user, scope="write"),
    }


def test_every_operation_with_every_role(schema, settings, course, learner, trainer, other_trainer, admin_user):
    settings.API_RATE_LIMIT = (100_000, 60)
    UserFactory.create_batch(3)
    _rows_for_every_list(course, learner, trainer)
    tokens = _tokens(course, learner, trainer, other_trainer, admin_user)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 19
    for role, token in tokens.items():
        for operation in operations:
            try:
                _run(operation, headers={"Authorization": f"Bearer {token}"})
            except Exception as error:
                raise AssertionError(f"{role} {operation.label}: {error}") from error


def _rows_for_every_list(course, learner, trainer):
    """A row in each listing, so answers with items are checked against the document too."""
    learning_services.enroll(user=learner, course=course)
    session = make_session(course, by=trainer)
    scheduling_services.book_seat(session=session, user=learner, now=session.starts_at - timedelta(days=7))
    paid = make_course(course.get_parent().specific, title="Seats", price=Decimal("20.00"), modules=0)
    order = Order.objects.create(user=learner, kind="seats", amount=Decimal("40.00"), currency="EUR")
    OrderLine.objects.create(order=order, course=paid, quantity=2, unit_price=paid.price, amount=Decimal("40.00"))
    organisation = make_organisation()
    make_member(organisation, user=learner)
    organisation_services.change_seats(organisation=organisation, course=paid, delta=2, reason="admin", note="test")


def _run(operation, headers):
    @given(case=operation.as_strategy())
    @hypothesis_settings(max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()


def test_every_operation_without_a_token(schema):
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @hypothesis_settings(max_examples=3, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case):
            response = case.call_and_validate(checks=CHECKS)
            assert response.status_code == 401

        check()
