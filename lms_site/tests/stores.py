"""Pointing a STORAGES alias at a test's own directory, so no two tests (or xdist workers) share files."""

from pathlib import Path

FILE_SYSTEM = "django.core.files.storage.FileSystemStorage"


def local_store(settings, alias: str, location: Path, *, backend: str = FILE_SYSTEM, **options) -> Path:
    """Replaces one alias of settings.STORAGES (pytest-django's `settings` fixture undoes it after the test).

    A plain FileSystemStorage at `location` unless another backend and its options are given."""
    options = options or {"location": str(location)}
    settings.STORAGES = {**settings.STORAGES, alias: {"BACKEND": backend, "OPTIONS": options}}
    return location
