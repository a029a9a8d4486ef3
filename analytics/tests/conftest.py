import pytest


@pytest.fixture(autouse=True)
def _exports_in_tmp(settings, tmp_path):
    # Each test writes its export files into its own directory, so no test sees another's files.
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
