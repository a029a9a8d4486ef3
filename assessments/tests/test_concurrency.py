"""Two tabs racing: the attempts limit holds when starts and submits happen at the same moment."""

import threading

import pytest
from django.db import connection, connections

from accounts.tests.factories import UserFactory
from assessments import services
from assessments.models import Attempt
from assessments.tests.factories import make_assessment
from learning import services as learning_services

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="SQLite serialises all writers; the race needs MariaDB (CI runs it)"
    ),
]


def race(action, times=4):
    barrier = threading.Barrier(times)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(action())
        except services.AssessmentError as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors


def test_racing_starts_open_a_single_attempt(course):
    quiz = make_assessment(course, max_attempts=2, slug="race")
    user = UserFactory()
    learning_services.enroll(user=user, course=course)

    results, errors = race(lambda: services.start_attempt(user=user, assessment=quiz))
    assert Attempt.objects.filter(user=user).count() == 1
    assert {attempt.pk for attempt in results} == {Attempt.objects.get(user=user).pk}


def test_racing_submits_and_restarts_never_exceed_the_limit(course):
    quiz = make_assessment(course, max_attempts=2, slug="race")
    user = UserFactory()
    learning_services.enroll(user=user, course=course)
    first = services.start_attempt(user=user, assessment=quiz)

    def submit_then_start():
        services.submit_attempt(attempt=first)
        return services.start_attempt(user=user, assessment=quiz)

    results, errors = race(submit_then_start)
    assert Attempt.objects.filter(user=user).count() == 2
    services.submit_attempt(attempt=Attempt.objects.get(user=user, number=2))
    with pytest.raises(services.AttemptsExhausted):
        services.start_attempt(user=user, assessment=quiz)
