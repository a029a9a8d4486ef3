def pytest_configure(config):
    # pytest-xdist registers this marker itself; under `-p no:xdist` (targeted runs) it is only a label, declared
    # here so that --strict-markers accepts it (test_replication.py).
    config.addinivalue_line("markers", "xdist_group(name): tests that must run on the same pytest-xdist worker")
