import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.test import RequestFactory

from accounts import throttling

START = dt.datetime(2026, 3, 2, 12, 0, 0, tzinfo=dt.UTC)  # on a window boundary of every configured limit


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def request_from(remote_addr, forwarded=None):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/", **extra)


def test_blocks_after_the_allowed_attempts_until_the_window_ends(clock):
    limit = throttling.Limit(scope="demo", attempts=3, seconds=300)
    clock.shift(60)
    for _ in range(2):
        throttling.hit(limit, "someone")
    assert throttling.blocked((limit, "someone")) is None
    throttling.hit(limit, "someone")
    assert throttling.blocked((limit, "someone")) == 240  # the rest of the window
    assert throttling.blocked((limit, "someone else")) is None
    clock.shift(240)
    assert throttling.blocked((limit, "someone")) is None


def test_reset_forgets_the_current_count(clock):
    limit = throttling.Limit(scope="demo", attempts=2, seconds=300)
    throttling.hit(limit, "someone")
    throttling.hit(limit, "someone")
    assert throttling.blocked((limit, "someone"))
    throttling.reset(limit, "someone")
    assert throttling.blocked((limit, "someone")) is None


def test_identities_of_any_length_and_characters_make_valid_cache_keys(clock):
    limit = throttling.Limit(scope="demo", attempts=1, seconds=300)
    for identity in ("x" * 50_000, "ünïcødé \n\t key", "\ud800"):
        throttling.hit(limit, identity)
        assert throttling.blocked((limit, identity))


def test_a_cache_outage_means_not_throttled_and_is_logged(caplog):
    broken = mock.Mock(
        **{f"{name}.side_effect": ConnectionError("cache down") for name in ("get", "add", "incr", "delete")}
    )
    limit = throttling.Limit(scope="demo", attempts=1, seconds=300)
    with mock.patch.object(throttling, "cache", broken):
        throttling.hit(limit, "someone")
        throttling.reset(limit, "someone")
        assert throttling.blocked((limit, "someone")) is None
    assert "Throttle cache unavailable" in caplog.text


@pytest.mark.parametrize(
    ("proxies", "remote_addr", "forwarded", "expected"),
    [
        (0, "203.0.113.9", None, "203.0.113.9"),
        (0, "203.0.113.9", "198.51.100.1", "203.0.113.9"),  # no trusted proxy: the header is the client's
        (1, "172.18.0.5", "198.51.100.1", "198.51.100.1"),  # nginx appended the peer it saw
        (1, "172.18.0.5", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the client's own entry is ignored
        (2, "172.18.0.5", "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),  # load balancer, then nginx
        (1, "172.18.0.5", None, "172.18.0.5"),
        (1, "172.18.0.5", "not-an-address", "unknown"),
        (0, "2001:db8:1:2:3:4:5:6", None, "2001:db8:1:2::/64"),
        (0, "::ffff:192.0.2.7", None, "192.0.2.7"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(settings, proxies, remote_addr, forwarded, expected):
    settings.ACCOUNTS_TRUSTED_PROXY_COUNT = proxies
    assert throttling.client_address(request_from(remote_addr, forwarded)) == expected
