"""The write side of webhooks: recording an event for its endpoints, sending a delivery, retrying, switching off
an endpoint that fails for a day.

Deliveries are at least once: a receiver drops an event id it has already seen."""

import hashlib
import hmac
import ipaddress
import json
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.services import render_email
from accounts.tasks import send_account_email

from .models import OPEN_STATUSES, DeliveryStatus, EventType, WebhookDelivery, WebhookEndpoint

TIMEOUT_SECONDS = 10
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
# A delivery is retried for a day, then given up; an endpoint failing for a day is switched off.
RETRY_WINDOW = timedelta(hours=24)
FAILING_LIMIT = timedelta(hours=24)
# While one attempt is under way, the sweep leaves the delivery alone for this long.
LEASE = timedelta(seconds=TIMEOUT_SECONDS * 6)


class WebhookError(Exception):
    """A rule of webhooks was broken; the message is for the admin, status_code for the response."""

    status_code = 400


class NotRetryable(WebhookError):
    status_code = 409


def is_sendable_url(url: str) -> bool:
    """Only http(s) addresses with a host: never file:, gopher: or a bare path."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


# Names that mean this machine whatever DNS says (RFC 6761 reserves .localhost for it).
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public_address(address: IPAddress) -> bool:
    """Whether an address is on the public internet: not private, loopback, link-local, reserved, multicast or
    unspecified (an IPv4 address written as IPv6, ::ffff:127.0.0.1, is judged as the IPv4 one)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


def _ip_literal(host: str) -> IPAddress | None:
    """The address a host written as an IP literal names, shorthand IPv4 forms included (127.1, 2130706433,
    0x7f.0.0.1, which the resolver accepts too); None for a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host and all(char in "0123456789abcdefx." for char in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def names_private_host(url: str) -> bool:
    """Whether the URL's host is, as written, a non-public IP address or a name for this machine (localhost).
    The check when an endpoint is saved; names are resolved only when sending (`_refused_destination`), since
    what a name resolves to may change."""
    try:
        host = (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return False
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return True
    address = _ip_literal(host)
    return address is not None and not is_public_address(address)


def _refused_destination(url: str) -> str:
    """Why a POST to `url` must not go out, or "" when every address its host resolves to is public."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return gettext("The URL is not valid.")
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return gettext("The host %(host)s could not be resolved.") % {"host": host}
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])  # without an IPv6 zone (fe80::1%eth0)
        if not is_public_address(address):
            return gettext(
                "Not sent: %(host)s resolves to %(address)s, which is not a public address "
                "(WEBHOOK_ALLOW_PRIVATE_ADDRESSES is off)."
            ) % {"host": host, "address": address}
    return ""


def sign(*, secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of "<timestamp>.<body>" with the endpoint's secret (as the README's snippet checks)."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the n-th failure, at most an hour."""
    wait: timedelta = FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 10)
    return min(wait, LONGEST_WAIT)


