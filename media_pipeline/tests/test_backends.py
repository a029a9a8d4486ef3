"""The URLs learners get: ImageKit's signed, expiring CDN URLs and the local backend's signed stream tokens.

The expected ImageKit signature is computed here from ImageKit's documented scheme, not by the SDK:
HMAC-SHA1, keyed with the private key, over the URL without the URL endpoint, followed by the expiry
timestamp; the URL carries the expiry as ``ik-t`` and the hex digest as ``ik-s``.
"""

import hashlib
import hmac
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.urls import reverse

from media_pipeline import backends
from media_pipeline.backends import STREAM_SALT, ImageKitBackend, LocalBackend, active_backend, backend_named

from .conftest import FAKE_IMAGEKIT_PRIVATE_KEY, FAKE_IMAGEKIT_URL_ENDPOINT

NOW = 1_760_000_000
PATH = "/learnwell/videos/asset-1.mp4"


@pytest.fixture
def frozen_time(monkeypatch):
    monkeypatch.setattr(time, "time", lambda: NOW + 0.75)
    return NOW


def imagekit_signature(key: str, path_after_endpoint: str, expiry: int) -> str:
    return hmac.new(key.encode(), f"{path_after_endpoint}{expiry}".encode(), hashlib.sha1).hexdigest()


def test_signed_url_follows_imagekits_documented_scheme(fake_imagekit, frozen_time):
    url = ImageKitBackend().url(PATH, expires_in=600)

    expiry = NOW + 600
    signature = imagekit_signature(FAKE_IMAGEKIT_PRIVATE_KEY, "learnwell/videos/asset-1.mp4", expiry)
    assert url == f"https://ik.imagekit.io/learnwell/learnwell/videos/asset-1.mp4?ik-t={expiry}&ik-s={signature}"
    assert fake_imagekit.requests == []  # signing is local: nothing is sent to ImageKit


def test_signed_url_never_carries_the_private_key(fake_imagekit, frozen_time):
    url = ImageKitBackend().url(PATH, expires_in=600)

    assert FAKE_IMAGEKIT_PRIVATE_KEY not in url
    assert set(parse_qs(urlsplit(url).query)) == {"ik-t", "ik-s"}


def imagekit_accepts(url: str, key: str = FAKE_IMAGEKIT_PRIVATE_KEY) -> bool:
    """What ImageKit's CDN checks: the signature over the URL without its endpoint and the query, plus ik-t."""
    base, _, query = url.partition("?")
    params = parse_qs(query)
    expiry, signature = params["ik-t"][0], params["ik-s"][0]
    expected = imagekit_signature(key, base.removeprefix(FAKE_IMAGEKIT_URL_ENDPOINT + "/"), int(expiry))
    return hmac.compare_digest(signature, expected)


def test_signed_url_signature_depends_on_the_expiry_and_the_path(fake_imagekit, frozen_time):
    short_url = ImageKitBackend().url(PATH, expires_in=600)
    short = parse_qs(urlsplit(short_url).query)
    long = parse_qs(urlsplit(ImageKitBackend().url(PATH, expires_in=3600)).query)
    other = parse_qs(urlsplit(ImageKitBackend().url("/learnwell/videos/asset-2.mp4", expires_in=600)).query)

    assert short["ik-t"] == [str(NOW + 600)]
    assert long["ik-t"] == [str(NOW + 3600)]
    assert short["ik-s"] != long["ik-s"]
    assert short["ik-s"] != other["ik-s"]
    assert imagekit_accepts(short_url)
    # A learner who edits ik-t to keep a link alive, or the path to reach another video, breaks the signature.
    assert not imagekit_accepts(short_url.replace(f"ik-t={NOW + 600}", f"ik-t={NOW + 86400}"))
    assert not imagekit_accepts(short_url.replace("asset-1.mp4", "asset-2.mp4"))


