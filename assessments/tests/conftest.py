import pytest

from accounts.tests.factories import UserFactory
from assessments.tests.factories import make_assessment
from learning import services as learning_services


@pytest.fixture
def assessment(course):
    return make_assessment(course)


@pytest.fixture
def student(course):
    user = UserFactory()
    learning_services.enroll(user=user, course=course)
    return user


@pytest.fixture
def taker(client, student):
    """An enrolled learner, signed in on the test client."""
    client.force_login(student)
    return student
