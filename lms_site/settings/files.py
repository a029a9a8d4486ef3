"""Where uploaded and generated files live, and who sends the private ones, read from the environment.

Plain functions of an environment mapping, so lms_site/tests/test_files_settings.py can try each combination
without starting Django again. base.py calls them with os.environ.

Two layouts:

- local disk (the embedded default): public media under MEDIA_ROOT; every private store (uploaded videos,
  certificates, exports, receipts and, once PRIVATE_ROOT is set, Wagtail documents) in its own directory under
  PRIVATE_ROOT, which is also the one directory nginx may send from (SENDFILE_ROOT);
- object storage, when AWS_STORAGE_BUCKET_NAME is set: one bucket, a prefix per store. Public media under
  "media/" is read without a signature (a bucket policy, an ACL or a CDN in front); everything under
  "private/" is reachable only through short-lived signed URLs (lms_site/files.py).
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

# Each private STORAGES alias, the environment variable that may place it elsewhere on disk, and its
# directory under PRIVATE_ROOT (or its prefix under "private/" in the bucket).
PRIVATE_STORES = {
    "media_private": ("MEDIA_PRIVATE_ROOT", "media"),
    "certificates": ("CERTIFICATES_ROOT", "certificates"),
    "exports": ("EXPORTS_ROOT", "exports"),
    "receipts": ("RECEIPTS_ROOT", "receipts"),
}
PUBLIC_MEDIA_PREFIX = "media"
PRIVATE_PREFIX = "private"

SENT_BY = {
    "django": None,  # Django streams the bytes itself: the embedded default, and any server without nginx
    "nginx": "django_sendfile.backends.nginx",  # Django answers X-Accel-Redirect, nginx sends the file
}


def private_root(environ: Mapping[str, str], *, base_dir: Path) -> Path:
    return Path(environ.get("PRIVATE_ROOT") or base_dir / "var" / "private")


def documents_root(environ: Mapping[str, str], *, base_dir: Path) -> str | None:
    """Where Wagtail documents live on disk; None keeps them in MEDIA_ROOT/documents, as before PRIVATE_ROOT.

    Only an explicit PRIVATE_ROOT (or DOCUMENTS_ROOT) moves them: a container that sets the older per-store
    variables alone would otherwise write documents to a directory that is not on any volume.
    """
    if environ.get("DOCUMENTS_ROOT"):
        return environ["DOCUMENTS_ROOT"]
    if environ.get("PRIVATE_ROOT"):
        return str(private_root(environ, base_dir=base_dir) / "documents")
    return None


def storages_from_env(environ: Mapping[str, str], *, base_dir: Path) -> dict[str, dict[str, Any]]:
    """The STORAGES setting: the local disk, or the bucket named by AWS_STORAGE_BUCKET_NAME."""
    if environ.get("AWS_STORAGE_BUCKET_NAME"):
        return _bucket_storages(environ)
    root = private_root(environ, base_dir=base_dir)
    storages: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "lms_site.storage.MediaFileSystemStorage",
            "OPTIONS": {"documents_location": documents_root(environ, base_dir=base_dir)},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    for alias, (variable, directory) in PRIVATE_STORES.items():
        storages[alias] = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": environ.get(variable) or str(root / directory)},
        }
    if documents := storages["default"]["OPTIONS"]["documents_location"]:
        # Written through the default storage (Wagtail's FileField uses it); named here as well, so whatever
        # walks every store (backup_site, restore_site) finds the directory.
        storages["documents"] = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": documents},
        }
    return storages


def _bucket_storages(environ: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    connection: dict[str, Any] = {
        "bucket_name": environ["AWS_STORAGE_BUCKET_NAME"],
        "signature_version": "s3v4",
        # Two uploads of "notes.pdf" keep both files, as on the local disk.
        "file_overwrite": False,
    }
    for option, variable in (
        ("endpoint_url", "AWS_S3_ENDPOINT_URL"),
        ("region_name", "AWS_S3_REGION_NAME"),
        ("access_key", "AWS_ACCESS_KEY_ID"),
        ("secret_key", "AWS_SECRET_ACCESS_KEY"),
        ("addressing_style", "AWS_S3_ADDRESSING_STYLE"),
    ):
        if environ.get(variable):
            connection[option] = environ[variable]
    media: dict[str, Any] = {
        **connection,
        "location": PUBLIC_MEDIA_PREFIX,
        "documents_location": f"{PRIVATE_PREFIX}/documents",
        "querystring_auth": False,
        "custom_domain": environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
        "default_acl": environ.get("AWS_MEDIA_ACL") or None,
    }
    storages: dict[str, dict[str, Any]] = {
        "default": {"BACKEND": "lms_site.object_storage.MediaS3Storage", "OPTIONS": media},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    for alias, (_variable, directory) in [*PRIVATE_STORES.items(), ("documents", (None, "documents"))]:
        storages[alias] = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **connection,
                "location": f"{PRIVATE_PREFIX}/{directory}",
                "querystring_auth": True,
                # Only what storage.url() signs by itself; lms_site/files.py passes its own, shorter expiry.
                "querystring_expire": 5 * 60,
                "default_acl": "private",
            },
        }
    return storages


def sendfile_backend(environ: Mapping[str, str]) -> str | None:
    """The django-sendfile2 backend PRIVATE_FILES_SENT_BY names; None: Django streams private files itself."""
    sent_by = (environ.get("PRIVATE_FILES_SENT_BY") or "django").strip().lower()
    if sent_by not in SENT_BY:
        raise ImproperlyConfigured(f"PRIVATE_FILES_SENT_BY must be one of {', '.join(SENT_BY)}, not {sent_by!r}.")
    return SENT_BY[sent_by]


def storage_origins(environ: Mapping[str, str]) -> list[str]:
    """The origins media comes from in bucket mode, for the Content-Security-Policy's img-src and media-src.

    Images come from the CDN or the bucket; videos follow a redirect to a signed bucket URL, and the browser
    checks the redirect's target against media-src too.
    """
    bucket = environ.get("AWS_STORAGE_BUCKET_NAME")
    if not bucket:
        return []
    origins = []
    if environ.get("AWS_S3_CUSTOM_DOMAIN"):
        origins.append(f"https://{environ['AWS_S3_CUSTOM_DOMAIN'].strip('/')}")
    endpoint = urlsplit(environ.get("AWS_S3_ENDPOINT_URL") or "")
    if endpoint.scheme and endpoint.netloc:
        origins.append(f"{endpoint.scheme}://{endpoint.netloc}")
        if environ.get("AWS_S3_ADDRESSING_STYLE") != "path":
            origins.append(f"{endpoint.scheme}://{bucket}.{endpoint.netloc}")
    else:
        region = environ.get("AWS_S3_REGION_NAME")
        origins.append(f"https://{bucket}.s3.amazonaws.com")
        if region:
            origins.append(f"https://{bucket}.s3.{region}.amazonaws.com")
    return origins
