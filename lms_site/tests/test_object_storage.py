"""Bucket mode against a real S3 API: moto's server, started here as a process on a free port.

The settings come from lms_site/settings/files.py, as production would build them from AWS_* variables. Private
files must reach people only through the views, as short-lived signed URLs that the S3 server honours and
that are refused without their signature; public media must be readable without one.

Every test here shares one server per test process; --dist loadgroup sends them all to one worker.
"""

import hashlib
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from decimal import Decimal
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from accounts.tests.factories import UserFactory
from analytics import services as analytics_services
from analytics.tests.export_samples import YEAR_2026
from billing import services as billing_services
from billing import simulator
from certificates import services as certificate_services
from courses.tests.factories import make_course
from home.tests.factories import make_image
from learning import services as learning_services
from lms_site.settings.files import storages_from_env
from media_pipeline.backends import LocalBackend
from media_pipeline.models import VideoAsset
from media_pipeline.services import push_to_backend

pytest.importorskip("moto.server", reason="moto's S3 server (requirements-dev.txt) is not installed")
import boto3  # noqa: E402  (after the skip: boto3 comes with moto's requirements too)

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("s3_server"), pytest.mark.django_db]

REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "learnwell-test", "AWS_SECRET_ACCESS_KEY": "learnwell-test-secret"}
FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 40
CAPTIONS = b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello, learner.\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Fetched:
    status: int
    body: bytes
    headers: Message


def fetch(url: str, headers: dict[str, str] | None = None) -> Fetched:
    """A plain HTTP GET, as a browser following the redirect would make it: no credentials, no SDK."""
    assert urlsplit(url).scheme == "http" and urlsplit(url).hostname == "127.0.0.1"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10) as answer:  # noqa: S310
            return Fetched(answer.status, answer.read(), answer.headers)
    except urllib.error.HTTPError as error:
        return Fetched(error.code, error.read(), error.headers)


