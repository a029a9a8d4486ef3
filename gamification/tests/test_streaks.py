"""Streaks count the learner's own days: midnight is theirs, not the server's."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from accounts.tests.factories import UserFactory
from gamification import services
from gamification.models import PointEntry, Rule
from gamification.selectors import current_streak, learner_summary

pytestmark = pytest.mark.django_db


def at(*args, tz=UTC):
    return datetime(*args, tzinfo=tz)


def learner_in(zone: str):
    return UserFactory(time_zone=zone)


def streak_days(user) -> list[str | None]:
    return list(PointEntry.objects.filter(user=user, rule=Rule.DAILY_STREAK).values_list("source", flat=True))


def test_just_before_and_after_the_learners_midnight_are_two_days():
    learner = learner_in("Pacific/Auckland")  # UTC+13 in November
    services.record_activity(user=learner, occurred_at=at(2026, 11, 20, 10, 50))  # 23:50 local, 20th
    stats = services.record_activity(user=learner, occurred_at=at(2026, 11, 20, 11, 10))  # 00:10 local, 21st
    assert (stats.current_streak, stats.longest_streak) == (2, 2)
    assert streak_days(learner) == ["day:2026-11-21"]


def test_two_utc_dates_can_be_one_local_day():
    learner = learner_in("America/Los_Angeles")  # UTC-8
    services.record_activity(user=learner, occurred_at=at(2026, 11, 20, 20))  # 12:00 local, 20th
    stats = services.record_activity(user=learner, occurred_at=at(2026, 11, 21, 7, 59))  # 23:59 local, 20th
    assert stats.current_streak == 1 and streak_days(learner) == []


def test_the_same_moments_are_different_days_for_learners_in_different_zones():
    moments = [at(2026, 11, 20, 23, 30), at(2026, 11, 21, 0, 30)]
    in_utc, in_tokyo = learner_in("UTC"), learner_in("Asia/Tokyo")
    for moment in moments:
        services.record_activity(user=in_utc, occurred_at=moment)
        services.record_activity(user=in_tokyo, occurred_at=moment)
    assert services.learner_stats(user=in_utc).current_streak == 2  # 20th and 21st
    assert services.learner_stats(user=in_tokyo).current_streak == 1  # both on the 21st, 08:30 and 09:30


def test_a_missed_day_starts_again_and_the_longest_is_kept():
    learner = learner_in("Europe/Berlin")
    for day in (1, 2, 3, 5):
        stats = services.record_activity(user=learner, occurred_at=at(2026, 11, day, 12))
    assert (stats.current_streak, stats.longest_streak) == (1, 3)
    assert streak_days(learner) == ["day:2026-11-02", "day:2026-11-03"]


def test_a_daylight_saving_change_does_not_break_a_streak():
    learner = learner_in("Europe/Berlin")  # clocks go back on 25 October 2026, a 25-hour day
    for moment in (at(2026, 10, 24, 21, 30), at(2026, 10, 25, 22, 30), at(2026, 10, 26, 22, 59)):
        stats = services.record_activity(user=learner, occurred_at=moment)  # 23:30 local each night
    assert stats.current_streak == 3


def test_a_late_event_for_an_earlier_day_joins_the_run():
    learner = learner_in("UTC")
    services.record_activity(user=learner, occurred_at=at(2026, 11, 1, 9))
    services.record_activity(user=learner, occurred_at=at(2026, 11, 3, 9))
    stats = services.record_activity(user=learner, occurred_at=at(2026, 11, 2, 9))  # a retried task, late
    assert (stats.current_streak, stats.longest_streak, str(stats.last_active_day)) == (3, 3, "2026-11-03")


def test_repeating_a_day_changes_nothing():
    learner = learner_in("UTC")
    services.record_activity(user=learner, occurred_at=at(2026, 11, 1, 9))
    services.record_activity(user=learner, occurred_at=at(2026, 11, 2, 9))
    services.record_activity(user=learner, occurred_at=at(2026, 11, 2, 18))
    assert services.learner_stats(user=learner).current_streak == 2 and len(streak_days(learner)) == 1


class TestShownStreak:
    """What the dashboard shows: a streak lives until the end of the learner's next day."""

    @pytest.fixture
    def learner(self):
        learner = learner_in("Asia/Kolkata")  # UTC+5:30
        services.record_activity(user=learner, occurred_at=at(2026, 11, 19, 12))
        services.record_activity(user=learner, occurred_at=at(2026, 11, 20, 12))  # 17:30 local on the 20th
        return learner

    @pytest.mark.parametrize(
        ("now", "shown"),
        [
            (at(2026, 11, 21, 18, 29), 2),  # 23:59 local on the 21st: still time to learn today
            (at(2026, 11, 21, 18, 30), 0),  # 00:00 local on the 22nd: a day was missed
        ],
    )
    def test_the_streak_ends_at_the_learners_midnight(self, learner, now, shown):
        with time_machine.travel(now, tick=False):
            assert learner_summary(user=learner).current_streak == shown
        stats = services.learner_stats(user=learner)
        assert current_streak(stats=stats, user=learner, now=now + timedelta(seconds=0)) == shown


def test_a_late_day_that_joins_two_earlier_runs_makes_the_longest():
    learner = learner_in("UTC")
    for day in (1, 2, 4, 5, 9):
        services.record_activity(user=learner, occurred_at=at(2026, 11, day, 9))
    stats = services.record_activity(user=learner, occurred_at=at(2026, 11, 3, 9))
    assert (stats.current_streak, stats.longest_streak) == (1, 5)