def test_signed_url_expiry_moves_with_the_clock(fake_imagekit, monkeypatch):
    monkeypatch.setattr(time, "time", lambda: NOW)
    first = ImageKitBackend().url(PATH, expires_in=600)
    monkeypatch.setattr(time, "time", lambda: NOW + 60)
    later = ImageKitBackend().url(PATH, expires_in=600)

    assert f"ik-t={NOW + 600}&" in first
    assert f"ik-t={NOW + 660}&" in later
    assert first != later


def test_another_private_key_gives_another_signature(fake_imagekit, frozen_time, settings):
    ours = ImageKitBackend().url(PATH, expires_in=600)
    settings.IMAGEKIT_PRIVATE_KEY = "private_other_key"
    theirs = ImageKitBackend().url(PATH, expires_in=600)
    backends._client.cache_clear()

    expected = imagekit_signature("private_other_key", "learnwell/videos/asset-1.mp4", NOW + 600)
    assert theirs.endswith(f"&ik-s={expected}")
    assert ours != theirs
    assert imagekit_accepts(ours) and not imagekit_accepts(theirs)


def test_imagekit_is_used_only_when_configured(settings):
    settings.IMAGEKIT_PRIVATE_KEY = ""
    settings.IMAGEKIT_URL_ENDPOINT = FAKE_IMAGEKIT_URL_ENDPOINT
    assert isinstance(active_backend(), LocalBackend)
    settings.IMAGEKIT_PRIVATE_KEY = FAKE_IMAGEKIT_PRIVATE_KEY
    settings.IMAGEKIT_URL_ENDPOINT = ""
    assert isinstance(active_backend(), LocalBackend)
    settings.IMAGEKIT_URL_ENDPOINT = FAKE_IMAGEKIT_URL_ENDPOINT
    assert isinstance(active_backend(), ImageKitBackend)
    assert isinstance(backend_named("imagekit"), ImageKitBackend)
    assert isinstance(backend_named("local"), LocalBackend)


def _token(url: str) -> str:
    prefix = reverse("media_pipeline:stream", args=["TOKEN"]).removesuffix("TOKEN/")
    assert url.startswith(prefix) and url.endswith("/")
    return url.removeprefix(prefix).removesuffix("/")


def test_local_url_carries_a_signed_token_naming_the_path():
    url = LocalBackend().url("videos/2025/01/welcome.mp4", expires_in=600)

    payload = signing.loads(_token(url), salt=STREAM_SALT)

    assert payload == {"path": "videos/2025/01/welcome.mp4", "ttl": 600}
    assert url == reverse("media_pipeline:stream", args=[_token(url)])


def test_a_tampered_local_token_is_refused():
    token = _token(LocalBackend().url("videos/2025/01/welcome.mp4", expires_in=600))
    payload_part, _, signature = token.rpartition(":")
    # Another payload under the same signature, and the same payload under a damaged signature.
    other_payload = signing.dumps(
        {"path": "videos/2025/01/secret.mp4", "ttl": 600}, salt=STREAM_SALT, compress=True
    ).rpartition(":")[0]
    damaged_signature = signature[:-1] + ("A" if signature[-1] != "A" else "B")

    for forged in (f"{other_payload}:{signature}", f"{payload_part}:{damaged_signature}"):
        with pytest.raises(signing.BadSignature):
            signing.loads(forged, salt=STREAM_SALT)


def test_a_local_token_is_bound_to_its_salt():
    token = _token(LocalBackend().url("videos/2025/01/welcome.mp4", expires_in=600))

    with pytest.raises(signing.BadSignature):
        signing.loads(token)
    with pytest.raises(signing.BadSignature):
        signing.loads(token, salt="certificates.download")


def test_a_local_token_expires_after_its_ttl(monkeypatch):
    monkeypatch.setattr(time, "time", lambda: NOW)
    token = _token(LocalBackend().url("videos/2025/01/welcome.mp4", expires_in=600))

    monkeypatch.setattr(time, "time", lambda: NOW + 599)
    assert signing.loads(token, salt=STREAM_SALT, max_age=600)["path"] == "videos/2025/01/welcome.mp4"
    monkeypatch.setattr(time, "time", lambda: NOW + 601)
    with pytest.raises(signing.SignatureExpired):
        signing.loads(token, salt=STREAM_SALT, max_age=600)
