"""The read side of gamification: leaderboards, badge progress, streaks and the toasts a learner has not seen."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, FilteredRelation, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from assessments.models import Attempt
from courses.models import CoursePage
from learning.models import STUDYING_STATUSES
from lms_site.replicas import replica_reads

from .models import (
    ActivityDay,
    Badge,
    BadgeAward,
    BadgeRule,
    LearnerStats,
    Period,
    PointEntry,
    PointTotal,
    Rule,
    Visibility,
)
from .periods import ALL_TIME_START, period_start

if TYPE_CHECKING:
    from assessments.models import AssessmentPage
    from courses.models import CoursePage

ANONYMOUS_NAME = _("Anonymous learner")

# `hidden=False` becomes `NOT hidden` on SQLite, which its planner cannot match to the board index: it then
# sorted a 100,000-learner board for every top ten (126 ms). Compared with a value, the index is read in order.
SHOWN = Value(False)


def run_length_ending(*, user: User, day: date) -> int:
    """How many consecutive activity days end on `day` (0 if the learner was not active that day)."""
    days = ActivityDay.objects.filter(user=user, day__lte=day).order_by("-day").values_list("day", flat=True)
    length, expected = 0, day
    for active_day in days.iterator(chunk_size=400):  # most runs end within the first chunk
        if active_day != expected:
            break
        length, expected = length + 1, expected - timedelta(days=1)
    return length


def longest_run(*, user: User) -> int:
    longest = length = 0
    previous: date | None = None
    for day in ActivityDay.objects.filter(user=user).order_by("day").values_list("day", flat=True).iterator():
        length = length + 1 if previous == day - timedelta(days=1) else 1
        longest, previous = max(longest, length), day
    return longest


def current_streak(*, stats: LearnerStats | None, user: User, now: datetime | None = None) -> int:
    """The streak as the learner sees it now: a run that ended before yesterday (their time) is over."""
    if stats is None or stats.last_active_day is None:
        return 0
    today = (now or timezone.now()).astimezone(user.tzinfo).date()
    return stats.current_streak if stats.last_active_day >= today - timedelta(days=1) else 0


@dataclass
class BestAttempts:
    passed_at: datetime | None
    perfect_at: datetime | None


def best_attempts(*, user: User, assessment: "AssessmentPage") -> BestAttempts:
    """When the learner first passed the assessment, and first scored 100%, by their current grades."""
    found = Attempt.objects.filter(user=user, assessment=assessment, passed=True).aggregate(
        passed_at=Min("submitted_at"), perfect_at=Min("submitted_at", filter=Q(percent__gte=100))
    )
    return BestAttempts(**found)


def badge_metrics(*, user: User, by_category: bool = True) -> dict[str, Any]:
    """Every number a badge rule can ask about: one query, plus one for category rules if asked."""
    _, _, metrics = _learner_numbers(user=user)
    courses_by_category: dict[int, int] = {}
    if by_category:
        courses_by_category = dict(
            PointEntry.objects.filter(
                user=user, reversed_by__isnull=True, rule=Rule.COURSE_COMPLETED, course__category__isnull=False
            )
            .values_list("course__category")
            .annotate(n=Count("pk"))
            .values_list("course__category", "n")
        )
    return {**metrics, "courses_by_category": courses_by_category}


@dataclass
class BadgeProgress:
    badge: Badge
    value: int
    award: BadgeAward | None

    @property
    def met(self) -> bool:
        return self.value >= self.badge.threshold

    @property
    def earned(self) -> bool:
        return self.award is not None and self.award.revoked_at is None

    @property
    def percent(self) -> int:
        return min(100, self.value * 100 // self.badge.threshold)


def _learner_numbers(*, user: User) -> tuple[LearnerStats, int, dict[str, Any]]:
    """The learner's stats, all-time points and the counts badge rules ask about, in one query.

    Read from the user's row, which always exists (a new learner has no stats row yet); the ledger is joined and
    counted, the stats row joined, the all-time total read in a subquery.
    """
    kept = Q(point_entries__reversed_by__isnull=True)

    def kept_count(rule: str) -> Count:
        return Count("point_entries", filter=kept & Q(point_entries__rule=rule))

    total = PointTotal.objects.filter(
        user=OuterRef("pk"), scope=PointTotal.GLOBAL, period=Period.ALL_TIME, period_start=ALL_TIME_START
    ).values("points")[:1]
    row = (
        User.objects.filter(pk=user.pk)
        .values(
            "pk",
            stats_pk=F("learner_stats__pk"),
            visibility=F("learner_stats__visibility"),
            current_streak=F("learner_stats__current_streak"),
            longest_streak=F("learner_stats__longest_streak"),
            last_active_day=F("learner_stats__last_active_day"),
        )
        .annotate(
            total=Subquery(total),
            lessons=kept_count(Rule.LESSON_COMPLETED),
            passed=kept_count(Rule.ASSESSMENT_PASSED),
            perfect=kept_count(Rule.PERFECT_SCORE),
            courses=kept_count(Rule.COURSE_COMPLETED),
            sessions=kept_count(Rule.SESSION_ATTENDED),
            ledger_points=Sum("point_entries__points"),
        )
        .get()
    )
    stats = LearnerStats(user=user)  # the defaults, for a learner without a row yet
    if row["stats_pk"] is not None:
        stats = LearnerStats(
            pk=row["stats_pk"],
            user=user,
            visibility=row["visibility"],
            current_streak=row["current_streak"],
            longest_streak=row["longest_streak"],
            last_active_day=row["last_active_day"],
        )
    metrics: dict[str, Any] = {
        BadgeRule.LESSONS_COMPLETED: row["lessons"],
        BadgeRule.ASSESSMENTS_PASSED: row["passed"],
        BadgeRule.PERFECT_ASSESSMENTS: row["perfect"],
        BadgeRule.COURSES_COMPLETED: row["courses"],
        BadgeRule.SESSIONS_ATTENDED: row["sessions"],
        BadgeRule.POINTS: max(row["ledger_points"] or 0, 0),
        BadgeRule.STREAK_DAYS: stats.longest_streak,
    }
    return stats, int(row["total"] or 0), metrics


@dataclass
class _BadgeRow:
    badge: Badge
    award: BadgeAward | None
    category_courses: int


def _badges_with_award(*, user: User) -> list[_BadgeRow]:
    """The active badges, each with the learner's award, if any, and for a category's badge the courses they
    completed in that category: one query."""
    in_category = (
        PointEntry.objects.filter(
            user=user,
            rule=Rule.COURSE_COMPLETED,
            reversed_by__isnull=True,
            course__category=OuterRef("category"),
        )
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    badges = (
        Badge.objects.filter(is_active=True)
        .select_related("image")
        .annotate(mine=FilteredRelation("awards", condition=Q(awards__user=user)))
        .annotate(
            award_pk=F("mine__pk"),
            award_awarded_at=F("mine__awarded_at"),
            award_revoked_at=F("mine__revoked_at"),
            category_courses=Coalesce(Subquery(in_category), 0),
        )
    )
    rows = []
    for badge in badges:
        found = vars(badge)  # the annotations, which the model class does not declare
        award = None
        if found["award_pk"] is not None:
            award = BadgeAward(
                pk=found["award_pk"],
                user=user,
                badge=badge,
                awarded_at=found["award_awarded_at"],
                revoked_at=found["award_revoked_at"],
            )
        rows.append(_BadgeRow(badge=badge, award=award, category_courses=found["category_courses"]))
    return rows


def _progress(*, rows: list[_BadgeRow], metrics: dict[str, Any]) -> list[BadgeProgress]:
    progress = []
    for row in rows:
        badge = row.badge
        if badge.rule == BadgeRule.COURSES_COMPLETED and badge.category_id:
            value = row.category_courses
        else:
            value = metrics[badge.rule]
        progress.append(BadgeProgress(badge=badge, value=min(value, badge.threshold), award=row.award))
    return progress


def badge_progress(*, user: User) -> list[BadgeProgress]:
    """Each active badge with the learner's progress towards it and their award, if any (two queries)."""
    rows = _badges_with_award(user=user)
    if not rows:
        return []
    _, _, metrics = _learner_numbers(user=user)
    return _progress(rows=rows, metrics=metrics)


