import pytest

from accounts.tests.factories import UserFactory
from learning import services as learning_services


@pytest.fixture
def student(course):
    user = UserFactory()
    learning_services.enroll(user=user, course=course)
    return user


@pytest.fixture
def enrollment(student, course):
    return student.enrollments.get(course=course)
