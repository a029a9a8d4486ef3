"""Where videos live after upload: ImageKit's CDN when configured, the private local storage otherwise.

Both give a learner the same thing, a URL that works for a few hours and only for the file it names.
"""

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core import signing
from django.urls import reverse

STREAM_SALT = "media_pipeline.stream"


@dataclass(frozen=True)
class RemoteFile:
    file_id: str
    path: str


class LocalBackend:
    """The embedded default: the uploaded file stays in private storage and a signed view streams it."""

    name = "local"

    def find(self, asset) -> RemoteFile | None:
        return (
            RemoteFile(f"local:{asset.file.name}", asset.file.name)
            if asset.file.storage.exists(asset.file.name)
            else None
        )

    def upload(self, asset) -> RemoteFile:
        return RemoteFile(f"local:{asset.file.name}", asset.file.name)

    def delete(self, file_id: str) -> None:
        """The file is the asset's own upload; deleting the asset removes it."""

    def url(self, path: str, *, expires_in: int) -> str:
        token = signing.dumps({"path": path, "ttl": expires_in}, salt=STREAM_SALT, compress=True)
        return reverse("media_pipeline:stream", args=[token])


class ImageKitBackend:
    name = "imagekit"

    @property
    def client(self):
        return imagekit_client()

    def find(self, asset) -> RemoteFile | None:
        """A file a dead worker uploaded before it could record it, so a retry adopts it instead of re-uploading."""
        found = self.client.assets.list(
            path=settings.IMAGEKIT_FOLDER, search_query=f'name = "{asset.remote_name}"', limit=1
        )
        for item in found:
            if getattr(item, "file_id", None) and getattr(item, "file_path", None):
                return RemoteFile(item.file_id, item.file_path)
        return None

    def upload(self, asset) -> RemoteFile:
        with asset.file.open("rb") as stream:
            uploaded = self.client.files.upload(
                file=(asset.remote_name, stream, asset.content_type),
                file_name=asset.remote_name,
                folder=settings.IMAGEKIT_FOLDER,
                use_unique_file_name=False,
                overwrite_file=True,
                is_private_file=True,  # reachable only through signed URLs
                tags=["learnwell", f"asset-{asset.pk}"],
            )
        return RemoteFile(uploaded.file_id, uploaded.file_path)

    def delete(self, file_id: str) -> None:
        self.client.files.delete(file_id)

    def url(self, path: str, *, expires_in: int, transformation=None) -> str:
        options = {"src": path, "url_endpoint": settings.IMAGEKIT_URL_ENDPOINT, "expires_in": expires_in}
        if transformation:
            options["transformation"] = transformation
        return self.client.helper.build_url(**options)


def imagekit_configured() -> bool:
    return bool(settings.IMAGEKIT_PRIVATE_KEY and settings.IMAGEKIT_URL_ENDPOINT)


@cache
def _client(private_key: str, base_url: str):
    # Imported here because the SDK takes over half a second to load and only the ImageKit backend needs it.
    from imagekitio import ImageKit

    # Retries belong to the Celery task (with backoff and a record of each attempt), not to the SDK.
    return ImageKit(private_key=private_key, base_url=base_url or None, max_retries=0)


def imagekit_client():
    return _client(settings.IMAGEKIT_PRIVATE_KEY, settings.IMAGEKIT_API_BASE)


def active_backend():
    return ImageKitBackend() if imagekit_configured() else LocalBackend()


def backend_named(name: str):
    return ImageKitBackend() if name == ImageKitBackend.name else LocalBackend()
