import pytest

from scheduling.tests.factories import enrolled_learner


@pytest.fixture
def enrolled(course):
    """Makes learners enrolled in the course fixture: `enrolled(time_zone="Asia/Tokyo")`."""

    def make(**fields):
        return enrolled_learner(course, **fields)

    return make