@dataclass
class LearnerSummary:
    points: int
    current_streak: int
    longest_streak: int
    visibility: str


def _summary(*, user: User, stats: LearnerStats, points: int) -> LearnerSummary:
    return LearnerSummary(
        points=points,
        current_streak=current_streak(stats=stats, user=user),
        longest_streak=stats.longest_streak,
        visibility=stats.visibility,
    )


def learner_summary(*, user: User) -> LearnerSummary:
    stats, points, _ = _learner_numbers(user=user)
    return _summary(user=user, stats=stats, points=points)


@dataclass
class Achievements:
    summary: LearnerSummary
    badges: list[BadgeProgress]


def achievements(*, user: User) -> Achievements:
    """What the dashboard and profile show: points, streaks and badges, in two queries whatever the learner
    has earned (their numbers from the user's row; the badges with their award)."""
    stats, points, metrics = _learner_numbers(user=user)
    return Achievements(
        summary=_summary(user=user, stats=stats, points=points),
        badges=_progress(rows=_badges_with_award(user=user), metrics=metrics),
    )


@dataclass
class LeaderboardRow:
    rank: int
    name: str
    points: int
    is_viewer: bool


@dataclass
class Leaderboard:
    rows: list[LeaderboardRow]
    viewer: LeaderboardRow | None  # the viewer's own line, also when outside the top rows
    viewer_hidden: bool


def _display_name(total: PointTotal) -> str:
    stats = getattr(total.user, "learner_stats", None)
    if stats is not None and stats.visibility == Visibility.ANONYMOUS:
        return str(ANONYMOUS_NAME)
    return total.user.display_name


