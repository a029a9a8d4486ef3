"""Duplicate deliveries that really race: workers award the same event, and different ones, at one moment."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, connections

from accounts.tests.factories import UserFactory
from gamification import services
from gamification.models import Period, PointEntry, PointTotal, Rule
from gamification.selectors import leaderboard

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="SQLite serialises all writers; the race needs MariaDB (CI runs it)"
    ),
]

AT = datetime(2026, 11, 25, 12, tzinfo=UTC)


def race(actions):
    barrier = threading.Barrier(len(actions))
    errors = []

    def run(action):
        try:
            barrier.wait()
            action()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []


def test_the_same_event_delivered_four_times_at_once_awards_once():
    learner = UserFactory()
    award = lambda: services.award(user=learner, rule=Rule.LESSON_COMPLETED, source="lesson:1", occurred_at=AT)  # noqa: E731
    race([award] * 4)
    assert PointEntry.objects.filter(user=learner).count() == 1
    assert PointTotal.objects.get(user=learner, scope=0, period=Period.ALL_TIME).points == 10


def test_different_awards_at_once_all_count_in_the_totals():
    learner = UserFactory()

    def award(n):
        return lambda: services.award(
            user=learner, rule=Rule.LESSON_COMPLETED, source=f"lesson:{n}", occurred_at=AT, course_id=None
        )

    race([award(n) for n in range(4)])
    assert PointEntry.objects.filter(user=learner).count() == 4
    assert set(PointTotal.objects.filter(user=learner).values_list("points", flat=True)) == {40}
    assert leaderboard(scope=0, period=Period.WEEK, viewer=learner, now=AT).viewer.points == 40
