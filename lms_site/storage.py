"""Storages looked up by their STORAGES alias on first use, so a FileField can name a private storage
and tests can point it elsewhere with override_settings(STORAGES=...); and the public media storage that keeps
Wagtail documents apart from the files nginx or a CDN serve to anyone."""

import os

from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils._os import safe_join
from django.utils.deconstruct import deconstructible
from django.utils.functional import LazyObject, empty

_aliased: list["AliasedStorage"] = []

# Wagtail's AbstractDocument.file uploads to "documents/": such names are documents, whose collection may be
# private, so their bytes must never sit where the public media URL reaches them.
DOCUMENTS_PREFIX = "documents"


def document_name_rest(name: str) -> str | None:
    """The part of a default-storage name after "documents/", or None when the name is not a document's."""
    normalised = name.replace("\\", "/").lstrip("/")
    if normalised == DOCUMENTS_PREFIX:
        return ""
    if normalised.startswith(DOCUMENTS_PREFIX + "/"):
        return normalised[len(DOCUMENTS_PREFIX) + 1 :]
    return None


class AliasedStorage(LazyObject):
    def __init__(self, alias: str):
        super().__init__()
        self.__dict__["_alias"] = alias
        _aliased.append(self)

    def _setup(self):
        self._wrapped = storages[self.__dict__["_alias"]]


@receiver(setting_changed)
def _forget_storages(*, setting, **kwargs):
    if setting == "STORAGES":
        for storage in _aliased:
            storage._wrapped = empty


@deconstructible(path="lms_site.storage.MediaFileSystemStorage")
class MediaFileSystemStorage(FileSystemStorage):
    """MEDIA_ROOT, except Wagtail documents when `documents_location` is set: those live there instead, a
    private directory that nginx sends from only when Django says so (lms_site/files.py).

    A document uploaded before documents moved is still read from MEDIA_ROOT until it is moved across.
    """

    def __init__(self, *, documents_location: str | os.PathLike[str] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.documents_location = os.path.abspath(documents_location) if documents_location else None

    def _in_documents(self, full_path: str) -> bool:
        if not self.documents_location:
            return False
        return os.path.commonpath([os.path.abspath(full_path), self.documents_location]) == self.documents_location

    def _save(self, name, content):
        saved = super()._save(name, content)
        # Django names a saved file by its path relative to MEDIA_ROOT, which a document's is not.
        full_path = os.path.normpath(os.path.join(self.location, saved))
        if self._in_documents(full_path):
            rest = os.path.relpath(full_path, self.documents_location).replace("\\", "/")
            return f"{DOCUMENTS_PREFIX}/{rest}"
        return saved

    def _ensure_location_group_id(self, full_path):
        # Django gives a new file MEDIA_ROOT's group; a document keeps its own directory's.
        if not self._in_documents(full_path):
            super()._ensure_location_group_id(full_path)

    def path(self, name: str) -> str:
        rest = document_name_rest(name) if self.documents_location else None
        if rest is None or self.documents_location is None:
            return super().path(name)
        routed = safe_join(self.documents_location, rest)
        if not os.path.exists(routed):
            earlier = super().path(name)
            if rest and os.path.exists(earlier):
                return earlier
        return routed
