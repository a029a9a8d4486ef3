"""A refunded or lost-dispute order revokes the course's certificates in the transaction that ends access, via
billing's order_refunded signal; if revoking fails, the whole settlement is undone and Stripe may redeliver."""

from decimal import Decimal

import pytest

from billing import services as billing_services
from billing.models import Order, OrderStatus, StripeEvent
from certificates import services
from courses.models import LessonPage
from courses.tests.factories import make_course
from learning import services as learning_services
from learning.models import EnrollmentStatus

pytestmark = pytest.mark.django_db


def stripe_event(event_id: str, event_type: str, data: dict) -> dict:
    return {"id": event_id, "object": "event", "type": event_type, "created": 1_800_000_000, "data": {"object": data}}


def paid(order: Order) -> dict:
    return stripe_event(
        f"evt_paid_{order.pk}",
        "checkout.session.completed",
        {
            "id": order.checkout_session_id,
            "object": "checkout.session",
            "payment_status": "paid",
            "amount_total": 4900,
            "currency": "eur",
            "payment_intent": f"pi_{order.pk}",
            "client_reference_id": str(order.pk),
            "metadata": {"order_id": str(order.pk)},
        },
    )


def refunded(order: Order) -> dict:
    return stripe_event(
        f"evt_refund_{order.pk}",
        "charge.refunded",
        {
            "id": f"ch_{order.pk}",
            "object": "charge",
            "amount": 4900,
            "amount_refunded": 4900,
            "refunded": True,
            "currency": "eur",
            "payment_intent": f"pi_{order.pk}",
            "metadata": {"order_id": str(order.pk)},
        },
    )


@pytest.fixture
def bought_and_certified(catalogue, trainer, learner, django_capture_on_commit_callbacks):
    """A paid course the learner bought and completed: its order and their certificate."""
    course = make_course(catalogue, title="Django in Depth", trainer=trainer, price=Decimal("49.00"))
    order = billing_services.start_checkout(user=learner, course=course, base_url="http://testserver")
    assert billing_services.apply_event(event=paid(order)) == "applied"
    enrollment = learner.enrollments.get(course=course)
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in LessonPage.objects.live().descendant_of(course).order_by("path"):
            enrollment = learning_services.complete_lesson(enrollment=enrollment, lesson=lesson).enrollment
    return order, learner.certificates.get()


def test_a_refund_revokes_the_certificate_with_the_access(bought_and_certified):
    order, certificate = bought_and_certified
    assert certificate.status == "valid"
    billing_services.apply_event(event=refunded(order))
    certificate.refresh_from_db()
    assert certificate.status == "revoked" and certificate.revoked_reason == "Payment refunded"
    assert certificate.enrollment.status == EnrollmentStatus.REFUNDED


def test_a_failed_revocation_undoes_the_refunds_settlement(bought_and_certified, monkeypatch):
    order, certificate = bought_and_certified

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "revoke_enrollment_certificates", broken)
    with pytest.raises(RuntimeError):
        billing_services.apply_event(event=refunded(order))
    order.refresh_from_db()
    certificate.refresh_from_db()
    assert order.status == OrderStatus.PAID and certificate.status == "valid"
    assert certificate.enrollment.status != EnrollmentStatus.REFUNDED
    assert not StripeEvent.objects.filter(event_id=f"evt_refund_{order.pk}").exists()  # Stripe's retry applies it
