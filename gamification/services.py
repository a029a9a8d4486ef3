"""The write side of gamification: awarding and taking back points, streaks, badges and learner choices.

Every automatic award goes through `award`, whose unique (user, rule, source, generation) key makes
replays and duplicate deliveries award nothing; points only ever leave through compensating rows.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import User

from . import selectors
from .models import (
    COURSE_RULES,
    ActivityDay,
    Badge,
    BadgeAward,
    LearnerStats,
    PointEntry,
    PointRule,
    PointTotal,
    Rule,
    Visibility,
)
from .periods import period_starts

if TYPE_CHECKING:
    from assessments.models import Attempt
    from learning.models import Enrollment, LessonProgress
    from scheduling.models import Attendance

# A single manual award larger than this is far more likely a typo than a decision.
MANUAL_POINTS_LIMIT = 100_000


class GamificationError(Exception):
    """A gamification rule was broken; the message is for the person, status_code for the response."""

    status_code = 400


def learner_stats(*, user: User | int, lock: bool = False) -> LearnerStats:
    """The learner's stats row; with lock=True it also serialises every write about this learner.

    Every write path takes this lock first, so two workers awarding one learner at once queue up instead
    of deadlocking on the rows they both create (the first award of a week inserts its totals).
    """
    stats, _ = LearnerStats.objects.get_or_create(user_id=getattr(user, "pk", user))
    if lock:
        # Create first, lock second: a locking read of a row that does not exist yet takes a gap lock on
        # MariaDB, and two first awards for one learner then deadlock on the insert.
        stats = LearnerStats.objects.select_for_update().get(pk=stats.pk)
    return stats


def rule_points(rule: str) -> int:
    point_rule = PointRule.objects.filter(rule=rule, is_active=True).first()
    return point_rule.points if point_rule else 0


@transaction.atomic
def award(
    *, user: User, rule: str, source: str, occurred_at: datetime, course_id: int | None = None
) -> PointEntry | None:
    """Awards `rule`'s current points for `source` unless the learner already holds that award.

    Returns the new ledger row, or None when there was nothing to award. Inactive rules still write a
    row worth 0 points: badges count what learners did, whatever it was worth at the time.
    """
    learner_stats(user=user, lock=True)
    previous = list(
        PointEntry.objects.filter(user=user, rule=rule, source=source).values_list("reversed_by", flat=True)
    )
    if any(reversal is None for reversal in previous):
        return None
    try:
        with transaction.atomic():
            entry = PointEntry.objects.create(
                user=user,
                rule=rule,
                source=source,
                generation=len(previous) + 1,
                points=rule_points(rule),
                course_id=course_id,
                occurred_at=occurred_at,
            )
    except IntegrityError:
        return None  # a concurrent delivery of the same event got there first
    _add_to_totals(entry)
    return entry


@transaction.atomic
def reverse(*, entry: PointEntry, reason: str) -> PointEntry | None:
    """Takes an award back with a compensating row; None if it was already taken back."""
    learner_stats(user=entry.user_id, lock=True)
    try:
        with transaction.atomic():
            reversal = PointEntry.objects.create(
                user_id=entry.user_id,
                rule=Rule.REVERSAL,
                points=-entry.points,
                course_id=entry.course_id,
                occurred_at=entry.occurred_at,
                reverses=entry,
                reason=reason[:255],
            )
    except IntegrityError:
        return None
    _add_to_totals(reversal)
    return reversal


@transaction.atomic
def reverse_course_awards(*, user: User, course_id: int, reason: str) -> list[PointEntry]:
    """A refunded enrollment loses what it earned; badges that depended on it are revoked."""
    entries = PointEntry.objects.filter(
        user=user, course_id=course_id, rule__in=COURSE_RULES, reversed_by__isnull=True
    ).order_by("pk")
    reversals = [r for entry in entries if (r := reverse(entry=entry, reason=reason)) is not None]
    evaluate_badges(user=user, revoke=True)
    return reversals


@transaction.atomic
def adjust_points(*, user: User, points: int, reason: str, by: User | None, course_id: int | None = None) -> PointEntry:
    """An admin's hand-made award (positive) or deduction (negative), kept in the ledger with its reason."""
    reason = (reason or "").strip()
    if not points:
        raise GamificationError(_("Enter a number of points other than 0: positive awards, negative deducts."))
    if abs(points) > MANUAL_POINTS_LIMIT:
        raise GamificationError(
            _("At most %(limit)s points can be awarded or deducted at once.")
            % {"limit": formats.number_format(MANUAL_POINTS_LIMIT, force_grouping=True)}
        )
    if not reason:
        raise GamificationError(_("Give a reason: the learner sees it and it stays in the ledger."))
    learner_stats(user=user, lock=True)
    entry = PointEntry.objects.create(
        user=user,
        rule=Rule.MANUAL,
        points=points,
        course_id=course_id,
        occurred_at=timezone.now(),
        reason=reason[:255],
        created_by=by,
    )
    _add_to_totals(entry)
    evaluate_badges(user=user, revoke=points < 0)
    return entry


