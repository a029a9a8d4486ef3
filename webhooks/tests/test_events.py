"""Each event type comes from the change that causes it: a certificate issued and revoked, an order paid and
refunded, an attempt graded, an attendance marked."""

from decimal import Decimal

import pytest

from assessments import services as assessment_services
from assessments.tests.factories import by_type, make_assessment, option, question
from billing import services as billing_services
from billing import simulator
from certificates import services as certificate_services
from courses.tests.factories import make_course
from learning import services as learning_services
from lms_site.tests.stores import local_store
from scheduling.tests.factories import attend, make_session
from webhooks.models import EventType, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribed(receiver, admin_user):
    def subscribe(*types):
        return WebhookEndpoint.objects.create(url=receiver.url, owner=admin_user, event_types=list(types))

    return subscribe


def test_certificate_issued_then_revoked(
    settings, tmp_path, subscribed, receiver, learner, course, lessons, run_on_commit
):
    local_store(settings, "certificates", tmp_path / "certificates")
    subscribed(EventType.CERTIFICATE_ISSUED, EventType.CERTIFICATE_REVOKED)
    enrollment = learning_services.enroll(user=learner, course=course)
    for lesson in lessons:
        run_on_commit(learning_services.complete_lesson, enrollment=enrollment, lesson=lesson)
    certificate = learner.certificates.get()
    run_on_commit(certificate_services.revoke_certificate, certificate=certificate, reason="Issued in error")

    assert receiver.types == ["certificate.issued", "certificate.revoked"]
    issued, revoked = (r.json["data"]["certificate"] for r in receiver.requests)
    assert issued["serial"] == revoked["serial"] == certificate.serial
    assert issued["revoked_at"] is None and revoked["revoked_reason"] == "Issued in error"
    assert set(WebhookDelivery.objects.values_list("object_key", flat=True)) == {f"certificate:{certificate.pk}"}


def test_order_paid_then_refunded(settings, subscribed, receiver, learner, catalogue, trainer, run_on_commit):
    settings.STRIPE_SECRET_KEY = ""  # the payment simulator
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_webhooks"
    subscribed(EventType.ORDER_PAID, EventType.ORDER_REFUNDED)
    course = make_course(catalogue, title="Paid", trainer=trainer, price=Decimal("49.00"), lessons_per_module=1)
    order = billing_services.start_checkout(user=learner, course=course, base_url="http://testserver")
    run_on_commit(simulator.pay, order=order)
    run_on_commit(simulator.refund, order=order)

    assert receiver.types == ["order.paid", "order.refunded"]
    paid, refunded = (r.json["data"]["order"] for r in receiver.requests)
    assert paid["id"] == refunded["id"] == order.pk
    assert (paid["status"], paid["amount"], paid["currency"]) == ("paid", "49.00", order.currency)
    assert refunded["status"] == "refunded"


def test_attempt_graded(subscribed, receiver, learner, course, run_on_commit):
    subscribed(EventType.ATTEMPT_GRADED)
    learning_services.enroll(user=learner, course=course)
    quiz = make_assessment(
        course, slug="quiz", questions=[question("single_choice", options=[option("Yes", True), option("No")])]
    )
    attempt = assessment_services.start_attempt(user=learner, assessment=quiz)
    # A wrong answer: graded at once, and failed.
    assessment_services.save_answer(attempt=attempt, question_id=by_type(attempt)["single_choice"]["id"], answer="x")
    run_on_commit(assessment_services.submit_attempt, attempt=attempt)

    assert receiver.types == ["attempt.graded"]
    data = receiver.requests[0].json["data"]
    assert data["attempt"]["id"] == attempt.pk and data["user"]["id"] == learner.pk
    assert (data["attempt"]["score"], data["attempt"]["passed"]) == ("0.00", False)
    assert "snapshot" not in data["attempt"] and "answers" not in data["attempt"]  # no answer keys leave


def test_attendance_marked(subscribed, receiver, learner, course, trainer, run_on_commit):
    subscribed(EventType.ATTENDANCE_MARKED)
    learning_services.enroll(user=learner, course=course)
    session = make_session(course, by=trainer)
    attendance = run_on_commit(attend, session, learner, by=trainer)

    assert receiver.types == ["attendance.marked"]
    data = receiver.requests[0].json["data"]
    assert data["attendance"] == {**data["attendance"], "id": attendance.pk, "status": "present"}
    assert data["session"]["id"] == session.pk