def record_event(*, event_type: str, object_key: str, data: Callable[[], dict[str, Any]]) -> list[WebhookDelivery]:
    """One delivery for each endpoint that receives `event_type`, in the caller's transaction; each is sent once
    that commits, so a rolled-back change sends nothing."""
    from .tasks import deliver_webhook  # tasks imports this module

    EventType(event_type)  # an unknown type is a programming error
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(is_active=True, disabled_at__isnull=True).only("event_types")
        if event_type in endpoint.event_types
    ]
    if not endpoints:
        return []
    now = timezone.now()
    event = WebhookDelivery(event_type=event_type, object_key=object_key[:80], created_at=now)
    payload = {
        "id": str(event.event_id),
        "type": event_type,
        "created": now.isoformat(),
        "data": json.loads(json.dumps(data(), cls=DjangoJSONEncoder)),
    }
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint=endpoint,
                event_type=event_type,
                event_id=event.event_id,
                object_key=event.object_key,
                payload=payload,
                created_at=now,
                next_attempt_at=now,
            )
            for endpoint in endpoints
        ]
    )
    for delivery in deliveries:
        if delivery.pk is None:  # MariaDB's bulk_create does not return the ids
            delivery = WebhookDelivery.objects.get(endpoint=delivery.endpoint, event_id=delivery.event_id)
        deliver_webhook.delay_on_commit(delivery.pk)
    return deliveries


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """The delivery, if it is due and no earlier delivery of its object to its endpoint is still open; its next
    attempt moves past the lease, so a second worker (or the sweep) leaves it alone while this one sends."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint")
            .filter(pk=delivery_id, status__in=OPEN_STATUSES)
            .first()
        )
        if delivery is None or not delivery.endpoint.receives:
            return None
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
            return None
        earlier_open = WebhookDelivery.objects.filter(
            endpoint_id=delivery.endpoint_id,
            object_key=delivery.object_key,
            status__in=OPEN_STATUSES,
            pk__lt=delivery.pk,
        ).exists()
        if earlier_open:
            # It waits; the earlier one's success sends it, or the sweep does.
            return None
        delivery.next_attempt_at = now + LEASE
        delivery.save(update_fields=["next_attempt_at"])
    return delivery


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """(status code, error) of one POST; never follows a redirect (it could lead to another host)."""
    if not is_sendable_url(delivery.endpoint.url):
        return None, "Not an http(s) URL"
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        # Resolved again for every attempt: a name that pointed outside when it was saved may point inside now.
        refused = _refused_destination(delivery.endpoint.url)
        if refused:
            return None, refused[:300]
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    timestamp = int(timezone.now().timestamp())
    signature = sign(secret=delivery.endpoint.secret, timestamp=timestamp, body=body)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Learnwell-Webhooks/1",
        "Learnwell-Webhook-Id": str(delivery.event_id),
        "Learnwell-Webhook-Timestamp": str(timestamp),
        "Learnwell-Signature": f"t={timestamp},v1={signature}",
    }
    try:
        response = requests.post(
            delivery.endpoint.url, data=body, headers=headers, timeout=TIMEOUT_SECONDS, allow_redirects=False
        )
    except requests.RequestException as error:
        return None, f"{type(error).__name__}: {error}"[:300]
    response.close()
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    return response.status_code, f"HTTP {response.status_code}"


def deliver(*, delivery_id: int) -> WebhookDelivery | None:
    """Sends one delivery if it is due, and records what happened. Returns None when it was not sent (not due,
    waiting for an earlier delivery of its object, already done, or its endpoint is off)."""
    from .tasks import deliver_webhook

    delivery = _claim(delivery_id, timezone.now())
    if delivery is None:
        return None
    status_code, error = _post(delivery)
    now = timezone.now()
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
        delivery.attempts += 1
        delivery.last_status_code = status_code
        delivery.last_error = error
        endpoint = delivery.endpoint
        if not error:
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
            # The next delivery of the same object was held back by this one: send it now.
            following = (
                WebhookDelivery.objects.filter(
                    endpoint_id=endpoint.pk,
                    object_key=delivery.object_key,
                    status__in=OPEN_STATUSES,
                    pk__gt=delivery.pk,
                )
                .order_by("pk")
                .values_list("pk", flat=True)
                .first()
            )
            if following is not None:
                deliver_webhook.delay_on_commit(following)
        elif now - delivery.created_at >= RETRY_WINDOW:
            delivery.status = DeliveryStatus.GIVEN_UP
            delivery.next_attempt_at = None
        else:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = now + backoff(delivery.attempts)
        delivery.save()
        if error:
            _note_failure(endpoint, now)
    return delivery


def _note_failure(endpoint: WebhookEndpoint, now: datetime) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
    endpoint.refresh_from_db(fields=["failing_since", "disabled_at"])
    failing_since = endpoint.failing_since or now
    if endpoint.disabled_at is None and now - failing_since >= FAILING_LIMIT:
        disable_endpoint(endpoint=endpoint, reason=gettext("Every delivery failed for 24 hours."))


def disable_endpoint(*, endpoint: WebhookEndpoint, reason: str) -> bool:
    """Switches an endpoint off, gives up its open deliveries and tells its owner, once: a conditional update,
    so two workers failing at the same moment send one e-mail."""
    now = timezone.now()
    with transaction.atomic():
        switched = WebhookEndpoint.objects.filter(pk=endpoint.pk, disabled_at__isnull=True).update(
            disabled_at=now, disabled_reason=reason[:300]
        )
        if not switched:
            return False
        endpoint.deliveries.filter(status__in=OPEN_STATUSES).update(
            status=DeliveryStatus.GIVEN_UP, next_attempt_at=None
        )
        endpoint = WebhookEndpoint.objects.select_related("owner").get(pk=endpoint.pk)
        owner = endpoint.owner
        if owner is not None and owner.email:
            subject, body = render_email(
                template="webhooks/emails/endpoint_disabled", context={"endpoint": endpoint}, user=owner
            )
            send_account_email.delay_on_commit(subject=subject, body=body, to=[owner.email])
    return True


def enable_endpoint(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """An admin switches a disabled endpoint back on (after fixing the receiver); it starts afresh."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        disabled_at=None, disabled_reason="", failing_since=None, is_active=True
    )
    endpoint.refresh_from_db()
    return endpoint


def retry_now(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """An admin sends a failed or given-up delivery again now (once the endpoint is switched on). A given-up
    delivery gets this one attempt; a failed one keeps its day of automatic retries."""
    from .tasks import deliver_webhook

    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
        if not delivery.retryable:
            raise NotRetryable(gettext("Only a failed or given-up delivery can be retried."))
        if not delivery.endpoint.receives:
            raise NotRetryable(gettext("This endpoint is switched off: switch it on first."))
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["status", "next_attempt_at"])
        deliver_webhook.delay_on_commit(delivery.pk)
    delivery.refresh_from_db()
    return delivery


def due_delivery_ids(*, limit: int = 500) -> list[int]:
    """Open deliveries whose next attempt has come, oldest first, to endpoints that receive."""
    return list(
        WebhookDelivery.objects.filter(
            status__in=OPEN_STATUSES,
            next_attempt_at__lte=timezone.now(),
            endpoint__is_active=True,
            endpoint__disabled_at__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
