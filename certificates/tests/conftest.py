import pytest

from learning import services as learning_services
from lms_site.tests.stores import local_store


@pytest.fixture(autouse=True)
def _certificates_in_tmp(settings, tmp_path):
    local_store(settings, "certificates", tmp_path / "certificates")


@pytest.fixture
def complete_course(django_capture_on_commit_callbacks):
    """Completes every lesson of `course` for `user`, running the tasks enqueued on commit; returns the enrollment."""

    def complete(user, course, lessons):
        enrollment = learning_services.enroll(user=user, course=course)
        with django_capture_on_commit_callbacks(execute=True):
            for lesson in lessons:
                enrollment = learning_services.complete_lesson(enrollment=enrollment, lesson=lesson).enrollment
        enrollment.refresh_from_db()
        return enrollment

    return complete


@pytest.fixture
def certificate(learner, course, lessons, complete_course):
    complete_course(learner, course, lessons)
    return learner.certificates.get()
