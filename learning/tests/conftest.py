import pytest

from courses.tests.factories import make_course


@pytest.fixture
def paid_course(catalogue, trainer):
    return make_course(catalogue, title="Paid course", trainer=trainer, price="99.00", modules=1)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Runs on-commit callbacks (tasks dispatched with delay_on_commit) as a real commit would."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run
