"""Leaderboards: per course and global, by week, month and all time; opt-outs respected on every one."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.tests.factories import UserFactory
from courses.tests.factories import make_course
from gamification import services
from gamification.models import Period, PointTotal, Rule, Visibility
from gamification.selectors import ANONYMOUS_NAME, leaderboard

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)  # a Wednesday
BOARDS = [(scope, period) for scope in ("global", "course") for period in Period.values]


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def give(user, points, *, course=None, when=NOW, source=None):
    """Awards `points` through the ledger, as a rule worth exactly that much."""
    from gamification.models import PointRule

    PointRule.objects.filter(rule=Rule.LESSON_COMPLETED).update(points=points, is_active=True)
    source = source or f"lesson:{user.pk}-{points}-{when.isoformat()}"
    return services.award(
        user=user, rule=Rule.LESSON_COMPLETED, source=source, course_id=course.pk if course else None, occurred_at=when
    )


def scope_of(name, course):
    return course.pk if name == "course" else PointTotal.GLOBAL


@pytest.fixture
def players(course):
    """Five learners with points in the course this week, ranked ada > bob > cy = dee > eve."""
    people = {name: UserFactory(first_name=name.title(), last_name="") for name in ("ada", "bob", "cy", "dee", "eve")}
    for name, points in (("ada", 50), ("bob", 40), ("cy", 30), ("dee", 30), ("eve", 10)):
        give(people[name], points, course=course)
    return people


def names(board):
    return [row.name for row in board.rows]


@pytest.mark.parametrize(("scope_name", "period"), BOARDS)
def test_every_board_ranks_with_shared_ranks_for_ties(players, course, scope_name, period):
    board = leaderboard(scope=scope_of(scope_name, course), period=period, viewer=players["eve"])
    assert names(board) == ["Ada", "Bob", "Cy", "Dee", "Eve"]
    assert [row.rank for row in board.rows] == [1, 2, 3, 3, 5]
    assert board.viewer.rank == 5 and board.viewer.is_viewer


@pytest.mark.parametrize(("scope_name", "period"), BOARDS)
def test_hidden_learners_are_left_out_and_anonymous_ones_lose_their_name(players, course, scope_name, period):
    services.set_leaderboard_visibility(user=players["bob"], visibility=Visibility.HIDDEN)
    services.set_leaderboard_visibility(user=players["cy"], visibility=Visibility.ANONYMOUS)
    give(players["bob"], 5, course=course)  # new totals of a hidden learner stay hidden
    board = leaderboard(scope=scope_of(scope_name, course), period=period, viewer=players["eve"])
    assert names(board) == ["Ada", ANONYMOUS_NAME, "Dee", "Eve"]
    assert [row.rank for row in board.rows] == [1, 2, 2, 4]  # bob takes no rank
    own = leaderboard(scope=scope_of(scope_name, course), period=period, viewer=players["bob"])
    assert own.viewer_hidden and own.viewer.rank == 2  # where bob would be, shown to bob alone
    services.set_leaderboard_visibility(user=players["bob"], visibility=Visibility.PUBLIC)
    assert "Bob" in names(leaderboard(scope=scope_of(scope_name, course), period=period))


def test_periods_count_only_their_own_points(players, course):
    ada, eve = players["ada"], players["eve"]
    give(eve, 100, course=course, when=NOW - timedelta(days=3))  # Sunday: last week, this month
    give(eve, 1000, course=course, when=datetime(2026, 10, 31, 23, tzinfo=UTC))  # last month
    week = leaderboard(scope=PointTotal.GLOBAL, period=Period.WEEK, viewer=eve)
    month = leaderboard(scope=PointTotal.GLOBAL, period=Period.MONTH, viewer=eve)
    all_time = leaderboard(scope=PointTotal.GLOBAL, period=Period.ALL_TIME, viewer=eve)
    assert (week.viewer.points, month.viewer.points, all_time.viewer.points) == (10, 110, 1110)
    assert week.rows[0].name == "Ada" and all_time.rows[0].name == "Eve"
    assert leaderboard(scope=PointTotal.GLOBAL, period=Period.WEEK, viewer=ada).viewer.rank == 1


def test_a_course_board_counts_only_that_courses_points(players, course, catalogue, trainer):
    other = make_course(catalogue, title="Other", trainer=trainer, modules=1, lessons_per_module=1)
    give(players["eve"], 500, course=other)
    give(players["eve"], 7)  # a streak or manual award: global only
    assert leaderboard(scope=course.pk, period=Period.WEEK, viewer=players["eve"]).viewer.points == 10
    assert leaderboard(scope=other.pk, period=Period.WEEK).rows[0].points == 500
    assert leaderboard(scope=PointTotal.GLOBAL, period=Period.WEEK).rows[0].points == 517


def test_the_viewers_rank_shows_outside_the_top_ten(course):
    learners = [UserFactory() for _ in range(15)]
    for points, learner in enumerate(learners, start=1):
        give(learner, points * 10, course=course)
    board = leaderboard(scope=PointTotal.GLOBAL, period=Period.WEEK, viewer=learners[0])
    assert len(board.rows) == 10 and not any(row.is_viewer for row in board.rows)
    assert board.viewer.rank == 15 and board.viewer.points == 10


def test_reading_a_board_costs_the_same_with_more_learners(course, django_assert_max_num_queries, client):
    def fill(count):
        for _ in range(count):
            give(UserFactory(), 10 + PointTotal.objects.count(), course=course)

    viewer = UserFactory()
    give(viewer, 1, course=course)
    client.force_login(viewer)
    url = reverse("gamification:leaderboard") + "?period=week"
    fill(11)  # the viewer is outside the top ten from the start: their rank is one more query
    client.get(url)  # warm-up: session, site root
    with django_assert_max_num_queries(12) as few:
        assert client.get(url).status_code == 200
    fill(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["board"].rows) == 10
