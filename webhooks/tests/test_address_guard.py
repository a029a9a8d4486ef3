"""With WEBHOOK_ALLOW_PRIVATE_ADDRESSES off (production's default), no webhook reaches this server or its
network: an endpoint naming a private address or localhost is refused when saved, and a host that resolves
to one is refused when sending (the attempt fails and is retried like any failure)."""

import socket

import pytest
from django.urls import reverse

from learning import services as learning_services
from webhooks import services
from webhooks.models import DeliveryStatus, EventType, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

ADD = reverse("webhook_endpoints:add")

PRIVATE = [
    "http://127.0.0.1/hooks",
    "http://127.1:8080/hooks",
    "http://2130706433/hooks",
    "http://0x7f.0.0.1/hooks",
    "http://localhost:8000/hooks",
    "http://LOCALHOST./hooks",
    "http://app.localhost/hooks",
    "http://[::1]/hooks",
    "http://[::ffff:127.0.0.1]/hooks",
    "http://[fe80::1]/hooks",
    "http://10.0.0.5/hooks",
    "http://172.16.3.4/hooks",
    "http://192.168.1.10/hooks",
    "http://100.64.0.1/hooks",
    "http://169.254.169.254/latest/meta-data",
    "http://0.0.0.0/hooks",
    "http://224.0.0.1/hooks",
    "http://240.0.0.1/hooks",
]
PUBLIC = ["https://hooks.example.com/learnwell", "http://93.184.216.34/hooks", "https://[2606:4700::1111]/hooks"]


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def guarded(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False


def _add(admin_client, url):
    return admin_client.post(ADD, {"url": url, "event_types": ["order.paid"], "is_active": "on"})


def test_private_hosts_as_written(settings):
    assert [url for url in PRIVATE if not services.names_private_host(url)] == []
    assert [url for url in PUBLIC if services.names_private_host(url)] == []


@pytest.mark.parametrize("url", PRIVATE)
def test_an_endpoint_at_a_private_address_is_refused_when_saved(admin_client, guarded, url):
    response = _add(admin_client, url)
    assert response.status_code == 200
    assert not WebhookEndpoint.objects.exists()
    # Shorthand IPv4 forms and a trailing dot are refused by the URL field itself; the guard is behind it.
    if url in ("http://127.0.0.1/hooks", "http://localhost:8000/hooks", "http://[::1]/hooks", "http://10.0.0.5/hooks"):
        assert "points into a private network" in response.content.decode()


@pytest.mark.parametrize("url", PUBLIC)
def test_an_endpoint_at_a_public_address_is_saved(admin_client, guarded, url):
    assert _add(admin_client, url).status_code == 302
    assert WebhookEndpoint.objects.get().url == url


def test_private_addresses_are_allowed_when_the_setting_says_so(admin_client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    assert _add(admin_client, "http://127.0.0.1:9000/hooks").status_code == 302


def _endpoint(url, admin_user):
    # Made directly, as one saved before the guard was switched on would be.
    return WebhookEndpoint.objects.create(url=url, owner=admin_user, event_types=[EventType.ENROLLMENT_CREATED])


def _port(receiver) -> int:
    return int(receiver.url.rsplit(":", 1)[1].split("/", 1)[0])


@pytest.mark.parametrize("host", ["localhost", "[::1]", "127.0.0.1"])
def test_a_host_resolving_to_this_machine_gets_no_post(
    receiver, admin_user, learner, course, run_on_commit, guarded, host
):
    _endpoint(f"http://{host}:{_port(receiver)}/hooks", admin_user)
    run_on_commit(learning_services.enroll, user=learner, course=course)

    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    # A failed attempt like any other: retried later, and the endpoint switched off after a day of them.
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.FAILED, 1, None)
    assert "not a public address" in delivery.last_error
    assert delivery.next_attempt_at is not None


def test_a_public_name_that_resolves_inside_is_refused_at_send_time(
    monkeypatch, admin_user, learner, course, run_on_commit, guarded
):
    def resolve(host, port, *args, **kwargs):
        assert host == "hooks.example.com"
        public = (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))
        inside = (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))
        return [public, inside]

    def no_post(*args, **kwargs):
        raise AssertionError("nothing may be sent")

    monkeypatch.setattr(services.socket, "getaddrinfo", resolve)
    monkeypatch.setattr(services.requests, "post", no_post)
    _endpoint("https://hooks.example.com/learnwell", admin_user)
    run_on_commit(learning_services.enroll, user=learner, course=course)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "hooks.example.com resolves to 10.1.2.3" in delivery.last_error


def test_a_name_that_does_not_resolve_fails_without_a_post(
    monkeypatch, admin_user, learner, course, run_on_commit, guarded
):
    def unknown(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(services.socket, "getaddrinfo", unknown)
    _endpoint("https://nowhere.example.com/hooks", admin_user)
    run_on_commit(learning_services.enroll, user=learner, course=course)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and "could not be resolved" in delivery.last_error


def test_public_addresses_pass_the_send_time_check(monkeypatch):
    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("2606:4700::1111", port, 0, 0))]

    monkeypatch.setattr(services.socket, "getaddrinfo", resolve)
    assert services._refused_destination("https://hooks.example.com/x") == ""


def test_the_receiver_still_gets_events_when_private_addresses_are_allowed(
    receiver, endpoint, learner, course, run_on_commit, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    run_on_commit(learning_services.enroll, user=learner, course=course)
    assert len(receiver.requests) == 1
