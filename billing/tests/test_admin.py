"""Admins find, inspect and refund orders in Wagtail's admin; nobody else sees them there."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import stripe
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from billing import gateway, services, simulator
from billing.models import Order, OrderStatus, StripeEvent
from courses.models import LessonPage
from courses.tests.factories import make_course
from learning.models import Enrollment, EnrollmentStatus

pytestmark = pytest.mark.django_db

INDEX = reverse("billing_admin:index")


def url(name, order):
    return reverse(f"billing_admin:{name}", args=[order.pk])


def listed(client, **params):
    response = client.get(INDEX, params)
    assert response.status_code == 200
    return {order.pk for order in response.context["object_list"]}


def checkout(user, course) -> Order:
    return services.start_checkout(user=user, course=course, base_url="http://testserver")


def paid(user, course) -> Order:
    order = checkout(user, course)
    simulator.pay(order=order)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order


@pytest.fixture(autouse=True)
def _payment_simulator(settings):
    settings.STRIPE_SECRET_KEY = ""  # the simulator, whatever the environment says
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_admin"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def paid_course(catalogue, trainer):
    return make_course(catalogue, title="Paid Testing", trainer=trainer, price=Decimal("49.00"), lessons_per_module=2)


@pytest.fixture
def order(learner, paid_course):
    return paid(learner, paid_course)


@pytest.fixture
def pending(paid_course):
    return checkout(UserFactory(email="waiting@example.com"), paid_course)


# Who sees orders


def test_admins_have_the_menu_item_and_see_the_listing(admin_client, order, learner):
    assert INDEX in admin_client.get(reverse("wagtailadmin_home")).content.decode()
    response = admin_client.get(INDEX)
    html = response.content.decode()
    assert response.status_code == 200
    assert f"#{order.pk}" in html and learner.email in html and "Paid Testing" in html
    assert "49.00 EUR" in html and "Paid" in html
    assert url("inspect", order) in html and url("refund", order) in html


def test_unpaid_orders_offer_no_refund(admin_client, pending):
    assert url("refund", pending) not in admin_client.get(INDEX).content.decode()
    assert url("refund", pending) not in admin_client.get(url("inspect", pending)).content.decode()


def test_trainers_have_no_menu_item(client, trainer, order):
    client.force_login(trainer)
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    assert INDEX not in response.content.decode()


@pytest.mark.parametrize("name", ["index", "inspect", "refund"])
def test_trainers_are_refused_every_page(client, trainer, order, name):
    # Trainers are staff: even a model permission ticked on them by mistake does not open orders.
    trainer.user_permissions.add(*Permission.objects.filter(content_type__app_label="billing"))
    client.force_login(trainer)
    page = INDEX if name == "index" else url(name, order)
    response = client.get(page)
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    assert client.post(page).status_code == 302


@pytest.mark.parametrize("name", ["index", "inspect", "refund"])
def test_learners_and_visitors_are_sent_to_sign_in(client, learner, order, name):
    page = INDEX if name == "index" else url(name, order)
    sign_in = reverse("accounts:sign_in")
    assert client.get(page)["Location"].startswith(sign_in)
    client.force_login(learner)
    for response in (client.get(page), client.post(page)):
        assert response.status_code == 302 and response["Location"].startswith(sign_in)


def test_refused_refunds_write_nothing(client, trainer, learner, order):
    for user in (trainer, learner):
        client.force_login(user)
        client.post(url("refund", order))
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.refund_requested_at is None
    assert Enrollment.objects.get(user=learner).status == EnrollmentStatus.ACTIVE


def test_orders_cannot_be_added_edited_or_deleted(admin_client, order):
    for name in ("add", "edit", "delete", "copy", "history"):
        with pytest.raises(NoReverseMatch):
            reverse(f"billing_admin:{name}")
    for path in ("new/", f"edit/{order.pk}/", f"delete/{order.pk}/", f"copy/{order.pk}/"):
        assert admin_client.get(INDEX + path).status_code == 404
    html = admin_client.get(INDEX).content.decode() + admin_client.get(url("inspect", order)).content.decode()
    assert "Add order" not in html and ">Edit<" not in html and ">Delete<" not in html


# The listing


def test_the_listing_shows_the_newest_first(admin_client, order, pending):
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=3))
    response = admin_client.get(INDEX)
    assert [o.pk for o in response.context["object_list"]] == [pending.pk, order.pk]


def test_the_listing_filters_by_status(admin_client, order, pending):
    assert listed(admin_client, status="paid") == {order.pk}
    assert listed(admin_client, status="pending") == {pending.pk}
    assert listed(admin_client, status="refunded") == set()
    assert listed(admin_client) == {order.pk, pending.pk}


def test_the_listing_filters_by_course_and_creation_date(admin_client, catalogue, learner, order):
    other_course = make_course(catalogue, title="Advanced Testing", price=Decimal("19.00"), lessons_per_module=1)
    elsewhere = checkout(learner, other_course)
    assert listed(admin_client, course=other_course.pk) == {elsewhere.pk}
    assert listed(admin_client, course=order.course_id) == {order.pk}
    Order.objects.filter(pk=order.pk).update(
        created_at=datetime(2020, 5, 1, 12, tzinfo=timezone.get_current_timezone())
    )
    assert listed(admin_client, created_at_from="2020-04-01", created_at_to="2020-05-01") == {order.pk}


def test_the_listing_searches_e_mail_addresses_and_order_numbers(admin_client, learner, order, pending):
    assert listed(admin_client, q=learner.email.upper()) == {order.pk}
    assert listed(admin_client, q="waiting@") == {pending.pk}
    assert listed(admin_client, q=f"#{pending.pk}") == {pending.pk}
    assert listed(admin_client, q=str(order.pk)) == {order.pk}


def test_the_listing_query_count_does_not_grow_with_rows(
    admin_client, catalogue, paid_course, django_assert_max_num_queries
):
    admin_client.get(INDEX)  # the first admin visit creates the user's Wagtail profile
    courses = [paid_course] + [
        make_course(catalogue, title=f"Course {n}", price=Decimal("9.00"), modules=0, with_revisions=False)
        for n in range(2)
    ]

    def add_orders(count):
        for n in range(count):
            order = checkout(UserFactory(), courses[n % len(courses)])
            if n % 2:
                simulator.pay(order=order)

    add_orders(3)
    with CaptureQueriesContext(connection) as three:
        assert len(listed(admin_client)) == 3
    add_orders(12)
    with django_assert_max_num_queries(len(three)):
        assert len(listed(admin_client)) == 15


# Inspecting


def test_inspect_shows_the_order_and_its_webhook_events(admin_client, order, learner):
    response = admin_client.get(url("inspect", order))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Order #{order.pk}" in html and learner.email in html and "Paid Testing" in html
    assert order.checkout_session_id in html and order.payment_intent_id in html
    assert "checkout.session.completed" in html and "applied" in html
    assert url("refund", order) in html
    assert order.checkout_url not in html  # a stale payment link has no place here


def test_inspect_query_count_does_not_grow_with_events(admin_client, order, django_assert_max_num_queries):
    admin_client.get(url("inspect", order))
    with CaptureQueriesContext(connection) as one:
        admin_client.get(url("inspect", order))
    for n in range(10):
        StripeEvent.objects.create(
            event_id=f"evt_extra_{n}", type="charge.updated", payload={}, order=order, outcome="ignored"
        )
    with django_assert_max_num_queries(len(one)):
        html = admin_client.get(url("inspect", order)).content.decode()
    assert html.count("charge.updated") == 10


# Refunding


def test_the_refund_page_shows_what_goes_back_to_whom(admin_client, order, learner):
    response = admin_client.get(url("refund", order))
    html = response.content.decode()
    assert response.status_code == 200
    assert "49.00 EUR" in html and learner.email in html and "Paid Testing" in html
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.refund_requested_at is None  # a GET changes nothing


def test_refunding_a_paid_order_ends_the_learners_access(client, admin_client, admin_user, order, learner, paid_course):
    lesson = LessonPage.objects.live().descendant_of(paid_course).filter(is_free_preview=False).first()
    client.force_login(learner)
    assert client.get(lesson.url).status_code == 200
    client.force_login(admin_user)

    response = client.post(url("refund", order), follow=True)
    assert response.redirect_chain == [(url("inspect", order), 302)]
    html = response.content.decode()
    assert "Refund of 49.00 EUR requested" in html and "the learner&#x27;s access has ended" in html
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and order.amount_refunded == Decimal("49.00")
    assert order.refund_requested_by == admin_user and order.refunded_at is not None
    assert "charge.refunded" in html
    assert Enrollment.objects.get(user=learner, course=paid_course).status == EnrollmentStatus.REFUNDED

    client.force_login(learner)
    assert client.get(lesson.url).status_code == 403


def test_refunding_an_unpaid_order_is_refused_and_writes_nothing(admin_client, pending):
    page = admin_client.get(url("refund", pending)).content.decode()
    assert "only paid orders can be refunded" in page and 'type="submit"' not in page
    response = admin_client.post(url("refund", pending))
    assert response.status_code == 409
    assert "Refund refused (409)" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == OrderStatus.PENDING and pending.refund_requested_at is None
    assert not StripeEvent.objects.filter(type="charge.refunded").exists()


def test_refunding_twice_is_refused(admin_client, order):
    admin_client.post(url("refund", order))
    response = admin_client.post(url("refund", order))
    assert response.status_code == 409
    assert StripeEvent.objects.filter(type="charge.refunded").count() == 1


def test_a_refund_stripe_refuses_writes_nothing(admin_client, order, learner, monkeypatch):
    def refuse(*, order):
        raise stripe.InvalidRequestError("Charge has been disputed", param=None)

    monkeypatch.setattr(gateway, "create_refund", refuse)
    response = admin_client.post(url("refund", order))
    assert response.status_code == 503
    assert "Refund refused (503)" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.refund_requested_at is None and order.refund_requested_by is None
    assert Enrollment.objects.get(user=learner).status == EnrollmentStatus.ACTIVE