@replica_reads()  # a board a few seconds behind is fine; after the viewer's own points, the primary
def leaderboard(
    *, scope: int, period: str, viewer: User | AnonymousUser | None = None, limit: int = 10, now: datetime | None = None
) -> Leaderboard:
    """The top learners of one board and the viewer's rank on it, in three queries whatever the numbers.

    Learners who chose to be hidden are left out and do not take a rank; anonymous ones keep theirs.
    Ties share a rank (1, 2, 2, 4).
    """
    board = PointTotal.objects.filter(
        scope=scope, period=period, period_start=period_start(period, now or timezone.now()), points__gt=0
    )
    top = list(board.filter(hidden=SHOWN).select_related("user__learner_stats").order_by("-points", "user_id")[:limit])
    rows: list[LeaderboardRow] = []
    for position, total in enumerate(top):
        rank = rows[-1].rank if rows and rows[-1].points == total.points else position + 1
        is_viewer = viewer is not None and total.user_id == viewer.pk
        rows.append(LeaderboardRow(rank=rank, name=_display_name(total), points=total.points, is_viewer=is_viewer))
    own, hidden = None, False
    if viewer is not None and viewer.is_authenticated:
        own_total = board.filter(user=viewer).first()
        if own_total is not None:
            hidden = own_total.hidden
            in_top = next((row for row in rows if row.is_viewer), None)
            if in_top is not None:
                own = in_top
            else:
                above = board.filter(hidden=SHOWN, points__gt=own_total.points).count()
                own = LeaderboardRow(rank=above + 1, name=viewer.display_name, points=own_total.points, is_viewer=True)
    return Leaderboard(rows=rows, viewer=own, viewer_hidden=hidden)


@dataclass
class Toast:
    text: str
    points: int | None = None
    badge: Badge | None = None


@dataclass
class UnseenAwards:
    toasts: list[Toast]  # the newest few, one toast each
    more_points: int  # what the rest add up to, shown as one summary toast
    more_count: int
    last_entry_id: int  # the marks to move on to once shown
    last_badge_award_id: int


def unseen_awards(*, user: User, shown: int = 3, limit: int = 200) -> UnseenAwards:
    """Points and badges the learner has not been shown yet. A burst (a whole course done while away, a
    backlog) becomes a few toasts and one summary rather than a screen full of them."""
    stats = LearnerStats.objects.filter(user=user).first()
    seen_entry = stats.last_seen_entry_id if stats else 0
    seen_badge = stats.last_seen_badge_award_id if stats else 0
    entries = list(PointEntry.objects.filter(user=user, pk__gt=seen_entry).exclude(points=0).order_by("-pk")[:limit])
    badges = list(
        BadgeAward.objects.filter(user=user, pk__gt=seen_badge, revoked_at__isnull=True)
        .select_related("badge__image")
        .order_by("-pk")[:limit]
    )
    toasts = [Toast(text=award.badge.name, badge=award.badge) for award in badges]
    toasts += [Toast(text=entry.description, points=entry.points) for entry in entries]
    rest = toasts[shown:]
    return UnseenAwards(
        toasts=toasts[:shown],
        more_points=sum(toast.points or 0 for toast in rest),
        more_count=len(rest),
        last_entry_id=entries[0].pk if entries else seen_entry,
        last_badge_award_id=badges[0].pk if badges else seen_badge,
    )


def leaderboard_courses(*, user: User) -> "list[CoursePage]":
    """The course boards a user can open: courses they study, and those they teach."""
    studying = Q(enrollments__user=user, enrollments__status__in=STUDYING_STATUSES)
    courses = CoursePage.objects.originals().filter(studying | Q(trainer=user))
    return list(courses.distinct().order_by("title").only("id", "title"))


BADGE_RULE_LEDGER: dict[str, Rule] = {
    BadgeRule.LESSONS_COMPLETED: Rule.LESSON_COMPLETED,
    BadgeRule.ASSESSMENTS_PASSED: Rule.ASSESSMENT_PASSED,
    BadgeRule.PERFECT_ASSESSMENTS: Rule.PERFECT_SCORE,
    BadgeRule.COURSES_COMPLETED: Rule.COURSE_COMPLETED,
    BadgeRule.SESSIONS_ATTENDED: Rule.SESSION_ATTENDED,
}


def users_meeting(*, badge: Badge) -> list[int]:
    """Every learner who meets the badge's rule now, by the same numbers badge_metrics reads per learner."""
    found: QuerySet[Any, Any]
    if badge.rule == BadgeRule.STREAK_DAYS:
        found = LearnerStats.objects.filter(longest_streak__gte=badge.threshold)
    elif badge.rule == BadgeRule.POINTS:
        found = PointTotal.objects.filter(
            scope=PointTotal.GLOBAL,
            period=Period.ALL_TIME,
            period_start=ALL_TIME_START,
            points__gte=badge.threshold,
        )
    else:
        entries = PointEntry.objects.filter(rule=BADGE_RULE_LEDGER[badge.rule], reversed_by__isnull=True)
        if badge.rule == BadgeRule.COURSES_COMPLETED and badge.category_id:
            entries = entries.filter(course__category=badge.category_id)
        found = entries.values("user_id").annotate(n=Count("pk")).filter(n__gte=badge.threshold)
    return list(found.values_list("user_id", flat=True))