class S3Server:
    """`python -m moto.server` on a free local port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while fetch_status(f"{self.url}/moto-api/") != 200:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto's server exited with {self.process.returncode} before answering")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("moto's server did not answer within 60 s")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def fetch_status(url: str) -> int | None:
    try:
        return fetch(url).status
    except OSError:  # not listening yet
        return None


@pytest.fixture(scope="session")
def s3_server():
    server = S3Server()
    yield server
    server.stop()


@dataclass
class Bucket:
    name: str
    endpoint: str
    client: Any  # boto3's S3 client

    def keys(self, prefix: str = "") -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.name, Prefix=prefix)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def unsigned(self, key: str) -> str:
        return f"{self.endpoint}/{self.name}/{key}"


@pytest.fixture
def bucket(s3_server, settings):
    """A new bucket on the server, with STORAGES as production builds them from the environment.

    Public media is opened to anonymous readers the way deploy/README.md tells operators to: a bucket policy
    on the media/ prefix only.
    """
    name = f"learnwell-{uuid.uuid4().hex[:16]}"
    environment = {
        "AWS_STORAGE_BUCKET_NAME": name,
        "AWS_S3_ENDPOINT_URL": s3_server.url,
        "AWS_S3_REGION_NAME": REGION,
        "AWS_S3_ADDRESSING_STYLE": "path",
        **CREDENTIALS,
    }
    client = boto3.client(
        "s3",
        endpoint_url=s3_server.url,
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=name)
    public_media = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{name}/media/*",
    }
    client.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [public_media]}))
    settings.STORAGES = {
        **storages_from_env(environment, base_dir=settings.BASE_DIR),
        "staticfiles": settings.STORAGES["staticfiles"],
    }
    settings.IMAGEKIT_PRIVATE_KEY = ""
    settings.IMAGEKIT_URL_ENDPOINT = ""
    return Bucket(name=name, endpoint=s3_server.url, client=client)


def assert_signed_redirect(response, bucket: Bucket, key: str, *, expires: int) -> str:
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"{bucket.unsigned(key)}?")
    assert "X-Amz-Signature=" in location and f"X-Amz-Expires={expires}&" in location
    assert "no-store" in response["Cache-Control"]
    return location


def assert_refused_without_signature(bucket: Bucket, key: str) -> None:
    unsigned = fetch(bucket.unsigned(key))
    assert unsigned.status == 403 and unsigned.body != bucket.read(key)


def complete(user, course, lessons, capture) -> None:
    enrollment = learning_services.enroll(user=user, course=course)
    with capture(execute=True):
        for lesson in lessons:
            enrollment = learning_services.complete_lesson(enrollment=enrollment, lesson=lesson).enrollment


def test_a_certificate_lands_under_its_prefix_and_leaves_through_a_signed_url(
    client, bucket, learner, course, lessons, django_capture_on_commit_callbacks
):
    complete(learner, course, lessons, django_capture_on_commit_callbacks)
    certificate = learner.certificates.get()
    key = f"private/certificates/{certificate.serial}.pdf"
    assert bucket.keys("private/certificates/") == [key]
    assert hashlib.sha256(bucket.read(key)).hexdigest() == certificate.pdf_sha256
    url = reverse(
        "certificates:download", args=[certificate_services.download_token(certificate=certificate, user=learner)]
    )

    client.force_login(learner)
    location = assert_signed_redirect(client.get(url), bucket, key, expires=5 * 60)
    fetched = fetch(location)
    assert fetched.status == 200 and fetched.body == bucket.read(key)
    assert fetched.headers["Content-Type"] == "application/pdf"
    assert fetched.headers["Content-Disposition"] == f'attachment; filename="certificate-{certificate.serial}.pdf"'
    assert_refused_without_signature(bucket, key)

    client.force_login(UserFactory())
    refused = client.get(url)
    assert refused.status_code == 403 and "Location" not in refused
    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and bucket.endpoint not in anonymous["Location"]


def test_a_lost_certificate_is_rebuilt_into_the_bucket(
    client, bucket, learner, course, lessons, django_capture_on_commit_callbacks
):
    complete(learner, course, lessons, django_capture_on_commit_callbacks)
    certificate = learner.certificates.get()
    key = f"private/certificates/{certificate.serial}.pdf"
    bucket.client.delete_object(Bucket=bucket.name, Key=key)
    token = certificate_services.download_token(certificate=certificate, user=learner)

    client.force_login(learner)
    location = assert_signed_redirect(
        client.get(reverse("certificates:download", args=[token])), bucket, key, expires=300
    )
    assert hashlib.sha256(fetch(location).body).hexdigest() == certificate.pdf_sha256


def test_an_export_is_written_to_the_bucket_and_handed_only_to_its_requester(client, bucket, trainer, run_on_commit):
    job = run_on_commit(analytics_services.request_export, user=trainer, filters=YEAR_2026, format="csv")
    job.refresh_from_db()
    key = f"private/exports/{job.file.name}"
    assert bucket.keys("private/exports/") == [key]
    url = reverse("analytics:export_download", args=[analytics_services.download_token(job=job, user=trainer)])

    client.force_login(trainer)
    location = assert_signed_redirect(client.get(url), bucket, key, expires=300)
    fetched = fetch(location)
    assert fetched.status == 200 and fetched.body == bucket.read(key) and fetched.body
    assert fetched.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert fetched.headers["Content-Disposition"].startswith('attachment; filename="learnwell-report-2026')
    assert_refused_without_signature(bucket, key)

    client.force_login(UserFactory(role="admin"))
    refused = client.get(url)
    assert refused.status_code == 403 and "Location" not in refused


def test_a_private_video_plays_from_a_signed_url_that_lasts_the_lesson_and_captions_stay_here(client, bucket, settings):
    asset = VideoAsset(title="Welcome", content_type="video/mp4", size_bytes=len(FAKE_MP4))
    asset.file.save("clip.mp4", ContentFile(FAKE_MP4), save=False)
    asset.captions.save("clip.vtt", ContentFile(CAPTIONS), save=False)
    asset.save()
    asset = push_to_backend(asset=asset, final_attempt=True)
    assert asset.is_ready
    key = f"private/media/{asset.file.name}"
    assert key in bucket.keys("private/media/videos/")

    response = client.get(LocalBackend().url(asset.file.name, expires_in=60))
    location = assert_signed_redirect(response, bucket, key, expires=settings.MEDIA_SIGNED_URL_SECONDS)
    whole = fetch(location)
    assert whole.status == 200 and whole.body == FAKE_MP4
    assert whole.headers["Content-Type"] == "video/mp4" and whole.headers["Content-Disposition"] == "inline"
    seek = fetch(location, headers={"Range": "bytes=100-199"})
    assert seek.status == 206 and seek.body == FAKE_MP4[100:200]
    assert_refused_without_signature(bucket, key)

    captions = client.get(LocalBackend().url(asset.captions.name, expires_in=60))
    assert captions.status_code == 200 and captions.getvalue() == CAPTIONS
    assert captions["Content-Type"].startswith("text/vtt")

    token = LocalBackend().url(asset.file.name, expires_in=60).rstrip("/").rsplit("/", 1)[1]
    tampered = client.get(reverse("media_pipeline:stream", args=[token[:-1] + ("A" if token[-1] != "A" else "B")]))
    assert tampered.status_code == 403 and "Location" not in tampered


def test_public_media_is_read_without_a_signature(bucket):
    image = make_image("Campus")
    rendition = image.get_rendition("width-120")

    for name, url in ((image.file.name, image.file.url), (rendition.file.name, rendition.url)):
        assert f"media/{name}" in bucket.keys("media/")
        assert url == bucket.unsigned(f"media/{name}")  # no signature, no expiry
        fetched = fetch(url)
        assert fetched.status == 200 and fetched.body == bucket.read(f"media/{name}")
    stored = default_storage.save("uploads/hello.txt", ContentFile(b"hello"))
    assert fetch(default_storage.url(stored)).body == b"hello"


def test_a_private_document_is_kept_outside_public_media_and_leaves_signed(client, bucket, learner):
    from wagtail.documents import get_document_model
    from wagtail.models import Collection, CollectionViewRestriction

    members = Collection.get_first_root_node().add_child(name="Members")
    CollectionViewRestriction.objects.create(collection=members, restriction_type=CollectionViewRestriction.LOGIN)
    document = get_document_model().objects.create(
        title="Notes", file=ContentFile(b"%PDF-1.7 notes", name="notes.pdf"), collection=members
    )
    key = "private/documents/notes.pdf"
    assert bucket.keys("private/documents/") == [key]
    assert bucket.keys("media/") == []
    for guess in ("media/documents/notes.pdf", key):
        assert fetch(bucket.unsigned(guess)).status in {403, 404}
    assert "X-Amz-Signature=" in document.file.url  # even the storage's own URL for a document is signed

    anonymous = client.get(document.url)
    assert anonymous.status_code == 302 and bucket.endpoint not in anonymous["Location"]
    client.force_login(learner)
    location = assert_signed_redirect(client.get(document.url), bucket, key, expires=300)
    fetched = fetch(location)
    assert (
        fetched.body == b"%PDF-1.7 notes" and fetched.headers["Content-Disposition"] == 'inline; filename="notes.pdf"'
    )


def test_a_receipt_kept_by_the_e_mail_task_downloads_from_the_bucket(
    client, bucket, learner, catalogue, mailoutbox, django_capture_on_commit_callbacks
):
    course = make_course(catalogue, title="Django in Depth", price=Decimal("49.00"))
    order = billing_services.start_checkout(user=learner, course=course, base_url="http://testserver")
    with django_capture_on_commit_callbacks(execute=True):
        simulator.pay(order=order)
    [(_, emailed, _)] = next(message for message in mailoutbox if message.attachments).attachments
    [key] = bucket.keys("private/receipts/")
    assert key.startswith(f"private/receipts/R-{order.pk:06d}/") and bucket.read(key) == emailed

    client.force_login(learner)
    location = assert_signed_redirect(client.get(reverse("billing:receipt", args=[order.pk])), bucket, key, expires=300)
    assert fetch(location).body == emailed
    assert_refused_without_signature(bucket, key)
    client.force_login(UserFactory())
    assert client.get(reverse("billing:receipt", args=[order.pk])).status_code == 404
