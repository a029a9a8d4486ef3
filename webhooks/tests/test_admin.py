"""Admins register endpoints (http(s) only; the secret shown), read the delivery log and retry a failed
delivery; trainers and learners reach none of it."""

import pytest
from django.urls import reverse

from webhooks.models import DeliveryStatus, EventType, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

ENDPOINTS = reverse("webhook_endpoints:index")
ADD = reverse("webhook_endpoints:add")
DELIVERIES = reverse("webhook_deliveries:index")


def delivery_for(endpoint, **fields) -> WebhookDelivery:
    from django.utils import timezone

    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_type=EventType.ENROLLMENT_CREATED,
        object_key="enrollment:1",
        payload={"id": "x", "type": "enrollment.created", "created": "", "data": {}},
        created_at=timezone.now(),
        **fields,
    )


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def given_up(endpoint):
    return delivery_for(endpoint, status=DeliveryStatus.GIVEN_UP, attempts=9, last_status_code=500)


def pages(endpoint, delivery):
    return [
        ENDPOINTS,
        ADD,
        reverse("webhook_endpoints:edit", args=[endpoint.pk]),
        DELIVERIES,
        reverse("webhook_deliveries:inspect", args=[delivery.pk]),
        reverse("webhook_deliveries:retry", args=[delivery.pk]),
    ]


def test_an_admin_adds_an_endpoint_becomes_its_owner_and_sees_the_secret(admin_client, admin_user, receiver):
    response = admin_client.post(
        ADD,
        {
            "url": receiver.url,
            "description": "HR",
            "event_types": ["order.paid", "enrollment.created"],
            "is_active": "on",
        },
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("webhook_endpoints:edit", args=[endpoint.pk])
    assert endpoint.owner == admin_user
    assert endpoint.event_types == ["enrollment.created", "order.paid"]
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40
    assert endpoint.secret in admin_client.get(response["Location"]).content.decode()
    listing = admin_client.get(ENDPOINTS)
    assert listing.status_code == 200 and receiver.url in listing.content.decode()


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "javascript:alert(1)", "file:///etc/passwd", "nope"])
def test_an_endpoint_must_be_http_or_https(admin_client, url):
    response = admin_client.post(ADD, {"url": url, "event_types": ["order.paid"], "is_active": "on"})
    assert response.status_code == 200
    assert not WebhookEndpoint.objects.exists()


def test_an_endpoint_needs_a_known_event(admin_client, receiver):
    admin_client.post(ADD, {"url": receiver.url, "event_types": ["user.deleted"], "is_active": "on"})
    admin_client.post(ADD, {"url": receiver.url, "is_active": "on"})
    assert not WebhookEndpoint.objects.exists()


def test_ticking_active_switches_a_disabled_endpoint_back_on(admin_client, endpoint):
    from django.utils import timezone

    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        disabled_at=timezone.now(), disabled_reason="failed", failing_since=timezone.now()
    )
    edit = reverse("webhook_endpoints:edit", args=[endpoint.pk])
    response = admin_client.post(edit, {"url": endpoint.url, "event_types": endpoint.event_types, "is_active": "on"})
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.receives and endpoint.failing_since is None and endpoint.disabled_reason == ""


def test_the_delivery_log_lists_and_filters_by_status(admin_client, endpoint, given_up, django_assert_max_num_queries):
    sent = delivery_for(endpoint, status=DeliveryStatus.SUCCEEDED, attempts=1, last_status_code=200)
    for _ in range(5):
        delivery_for(endpoint, status=DeliveryStatus.SUCCEEDED)
    with django_assert_max_num_queries(30):
        response = admin_client.get(DELIVERIES)
    assert response.status_code == 200
    assert {d.pk for d in response.context["object_list"]} >= {given_up.pk, sent.pk}
    assert reverse("webhook_deliveries:retry", args=[given_up.pk]) in response.content.decode()
    assert reverse("webhook_deliveries:retry", args=[sent.pk]) not in response.content.decode()
    inspect = admin_client.get(reverse("webhook_deliveries:inspect", args=[given_up.pk]))
    assert inspect.status_code == 200
    assert reverse("webhook_deliveries:retry", args=[given_up.pk]) in inspect.content.decode()
    filtered = admin_client.get(DELIVERIES, {"status": "given_up"})
    assert [d.pk for d in filtered.context["object_list"]] == [given_up.pk]


def test_retry_now_sends_a_given_up_delivery_again(admin_client, receiver, given_up, run_on_commit):
    retry = reverse("webhook_deliveries:retry", args=[given_up.pk])
    assert admin_client.get(retry).status_code == 200
    response = run_on_commit(admin_client.post, retry)
    assert response.status_code == 302
    given_up.refresh_from_db()
    assert (given_up.status, given_up.attempts) == (DeliveryStatus.SUCCEEDED, 10)
    assert len(receiver.requests) == 1


def test_a_delivery_that_succeeded_is_not_retried(admin_client, receiver, endpoint, run_on_commit):
    sent = delivery_for(endpoint, status=DeliveryStatus.SUCCEEDED, attempts=1)
    response = run_on_commit(admin_client.post, reverse("webhook_deliveries:retry", args=[sent.pk]))
    assert response.status_code == 409
    assert receiver.requests == []


def test_retry_waits_until_the_endpoint_is_switched_on(admin_client, receiver, endpoint, given_up, run_on_commit):
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    response = run_on_commit(admin_client.post, reverse("webhook_deliveries:retry", args=[given_up.pk]))
    assert response.status_code == 409
    given_up.refresh_from_db()
    assert given_up.status == DeliveryStatus.GIVEN_UP
    assert receiver.requests == []


def test_trainers_have_no_menu_item_and_are_refused_every_page(client, trainer, endpoint, given_up, receiver):
    client.force_login(trainer)
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert ENDPOINTS not in home and DELIVERIES not in home
    for page in pages(endpoint, given_up):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home"), page
        assert client.post(page, {"url": "http://example.com/", "event_types": ["order.paid"]}).status_code == 302
    assert WebhookEndpoint.objects.count() == 1
    given_up.refresh_from_db()
    assert given_up.status == DeliveryStatus.GIVEN_UP and receiver.requests == []


def test_learners_and_visitors_are_sent_to_sign_in(client, learner, endpoint, given_up):
    sign_in = reverse("accounts:sign_in")
    for page in pages(endpoint, given_up):
        assert client.get(page)["Location"].startswith(sign_in)
    client.force_login(learner)
    for page in pages(endpoint, given_up):
        for response in (client.get(page), client.post(page)):
            assert response.status_code == 302 and response["Location"].startswith(sign_in), page
