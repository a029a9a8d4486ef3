"""Fixtures for media_pipeline's tests: private storage in a temporary folder, a fake ImageKit, assets."""

import pytest
from django.core.files.base import ContentFile

from lms_site.tests.stores import local_store
from media_pipeline import backends
from media_pipeline.models import AssetStatus, VideoAsset

from . import videos
from .fake_imagekit import FakeImageKit

FAKE_IMAGEKIT_PRIVATE_KEY = "private_test_key"
FAKE_IMAGEKIT_URL_ENDPOINT = "https://ik.imagekit.io/learnwell"
FAKE_IMAGEKIT_FOLDER = "/learnwell/videos"

# A well-formed MP4 of 83.6 seconds (filler instead of frames): `filetype` recognises it, the probe reads it.
FAKE_MP4_SECONDS = 84
FAKE_MP4 = videos.mp4(83.6)
FAKE_VTT = b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n"


@pytest.fixture
def private_media(settings, tmp_path):
    """The "media_private" storage (videos and captions) in this test's temporary folder."""
    return local_store(settings, "media_private", tmp_path / "private")


@pytest.fixture
def local_media_backend(settings):
    """No ImageKit settings: media_pipeline uses the LocalBackend, whatever the environment says."""
    settings.IMAGEKIT_PRIVATE_KEY = ""
    settings.IMAGEKIT_URL_ENDPOINT = ""
    settings.IMAGEKIT_API_BASE = ""


@pytest.fixture
def fake_imagekit(settings):
    """A running FakeImageKit with the settings that make ImageKitBackend talk to it through imagekitio.

    The SDK client is cached per (private key, API base); the cache is cleared before and after, so no
    test reuses a client bound to another test's server.
    """
    server = FakeImageKit(private_key=FAKE_IMAGEKIT_PRIVATE_KEY, url_endpoint=FAKE_IMAGEKIT_URL_ENDPOINT).start()
    settings.IMAGEKIT_PRIVATE_KEY = FAKE_IMAGEKIT_PRIVATE_KEY
    settings.IMAGEKIT_URL_ENDPOINT = FAKE_IMAGEKIT_URL_ENDPOINT
    settings.IMAGEKIT_API_BASE = server.url
    settings.IMAGEKIT_FOLDER = FAKE_IMAGEKIT_FOLDER
    backends._client.cache_clear()
    try:
        yield server
    finally:
        backends._client.cache_clear()
        server.stop()


@pytest.fixture
def make_asset(db, private_media):
    """Saves a VideoAsset with the fake MP4 (and captions if asked), as the admin form does before
    ``register_upload``: ``make_asset(title=..., content=..., file_name=..., captions=True | bytes, **fields)``.
    """

    def make(
        title: str = "Welcome to the course",
        *,
        content: bytes = FAKE_MP4,
        file_name: str = "welcome.mp4",
        captions: bool | bytes = False,
        **fields,
    ) -> VideoAsset:
        fields.setdefault("content_type", "video/mp4")
        fields.setdefault("size_bytes", len(content))
        fields.setdefault("status", AssetStatus.UPLOADING)
        asset = VideoAsset(title=title, **fields)
        asset.file.save(file_name, ContentFile(content), save=False)
        if captions:
            captions_content = FAKE_VTT if captions is True else captions
            asset.captions.save("welcome.vtt", ContentFile(captions_content), save=False)
        asset.save()
        return asset

    return make
