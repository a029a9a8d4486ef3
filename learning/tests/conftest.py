import pytest

from courses.tests.factories import make_course


@pytest.fixture
def paid_course(catalogue, trainer):
    return make_course(catalogue, title="Paid course", trainer=trainer, price="99.00", modules=1)
