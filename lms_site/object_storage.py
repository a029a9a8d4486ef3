"""The public media storage in bucket mode (settings/files.py). Its own module: importing it loads boto3,
which a site on the local disk never needs."""

from django.core.exceptions import SuspiciousOperation
from storages.backends.s3 import S3Storage
from storages.utils import clean_name, safe_join

from .storage import document_name_rest


class MediaS3Storage(S3Storage):
    """Public media under its prefix, readable without a signature; Wagtail documents under
    `documents_location`, a private prefix that no bucket policy or CDN in front of the media opens, and whose
    URLs are always signed."""

    def get_default_settings(self):
        return {**super().get_default_settings(), "documents_location": None}

    def _normalize_name(self, name):
        rest = document_name_rest(name) if self.documents_location else None
        if rest is None:
            return super()._normalize_name(name)
        try:
            return safe_join(self.documents_location, rest)
        except ValueError:
            raise SuspiciousOperation(f"Attempted access to '{name}' denied.") from None

    def _open(self, name, mode="rb"):
        file = super()._open(name, mode)
        # S3File names itself by cutting this storage's location off the key, which a document's key lacks.
        file.name = clean_name(name)
        return file

    def url(self, name, parameters=None, expire=None, http_method=None):
        if self.documents_location and document_name_rest(name) is not None:
            params = {**(parameters or {}), "Bucket": self.bucket_name, "Key": self._normalize_name(clean_name(name))}
            return self.connection.meta.client.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=expire or self.querystring_expire, HttpMethod=http_method
            )
        return super().url(name, parameters=parameters, expire=expire, http_method=http_method)
