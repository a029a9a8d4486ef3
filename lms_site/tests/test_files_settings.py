"""Where files live and who sends private ones, as lms_site/settings/files.py reads them from the environment."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from lms_site.settings import files

from .settings_probe import read_in_subprocess

BASE = Path("/app")
PRIVATE_ALIASES = ("media_private", "certificates", "exports", "receipts")
BUCKET = {
    "AWS_STORAGE_BUCKET_NAME": "learnwell-files",
    "AWS_S3_ENDPOINT_URL": "https://s3.eu-central-1.example.net",
    "AWS_S3_REGION_NAME": "eu-central-1",
    "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "secret",
}


def test_unset_means_the_local_disk_under_the_projects_var_directory():
    storages = files.storages_from_env({}, base_dir=BASE)

    assert storages["default"]["BACKEND"] == "lms_site.storage.MediaFileSystemStorage"
    assert storages["default"]["OPTIONS"] == {"documents_location": None}  # documents stay in MEDIA_ROOT
    assert "documents" not in storages
    for alias, directory in zip(PRIVATE_ALIASES, ("media", "certificates", "exports", "receipts"), strict=True):
        assert storages[alias] == {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": f"/app/var/private/{directory}"},
        }
    assert files.private_root({}, base_dir=BASE) == Path("/app/var/private")


def test_private_root_holds_every_private_store_and_the_documents():
    storages = files.storages_from_env({"PRIVATE_ROOT": "/srv/private"}, base_dir=BASE)

    assert {alias: storages[alias]["OPTIONS"]["location"] for alias in PRIVATE_ALIASES} == {
        "media_private": "/srv/private/media",
        "certificates": "/srv/private/certificates",
        "exports": "/srv/private/exports",
        "receipts": "/srv/private/receipts",
    }
    assert storages["default"]["OPTIONS"]["documents_location"] == "/srv/private/documents"
    # The same directory as a store of its own, so backup_site and restore_site copy it.
    assert storages["documents"]["OPTIONS"]["location"] == "/srv/private/documents"


def test_the_older_per_store_variables_still_place_their_stores():
    env = {
        "PRIVATE_ROOT": "/srv/private",
        "CERTIFICATES_ROOT": "/mnt/certs",
        "MEDIA_PRIVATE_ROOT": "/mnt/videos",
        "EXPORTS_ROOT": "/mnt/exports",
        "RECEIPTS_ROOT": "/mnt/receipts",
        "DOCUMENTS_ROOT": "/mnt/documents",
    }
    storages = files.storages_from_env(env, base_dir=BASE)

    assert storages["certificates"]["OPTIONS"]["location"] == "/mnt/certs"
    assert storages["media_private"]["OPTIONS"]["location"] == "/mnt/videos"
    assert storages["exports"]["OPTIONS"]["location"] == "/mnt/exports"
    assert storages["receipts"]["OPTIONS"]["location"] == "/mnt/receipts"
    assert storages["default"]["OPTIONS"]["documents_location"] == "/mnt/documents"


def test_a_bucket_gives_every_alias_its_prefix_public_media_unsigned_and_private_files_signed():
    storages = files.storages_from_env(BUCKET, base_dir=BASE)

    media = storages["default"]
    assert media["BACKEND"] == "lms_site.object_storage.MediaS3Storage"
    assert media["OPTIONS"]["location"] == "media"
    assert media["OPTIONS"]["querystring_auth"] is False
    assert media["OPTIONS"]["documents_location"] == "private/documents"
    for alias, prefix in zip(
        (*PRIVATE_ALIASES, "documents"), ("media", "certificates", "exports", "receipts", "documents"), strict=True
    ):
        options = storages[alias]["OPTIONS"]
        assert storages[alias]["BACKEND"] == "storages.backends.s3.S3Storage"
        assert options["location"] == f"private/{prefix}"
        assert options["querystring_auth"] is True and options["default_acl"] == "private"
        assert options["querystring_expire"] <= 10 * 60
    for alias in ("default", *PRIVATE_ALIASES):
        options = storages[alias]["OPTIONS"]
        assert options["bucket_name"] == "learnwell-files"
        assert options["endpoint_url"] == BUCKET["AWS_S3_ENDPOINT_URL"]
        assert options["region_name"] == "eu-central-1"
        assert options["access_key"] == "AKIAEXAMPLE" and options["secret_key"] == "secret"
        assert options["file_overwrite"] is False
    # Static files stay with whitenoise and nginx.
    assert storages["staticfiles"]["BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"


def test_the_bucket_storages_can_be_built_from_the_options():
    from django.core.files.storage.handler import StorageHandler

    from lms_site.object_storage import MediaS3Storage

    handler = StorageHandler(files.storages_from_env(BUCKET, base_dir=BASE))
    media = handler["default"]
    assert isinstance(media, MediaS3Storage) and media.documents_location == "private/documents"
    assert media._normalize_name("documents/notes.pdf") == "private/documents/notes.pdf"
    assert media._normalize_name("original_images/photo.png") == "media/original_images/photo.png"
    assert handler["certificates"]._normalize_name("LW-1.pdf") == "private/certificates/LW-1.pdf"


def test_a_cdn_and_an_acl_for_public_media_only():
    env = {**BUCKET, "AWS_S3_CUSTOM_DOMAIN": "cdn.learnwell.example", "AWS_MEDIA_ACL": "public-read"}
    storages = files.storages_from_env(env, base_dir=BASE)

    assert storages["default"]["OPTIONS"]["custom_domain"] == "cdn.learnwell.example"
    assert storages["default"]["OPTIONS"]["default_acl"] == "public-read"
    for alias in PRIVATE_ALIASES:
        assert "custom_domain" not in storages[alias]["OPTIONS"]
        assert storages[alias]["OPTIONS"]["default_acl"] == "private"


def test_credentials_left_out_of_the_environment_are_left_to_boto3():
    storages = files.storages_from_env({"AWS_STORAGE_BUCKET_NAME": "b"}, base_dir=BASE)

    for alias in ("default", *PRIVATE_ALIASES):
        options = storages[alias]["OPTIONS"]
        assert not {"access_key", "secret_key", "endpoint_url", "region_name"} & options.keys()


NGINX = "django_sendfile.backends.nginx"


@pytest.mark.parametrize(("value", "backend"), [(None, None), ("django", None), ("nginx", NGINX), (" NGINX ", NGINX)])
def test_who_sends_private_files(value, backend):
    env = {} if value is None else {"PRIVATE_FILES_SENT_BY": value}
    assert files.sendfile_backend(env) == backend


def test_an_unknown_sender_is_refused_at_start_up():
    with pytest.raises(ImproperlyConfigured, match="PRIVATE_FILES_SENT_BY"):
        files.sendfile_backend({"PRIVATE_FILES_SENT_BY": "apache"})


def test_media_origins_for_the_content_security_policy():
    assert files.storage_origins({}) == []
    assert files.storage_origins({**BUCKET, "AWS_S3_CUSTOM_DOMAIN": "cdn.learnwell.example"}) == [
        "https://cdn.learnwell.example",
        "https://s3.eu-central-1.example.net",
        "https://learnwell-files.s3.eu-central-1.example.net",
    ]
    path_style = {**BUCKET, "AWS_S3_ENDPOINT_URL": "http://minio:9000", "AWS_S3_ADDRESSING_STYLE": "path"}
    assert files.storage_origins(path_style) == ["http://minio:9000"]
    assert files.storage_origins({"AWS_STORAGE_BUCKET_NAME": "b", "AWS_S3_REGION_NAME": "eu-west-1"}) == [
        "https://b.s3.amazonaws.com",
        "https://b.s3.eu-west-1.amazonaws.com",
    ]


READ_FILE_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
print(json.dumps({
    "default": settings.STORAGES["default"]["BACKEND"],
    "certificates": settings.STORAGES["certificates"]["OPTIONS"].get("location"),
    "sendfile": settings.SENDFILE_BACKEND, "sendfile_root": settings.SENDFILE_ROOT,
    "img": directives["img-src"], "media": directives["media-src"],
}))
"""


def read_file_settings(**env: str) -> dict:
    return read_in_subprocess(
        READ_FILE_SETTINGS, "lms_site.settings.dev", env, drop=lambda name: name.startswith(("AWS_", "PRIVATE_"))
    )


def test_the_settings_read_the_environment_for_files():
    local = read_file_settings(PRIVATE_ROOT="/srv/private", PRIVATE_FILES_SENT_BY="nginx")
    assert local["default"] == "lms_site.storage.MediaFileSystemStorage"
    assert local["certificates"] == "/srv/private/certificates"
    assert local["sendfile"] == "django_sendfile.backends.nginx" and local["sendfile_root"] == "/srv/private"

    bucket = read_file_settings(**BUCKET, AWS_S3_CUSTOM_DOMAIN="cdn.learnwell.example")
    assert bucket["default"] == "lms_site.object_storage.MediaS3Storage"
    assert bucket["sendfile"] is None
    for directive in ("img", "media"):
        assert "https://cdn.learnwell.example" in bucket[directive]
        assert "https://s3.eu-central-1.example.net" in bucket[directive]
