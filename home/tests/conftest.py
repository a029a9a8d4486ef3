import pytest


@pytest.fixture(autouse=True)
def _fresh_cache(fresh_cache):
    # Wagtail caches renditions and site root paths; rows from an earlier test's rolled-back
    # transaction must not leak into this one's pages or query counts.
    yield