@transaction.atomic
def award_badge_to_qualifying(*, badge: Badge) -> int:
    """Gives a new, lowered or reactivated badge to every learner who already meets its rule; returns how many.

    One aggregate finds them, so this stays a single pass over the ledger however many learners there are.
    """
    if not badge.is_active:
        return 0
    user_ids = selectors.users_meeting(badge=badge)
    holders = set(BadgeAward.objects.filter(badge=badge, revoked_at__isnull=True).values_list("user_id", flat=True))
    missing = [user_id for user_id in user_ids if user_id not in holders]
    now = timezone.now()
    BadgeAward.objects.filter(badge=badge, user_id__in=missing).update(revoked_at=None, awarded_at=now)
    BadgeAward.objects.bulk_create(
        [BadgeAward(user_id=user_id, badge=badge, awarded_at=now) for user_id in missing],
        ignore_conflicts=True,
        batch_size=1000,
    )
    return len(missing)


def _add_to_totals(entry: PointEntry) -> None:
    if not entry.points:
        return
    scopes = [PointTotal.GLOBAL] + ([entry.course_id] if entry.course_id else [])
    keys = [(scope, period, start) for scope in scopes for period, start in period_starts(entry.occurred_at).items()]
    match_any = Q()
    for scope, period, start in keys:
        match_any |= Q(scope=scope, period=period, period_start=start)
    totals = PointTotal.objects.filter(match_any, user_id=entry.user_id)
    if totals.update(points=F("points") + entry.points) == len(keys):
        return  # the usual case: one statement
    existing = set(totals.values_list("scope", "period", "period_start"))
    hidden = LearnerStats.objects.filter(user_id=entry.user_id, visibility=Visibility.HIDDEN).exists()
    for scope, period, start in keys:
        if (scope, period, start) in existing:
            continue
        try:
            with transaction.atomic():
                PointTotal.objects.create(
                    user_id=entry.user_id,
                    scope=scope,
                    period=period,
                    period_start=start,
                    points=entry.points,
                    hidden=hidden,
                )
        except IntegrityError:  # created meanwhile by a concurrent award: add to it instead
            PointTotal.objects.filter(user_id=entry.user_id, scope=scope, period=period, period_start=start).update(
                points=F("points") + entry.points
            )


def rebuild_point_totals(*, user_ids: Iterable[int] | None = None, chunk_size: int = 500) -> int:
    """Recomputes the leaderboard totals from the ledger (all learners, or some); returns rows written.

    Works through learners in chunks, each its own transaction holding those learners' locks, so memory
    stays bounded and awards for everybody else carry on while it runs.
    """
    if user_ids is None:
        user_ids = PointEntry.objects.values_list("user_id", flat=True).distinct().order_by("user_id")
        user_ids = sorted(set(user_ids) | set(PointTotal.objects.values_list("user_id", flat=True).distinct()))
    user_ids = list(user_ids)
    written = 0
    for start in range(0, len(user_ids), chunk_size):
        written += _rebuild_totals_of(user_ids[start : start + chunk_size])
    return written


