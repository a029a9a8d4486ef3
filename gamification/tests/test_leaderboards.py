"""Leaderboards: per course and global, by week, month and all time; opt-outs respected on every one."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.tests.factories import UserFactory
from courses.tests.factories import make_course
from gamification import services
from gamification.models import Period, PointTotal, Rule, Visibility
from gamification.periods import ALL_TIME_START
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


# A learner who opted out stays out: on boards where they had no points yet, in the ranks, after a rebuild


def on_any_board(user, course) -> list[tuple]:
    """The (scope, period) boards that list `user` by name, among every global and course board."""
    found = []
    for scope_name, period in BOARDS:
        board = leaderboard(scope=scope_of(scope_name, course), period=period)
        if user.display_name in names(board):
            found.append((scope_name, period))
    return found


def test_a_hidden_learners_first_points_on_a_board_stay_hidden(players, course, catalogue, trainer):
    """The create path: totals rows that did not exist yet (a new week, a new month, a new course) are hidden."""
    ada = players["ada"]
    services.set_leaderboard_visibility(user=ada, visibility=Visibility.HIDDEN)
    other = make_course(catalogue, title="Other", trainer=trainer, modules=1, lessons_per_module=1)
    give(ada, 500, course=other)  # her first points on that course's boards
    give(ada, 7, when=NOW + timedelta(days=7))  # and on next week's board
    give(ada, 9, when=datetime(2026, 12, 1, 12, tzinfo=UTC))  # and on next month's

    created = {  # rows that only these awards made
        (other.pk, Period.WEEK, date(2026, 11, 23)),
        (other.pk, Period.MONTH, date(2026, 11, 1)),
        (other.pk, Period.ALL_TIME, ALL_TIME_START),
        (PointTotal.GLOBAL, Period.WEEK, date(2026, 11, 30)),
        (PointTotal.GLOBAL, Period.MONTH, date(2026, 12, 1)),
    }
    rows = {(t.scope, t.period, t.period_start): t.hidden for t in PointTotal.objects.filter(user=ada)}
    assert created <= set(rows) and all(rows.values())  # every row of hers is hidden
    assert on_any_board(ada, course) == [] and on_any_board(ada, other) == []
    with time_machine.travel(datetime(2026, 12, 1, 13, tzinfo=UTC), tick=False):
        for period in Period.values:
            assert "Ada" not in names(leaderboard(scope=PointTotal.GLOBAL, period=period))


def test_a_learner_hidden_before_any_points_never_appears(course):
    quiet = UserFactory(first_name="Quiet", last_name="")
    services.set_leaderboard_visibility(user=quiet, visibility=Visibility.HIDDEN)
    give(quiet, 40, course=course)
    assert PointTotal.objects.filter(user=quiet).count() == 6  # global and course × week, month, all time
    assert not PointTotal.objects.filter(user=quiet, hidden=False).exists()
    assert on_any_board(quiet, course) == []
    own = leaderboard(scope=course.pk, period=Period.WEEK, viewer=quiet)
    assert own.viewer_hidden and own.viewer.points == 40


@pytest.mark.parametrize(("scope_name", "period"), BOARDS)
def test_hidden_learners_do_not_count_above_the_viewers_rank(course, scope_name, period):
    """The viewer's own line, outside the top rows, counts only the learners who are on the board."""
    learners = [UserFactory() for _ in range(18)]
    for points, learner in enumerate(learners, start=1):
        give(learner, points * 10, course=course)
    viewer = learners[0]  # 10 points, last of 18
    for hidden in learners[1:5]:  # four learners just above the viewer leave the boards
        services.set_leaderboard_visibility(user=hidden, visibility=Visibility.HIDDEN)
    board = leaderboard(scope=scope_of(scope_name, course), period=period, viewer=viewer)
    assert len(board.rows) == 10 and not any(row.is_viewer for row in board.rows)
    assert board.viewer.rank == 14  # 17 learners above, 4 of them hidden
    assert [row.rank for row in board.rows] == list(range(1, 11))


@pytest.mark.parametrize("chunk_size", [1, 500])
def test_rebuilding_the_totals_keeps_hidden_learners_hidden(players, course, chunk_size):
    bob = players["bob"]
    services.set_leaderboard_visibility(user=bob, visibility=Visibility.HIDDEN)
    services.set_leaderboard_visibility(user=players["cy"], visibility=Visibility.ANONYMOUS)
    PointTotal.objects.all().delete()  # lost: the rebuild writes every row anew

    services.rebuild_point_totals(chunk_size=chunk_size)

    assert set(PointTotal.objects.filter(hidden=True).values_list("user", flat=True)) == {bob.pk}
    assert PointTotal.objects.filter(user=bob).count() == 6
    assert on_any_board(bob, course) == []
    board = leaderboard(scope=course.pk, period=Period.WEEK, viewer=players["eve"])
    assert names(board) == ["Ada", ANONYMOUS_NAME, "Dee", "Eve"] and board.viewer.rank == 4
