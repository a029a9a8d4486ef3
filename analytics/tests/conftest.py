import pytest

from lms_site.tests.stores import local_store


@pytest.fixture(autouse=True)
def _exports_in_tmp(settings, tmp_path):
    # Each test writes its export files into its own directory, so no test sees another's files.
    local_store(settings, "exports", tmp_path)