@transaction.atomic
def _rebuild_totals_of(user_ids: list[int]) -> int:
    # Awards take the learner's stats lock first; taking it here means none lands between delete and insert.
    list(LearnerStats.objects.select_for_update().filter(user_id__in=user_ids).values_list("pk", flat=True))
    hidden = set(
        LearnerStats.objects.filter(user_id__in=user_ids, visibility=Visibility.HIDDEN).values_list(
            "user_id", flat=True
        )
    )
    sums: dict[tuple[int, int, str, date], int] = {}
    entries = PointEntry.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "course_id", "occurred_at", "points"
    )
    for user_id, course_id, occurred_at, points in entries.iterator(chunk_size=5000):
        scopes = [PointTotal.GLOBAL] + ([course_id] if course_id else [])
        for period, start in period_starts(occurred_at).items():
            for scope in scopes:
                key = (user_id, scope, period, start)
                sums[key] = sums.get(key, 0) + points
    PointTotal.objects.filter(user_id__in=user_ids).delete()
    rows = [
        PointTotal(user_id=u, scope=s, period=p, period_start=d, points=n, hidden=u in hidden)
        for (u, s, p, d), n in sums.items()
        if n
    ]
    PointTotal.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


@transaction.atomic
def set_leaderboard_visibility(*, user: User, visibility: str) -> LearnerStats:
    if visibility not in Visibility.values:
        raise GamificationError(_("Choose how you appear on leaderboards."))
    stats = learner_stats(user=user, lock=True)
    stats.visibility = visibility
    stats.save(update_fields=["visibility"])
    PointTotal.objects.filter(user=user).update(hidden=visibility == Visibility.HIDDEN)
    return stats


@transaction.atomic
def record_activity(*, user: User, occurred_at: datetime) -> LearnerStats:
    """Counts the learner's local day of `occurred_at` towards their streak; a new day in a run earns points.

    The day is taken in the learner's own time zone at the moment they learned, so learning at 23:50 and
    again at 00:10 of their next day is a two-day streak wherever the server is.
    """
    day = occurred_at.astimezone(user.tzinfo).date()
    stats = learner_stats(user=user, lock=True)
    try:
        with transaction.atomic():
            ActivityDay.objects.create(user=user, day=day)
    except IntegrityError:
        return stats  # that day already counted
    last = stats.last_active_day
    if last is None or day > last:
        stats.current_streak = stats.current_streak + 1 if last == day - timedelta(days=1) else 1
        stats.last_active_day = day
        stats.longest_streak = max(stats.longest_streak, stats.current_streak)
    else:
        # A late event (a retried task) filled a day before the last one, maybe joining two runs: count again.
        stats.current_streak = selectors.run_length_ending(user=user, day=last)
        stats.longest_streak = selectors.longest_run(user=user)
    stats.save(update_fields=["current_streak", "longest_streak", "last_active_day"])
    if day == stats.last_active_day and stats.current_streak >= 2:
        award(user=user, rule=Rule.DAILY_STREAK, source=f"day:{day.isoformat()}", occurred_at=occurred_at)
    return stats


@transaction.atomic
def evaluate_badges(*, user: User, revoke: bool = False) -> list[BadgeAward]:
    """Awards the badges whose rule the learner now meets; with revoke=True (after points were taken back)
    also revokes those they no longer meet. An admin raising a badge's bar takes nothing from its holders."""
    progress = selectors.badge_progress(user=user)
    now = timezone.now()
    newly_awarded = []
    for item in progress:
        award_row = item.award
        if item.met and award_row is None:
            try:
                with transaction.atomic():
                    newly_awarded.append(BadgeAward.objects.create(user=user, badge=item.badge, awarded_at=now))
            except IntegrityError:
                pass  # awarded by a concurrent evaluation
        elif item.met and award_row is not None and award_row.revoked_at is not None:
            BadgeAward.objects.filter(pk=award_row.pk).update(revoked_at=None, awarded_at=now)
        elif revoke and not item.met and award_row is not None and award_row.revoked_at is None:
            BadgeAward.objects.filter(pk=award_row.pk).update(revoked_at=now)
    return newly_awarded


