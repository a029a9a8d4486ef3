import pytest

from . import lrs as standin


@pytest.fixture
def lrs(settings):
    """The stand-in LRS, running, and the site configured to send to it."""
    state, server = standin.start()
    settings.XAPI_LRS_ENDPOINT = state.url
    settings.XAPI_LRS_KEY = standin.KEY
    settings.XAPI_LRS_SECRET = standin.SECRET
    settings.XAPI_BATCH_SIZE = 50
    yield state
    server.stop()