@transaction.atomic
def mark_awards_seen(*, user: User, entry_id: int, badge_award_id: int) -> None:
    """Moves the learner's toast marks forward (never back, so two open tabs cannot replay a toast)."""
    stats = learner_stats(user=user, lock=True)
    stats.last_seen_entry_id = max(stats.last_seen_entry_id, entry_id)
    stats.last_seen_badge_award_id = max(stats.last_seen_badge_award_id, badge_award_id)
    stats.save(update_fields=["last_seen_entry_id", "last_seen_badge_award_id"])


# What the other apps' events earn. Each is safe to run any number of times.


def reward_lesson_completion(*, progress: "LessonProgress") -> PointEntry | None:
    enrollment = progress.enrollment
    if not enrollment.gives_access:
        return None  # refunded before the task ran: nothing to award, nothing to reverse later
    with transaction.atomic():
        entry = award(
            user=enrollment.user,
            rule=Rule.LESSON_COMPLETED,
            source=f"lesson:{progress.lesson_id}",
            course_id=enrollment.course_id,
            occurred_at=progress.completed_at,
        )
        record_activity(user=enrollment.user, occurred_at=progress.completed_at)
        evaluate_badges(user=enrollment.user)
    return entry


def reward_course_completion(*, enrollment: "Enrollment") -> PointEntry | None:
    if enrollment.completed_at is None or not enrollment.gives_access:
        return None
    with transaction.atomic():
        entry = award(
            user=enrollment.user,
            rule=Rule.COURSE_COMPLETED,
            source=f"course:{enrollment.course_id}",
            course_id=enrollment.course_id,
            occurred_at=enrollment.completed_at,
        )
        evaluate_badges(user=enrollment.user)
    return entry


def reward_attempt(*, attempt: "Attempt") -> list[PointEntry]:
    """Passing an assessment and a perfect score each earn once per assessment, whatever the attempt count.

    A grade that changed afterwards (an override failed the only passing attempt) takes the award back.
    """
    user, assessment = attempt.user, attempt.assessment
    course = assessment.course
    best = selectors.best_attempts(user=user, assessment=assessment)
    source = f"assessment:{assessment.pk}"
    written: list[PointEntry] = []
    with transaction.atomic():
        for rule, achieved_at in ((Rule.ASSESSMENT_PASSED, best.passed_at), (Rule.PERFECT_SCORE, best.perfect_at)):
            if achieved_at is not None:
                entry = award(
                    user=user,
                    rule=rule,
                    source=source,
                    course_id=course.pk if course else None,
                    occurred_at=achieved_at,
                )
            else:
                held = PointEntry.objects.filter(user=user, rule=rule, source=source, reversed_by__isnull=True).first()
                entry = held and reverse(entry=held, reason=f"Grade changed on “{assessment.title}”")
            if entry is not None:
                written.append(entry)
        if attempt.submitted_at:
            record_activity(user=user, occurred_at=attempt.submitted_at)
        evaluate_badges(user=user, revoke=any(entry.rule == Rule.REVERSAL for entry in written))
    return written


def reward_session_attendance(*, attendance: "Attendance") -> PointEntry | None:
    """Present or late earns once per session; a correction to absent or excused takes it back."""
    session, user = attendance.session, attendance.user
    source = f"session:{session.pk}"
    with transaction.atomic():
        if attendance.attended:
            occurred_at = attendance.checked_in_at or session.starts_at
            entry = award(
                user=user,
                rule=Rule.SESSION_ATTENDED,
                source=source,
                course_id=session.course_id,
                occurred_at=occurred_at,
            )
            record_activity(user=user, occurred_at=occurred_at)
            evaluate_badges(user=user)
            return entry
        held = PointEntry.objects.filter(
            user=user, rule=Rule.SESSION_ATTENDED, source=source, reversed_by__isnull=True
        ).first()
        entry = held and reverse(entry=held, reason=f"Attendance corrected for “{session.title}”")
        evaluate_badges(user=user, revoke=entry is not None)
        return entry
