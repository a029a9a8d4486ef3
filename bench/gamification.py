"""Gamification benchmark: leaderboard reads and point awards at 100,000 learners and 2,000,000 ledger rows.

    .venv/bin/python bench/gamification.py [--learners 100000] [--entries 2000000]

1. Seeds (timed, but not a result): --learners learners, 20 live courses, --entries PointEntry rows over
   the last two years with a Pareto skew (a few learners very active, most with a handful of rows; 10 %
   of rows in a course), and the PointTotal rows the ledger implies, computed per learner as the rows are
   written (rebuild_point_totals holds the whole ledger in one dict: --rebuild-totals times it apart).
   3 % of learners chose to be hidden, 5 % anonymous. A sample of learners is then rebuilt by
   services.rebuild_point_totals, which must find the seeded totals right.
2. selectors.leaderboard on four boards (global all-time, week, month; the busiest course all-time),
   each viewed by a learner in its top 10, one half-way down and the last one: median and 95th-percentile
   ms over --reads reads, and SQL queries per read. Then the viewer's rank COUNT alone, for the last
   learner on the global all-time board (the query that grows with learners), and the query plans of
   the top-10, own-row and rank queries (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on MariaDB).
3. services.award: --awards new (learner, rule, source) awards one after another, each in its own
   transaction as the task runs it, then the same awards replayed, which must write nothing.

Runs with bench.settings against a throwaway SQLite file under var/, or against DATABASE_URL when it
names a MariaDB/MySQL database whose name contains "bench": that database is dropped and created afresh
at the start and dropped at the end (--keep keeps the SQLite file or the database).
"""

import os
import random
import re
import shutil
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    StatementCounter,
    argument_parser,
    close_connections,
    database_label,
    explain,
    insert_rows,
    migrate,
    nearest_rank,
    progress,
    recreate_mysql_database,
    reset_rss_peak,
    rss_mb,
    scratch_dir,
    timed,
    use_bench_database,
)

SEED = 20261125
COURSES = 20
HISTORY_DAYS = 730
# Pareto's 80/20 shape: the most active fifth of the learners earns most of the points.
PARETO_ALPHA = 1.16
MOST_ROWS_PER_LEARNER = 3000  # about four awards a day for two years
COURSE_SHARE = 0.10
HIDDEN_SHARE, ANONYMOUS_SHARE = 0.03, 0.05
# (rule, source prefix, weight): mostly lessons and streak days, as a learning site earns them.
RULE_MIX = [
    ("lesson_completed", "lesson", 60),
    ("daily_streak", "day", 20),
    ("assessment_passed", "assessment", 8),
    ("session_attended", "session", 6),
    ("perfect_score", "assessment", 3),
    ("course_completed", "course", 3),
]
USERNAME = "bench-gamer-{}"
ENTRY_BATCH = 5000
LEARNERS_PER_CHUNK = 10_000


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


# Seeding


@dataclass
class Seeded:
    now: datetime
    learner_ids: list[int]
    rows_per_learner: dict[int, int]  # learner id -> ledger rows
    course_ids: list[int]
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def rows_per_learner(rng: random.Random, learners: int, entries: int) -> list[int]:
    """How many ledger rows each learner has: Pareto-shaped, at least 1, at most MOST_ROWS_PER_LEARNER,
    `entries` in all."""
    if not learners <= entries <= learners * MOST_ROWS_PER_LEARNER:
        sys.exit(f"--entries must be between --learners and {MOST_ROWS_PER_LEARNER} times --learners.")
    draws = [rng.paretovariate(PARETO_ALPHA) for _ in range(learners)]

    def counts(scale: float) -> list[int]:
        return [min(MOST_ROWS_PER_LEARNER, max(1, int(draw * scale))) for draw in draws]

    low, high = 0.0, float(entries)
    for _ in range(50):
        middle = (low + high) / 2
        low, high = (middle, high) if sum(counts(middle)) < entries else (low, middle)
    result = counts(low)
    # Truncation leaves the total a little short: spread the rest one row at a time.
    missing = entries - sum(result)
    for index in rng.sample(range(learners), learners):
        if missing <= 0:
            break
        if result[index] < MOST_ROWS_PER_LEARNER:
            result[index] += 1
            missing -= 1
    return result


def seed(*, learners: int, entries: int) -> Seeded:
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from bench.seed import learner_row, seed_catalogue
    from courses.models import CoursePage
    from gamification.models import LearnerStats, PointEntry, PointRule, PointTotal, Visibility
    from gamification.periods import period_starts

    rng = random.Random(SEED)
    now = timezone.now().replace(microsecond=0)
    timings: dict[str, float] = {}

    began = time.perf_counter()
    seed_catalogue(courses=COURSES, modules_per_course=1, lessons_per_module=1)
    course_ids = list(CoursePage.objects.order_by("path").values_list("pk", flat=True))
    timings["courses"] = time.perf_counter() - began
    progress(f"{len(course_ids)} courses")

    began = time.perf_counter()
    with transaction.atomic():
        User.objects.bulk_create(
            (
                learner_row(USERNAME.format(n), date_joined=now - timedelta(days=HISTORY_DAYS), last_name=str(n))
                for n in range(1, learners + 1)
            ),
            batch_size=ENTRY_BATCH,
        )
    # Reread the ids: not every database returns them from bulk_create.
    learner_ids = list(
        User.objects.filter(username__startswith=USERNAME.format("")).order_by("pk").values_list("pk", flat=True)
    )
    hidden, anonymous = set(), set()
    for user_id in learner_ids:
        draw = rng.random()
        if draw < HIDDEN_SHARE:
            hidden.add(user_id)
        elif draw < HIDDEN_SHARE + ANONYMOUS_SHARE:
            anonymous.add(user_id)
    choices = {**dict.fromkeys(hidden, Visibility.HIDDEN), **dict.fromkeys(anonymous, Visibility.ANONYMOUS)}
    # Every learner who has earned points has a stats row (awards and streaks create it).
    with transaction.atomic():
        LearnerStats.objects.bulk_create(
            (LearnerStats(user_id=u, visibility=choices.get(u, Visibility.PUBLIC)) for u in learner_ids),
            batch_size=ENTRY_BATCH,
        )
    timings["learners"] = time.perf_counter() - began
    progress(f"{len(learner_ids)} learners ({len(hidden)} hidden, {len(anonymous)} anonymous)")

    counts = dict(zip(learner_ids, rows_per_learner(rng, len(learner_ids), entries), strict=True))
    points = dict(PointRule.objects.values_list("rule", "points"))
    rules, weights = [(rule, prefix) for rule, prefix, _ in RULE_MIX], [weight for *_, weight in RULE_MIX]
    # A few courses are far more popular than the rest.
    course_weights = [1 / (rank + 1) for rank in range(len(course_ids))]
    history = timedelta(days=HISTORY_DAYS).total_seconds()
    local = timezone.get_current_timezone()
    # period_starts() only depends on the local day, and most rows share their day with thousands of others.
    starts_by_day: dict = {}
    adapt_moment, adapt_day = connection.ops.adapt_datetimefield_value, connection.ops.adapt_datefield_value

    began = time.perf_counter()
    written_entries = written_totals = 0
    for start in range(0, len(learner_ids), LEARNERS_PER_CHUNK):
        ledger, totals = [], []
        for user_id in learner_ids[start : start + LEARNERS_PER_CHUNK]:
            # Each learner joined some time in the last two years and has been active since.
            active_seconds = rng.uniform(0.02, 1.0) * history
            sums: dict[tuple, int] = defaultdict(int)
            for number in range(counts[user_id]):
                rule, prefix = rng.choices(rules, weights)[0]
                course_id = rng.choices(course_ids, course_weights)[0] if rng.random() < COURSE_SHARE else None
                occurred_at = now - timedelta(seconds=int(rng.random() * active_seconds))
                moment = adapt_moment(occurred_at)
                ledger.append((user_id, rule, f"{prefix}:{number + 1}", 1, points[rule], course_id, moment, moment, ""))
                day = occurred_at.astimezone(local).date()
                if day not in starts_by_day:
                    starts_by_day[day] = [(p, adapt_day(d)) for p, d in period_starts(occurred_at).items()]
                # The same keys services._add_to_totals updates for this row.
                for period, period_start in starts_by_day[day]:
                    sums[(PointTotal.GLOBAL, period, period_start)] += points[rule]
                    if course_id:
                        sums[(course_id, period, period_start)] += points[rule]
            is_hidden = user_id in hidden
            totals.extend((user_id, *key, value, is_hidden) for key, value in sums.items())
        # One transaction per chunk: far fewer commits, and a bounded undo log on MariaDB.
        with transaction.atomic():
            insert_rows(
                PointEntry,
                ["user", "rule", "source", "generation", "points", "course", "occurred_at", "created_at", "reason"],
                ledger,
            )
            insert_rows(PointTotal, ["user", "scope", "period", "period_start", "points", "hidden"], totals)
        written_entries += len(ledger)
        written_totals += len(totals)
        elapsed = time.perf_counter() - began
        progress(
            f"ledger: {written_entries:,} rows, totals: {written_totals:,} rows "
            f"({written_entries / elapsed:,.0f} ledger rows/s)"
        )
    timings["ledger and totals"] = time.perf_counter() - began
    return Seeded(
        now=now,
        learner_ids=learner_ids,
        rows_per_learner=counts,
        course_ids=course_ids,
        timings=timings,
        counts={"ledger rows": written_entries, "total rows": written_totals},
    )


def totals_of(user_ids) -> set[tuple]:
    from gamification.models import PointTotal

    return set(
        PointTotal.objects.filter(user_id__in=user_ids).values_list(
            "user_id", "scope", "period", "period_start", "points", "hidden"
        )
    )


def check_sample(seeded: Seeded, rng: random.Random) -> str:
    """services.rebuild_point_totals on a sample (the most active learners among them) must rewrite
    exactly the seeded totals: the bench computed them as the services do."""
    from gamification import services

    busiest = sorted(seeded.rows_per_learner, key=seeded.rows_per_learner.get, reverse=True)[:20]
    sample = busiest + rng.sample(seeded.learner_ids, 180)
    before = totals_of(sample)
    services.rebuild_point_totals(user_ids=sample)
    after = totals_of(sample)
    if before != after:
        sys.exit(
            f"Seeded totals differ from rebuild_point_totals for the sample: {len(before - after)} seeded rows "
            f"not rebuilt, {len(after - before)} rebuilt rows not seeded."
        )
    return f"rebuild_point_totals on {len(sample)} learners wrote back the same {len(after):,} seeded total rows"


def checksum_of_totals() -> list[tuple]:
    from django.db.models import Count, F, Sum

    from gamification.models import PointTotal

    return list(
        PointTotal.objects.values("period")
        .annotate(rows=Count("pk"), total=Sum("points"), weighted=Sum(F("points") * (F("user_id") % 997)))
        .order_by("period")
        .values_list("period", "rows", "total", "weighted")
    )


def full_rebuild() -> str:
    """services.rebuild_point_totals() for everybody, with its time and memory; it must rewrite the
    seeded totals (same rows, points and learner-weighted points per period)."""
    from gamification import services

    before = checksum_of_totals()
    rss_before = rss_mb("VmRSS")
    reset_rss_peak()
    began = time.perf_counter()
    written = services.rebuild_point_totals()
    elapsed = time.perf_counter() - began
    peak = rss_mb("VmHWM")
    if checksum_of_totals() != before:
        sys.exit("rebuild_point_totals() wrote totals that differ from the seeded ones.")
    return (
        f"rebuild_point_totals() for everybody: {elapsed:.1f} s, {written:,} rows written, "
        f"RSS {rss_before:.0f} MB -> peak {peak:.0f} MB (+{peak - rss_before:.0f} MB)"
    )


# Leaderboard reads


@dataclass
class ReadResult:
    board: str
    board_size: int
    viewer: str
    rank: int | None
    queries: int
    median: float
    p95: float


def board_of(scope: int, period: str, now: datetime):
    from gamification.models import PointTotal
    from gamification.periods import period_start

    return PointTotal.objects.filter(
        scope=scope, period=period, period_start=period_start(period, now), points__gt=0, hidden=False
    )


def measure_reads(seeded: Seeded, reads: int) -> tuple[list[ReadResult], dict]:
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from gamification import selectors
    from gamification.models import PointTotal

    busiest_course = (
        PointTotal.objects.filter(period="all")
        .exclude(scope=PointTotal.GLOBAL)
        .values("scope")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("scope", flat=True)[0]
    )
    boards = [
        ("global all-time", PointTotal.GLOBAL, "all"),
        ("global week", PointTotal.GLOBAL, "week"),
        ("global month", PointTotal.GLOBAL, "month"),
        ("course all-time", busiest_course, "all"),
    ]
    results, worst = [], {}
    for label, scope, period in boards:
        ranked = board_of(scope, period, seeded.now).order_by("-points", "user_id")
        size = ranked.count()
        if not size:
            progress(f"{label}: nobody has points, skipped")
            continue
        for viewer_label, position in (("top 10", min(4, size - 1)), ("middle", size // 2), ("last", size - 1)):
            viewer = User.objects.get(pk=ranked.values_list("user_id", flat=True)[position])

            def read(viewer=viewer, scope=scope, period=period):
                return selectors.leaderboard(scope=scope, period=period, viewer=viewer, now=seeded.now)

            read()  # warm the caches: the first read of a board pulls its index pages in
            with CaptureQueriesContext(connection) as captured:
                board = read()
            times = timed(read, reads)
            results.append(
                ReadResult(
                    board=label,
                    board_size=size,
                    viewer=f"{viewer_label} (#{position + 1} of {size:,})",
                    rank=board.viewer.rank if board.viewer else None,
                    queries=len(captured.captured_queries),
                    median=statistics.median(times),
                    p95=nearest_rank(times, 95),
                )
            )
            if (scope, period, viewer_label) == (PointTotal.GLOBAL, "all", "last"):
                worst = {"viewer": viewer, "queries": [query["sql"] for query in captured.captured_queries]}
        progress(f"read {label} ({size:,} learners on the board)")

    own = PointTotal.objects.get(user=worst["viewer"], scope=PointTotal.GLOBAL, period="all")
    rank_query = board_of(PointTotal.GLOBAL, "all", seeded.now).filter(points__gt=own.points)
    above = rank_query.count()
    times = timed(rank_query.count, reads)
    worst["count"] = {"above": above, "median": statistics.median(times), "p95": nearest_rank(times, 95)}
    return results, worst


# Awards


def measure_awards(seeded: Seeded, count: int, rng: random.Random) -> dict:
    from django.db import connection
    from django.db.models import Sum

    from accounts.models import User
    from gamification import services
    from gamification.models import PointEntry, PointTotal, Rule

    # Awards go to learners in proportion to how active they have been; each one in a course.
    activity = [seeded.rows_per_learner[user_id] for user_id in seeded.learner_ids]
    user_ids = rng.choices(seeded.learner_ids, weights=activity, k=count)
    users = User.objects.in_bulk(set(user_ids))
    keys = [
        (users[user_id], f"bench-lesson:{number}", rng.choice(seeded.course_ids))
        for number, user_id in enumerate(user_ids)
    ]

    def award(key):
        user, source, course_id = key
        return services.award(
            user=user, rule=Rule.LESSON_COMPLETED, source=source, course_id=course_id, occurred_at=seeded.now
        )

    def run() -> tuple[dict, int]:
        """Every award once: its timing and statements per award, and how many wrote a ledger row."""
        times, written, counter = [], 0, StatementCounter()
        # Counted by a wrapper rather than CaptureQueriesContext, which keeps only the last 9,000.
        with connection.execute_wrapper(counter):
            for key in keys:
                began = time.perf_counter()
                written += award(key) is not None
                times.append(time.perf_counter() - began)
        summary = {
            "awards/s": count / sum(times),
            "median": statistics.median(times),
            "p95": nearest_rank(times, 95),
            "queries": counter.queries / count,
            "control": counter.control / count,
        }
        return summary, written

    entries_before, totals_before = PointEntry.objects.count(), PointTotal.objects.count()
    new, written = run()
    if written != count:
        sys.exit(f"Only {written} of {count} new awards were written.")
    entries_after = PointEntry.objects.count()
    points_after = PointTotal.objects.aggregate(points=Sum("points"))["points"]
    new |= {"ledger rows": entries_after - entries_before, "new total rows": PointTotal.objects.count() - totals_before}
    progress(f"{count} new awards")

    duplicate, written = run()
    if written or PointEntry.objects.count() != entries_after:
        sys.exit(f"Replayed awards wrote {PointEntry.objects.count() - entries_after} ledger rows.")
    if PointTotal.objects.aggregate(points=Sum("points"))["points"] != points_after:
        sys.exit("Replayed awards changed the leaderboard totals.")
    duplicate |= {"ledger rows": 0, "new total rows": 0}
    progress(f"{count} replayed awards")
    return {"new": new, "duplicate": duplicate}


# Report


def report(seeded: Seeded, checks: list[str], reads: list[ReadResult], worst: dict, awards: dict, reps: int) -> None:
    from django.db.models import Count

    from gamification.models import PointTotal

    database = database_label()
    counts = sorted(seeded.rows_per_learner.values())
    top_tenth = sum(counts[-len(counts) // 10 :]) / sum(counts)
    print(f"\n=== Gamification on {database} ===")
    print(
        f"Seeded {len(seeded.learner_ids):,} learners, {seeded.counts['ledger rows']:,} ledger rows, "
        f"{seeded.counts['total rows']:,} total rows, {len(seeded.course_ids)} courses; "
        f"now = {seeded.now:%a %Y-%m-%d %H:%M} UTC"
    )
    print(
        f"Ledger rows per learner: median {statistics.median(counts):.0f}, p90 {nearest_rank(counts, 90)}, "
        f"p99 {nearest_rank(counts, 99)}, max {counts[-1]}; the most active 10 % hold {top_tenth:.0%} of the rows"
    )
    per_period = dict(
        PointTotal.objects.filter(scope=PointTotal.GLOBAL)
        .values("period")
        .annotate(rows=Count("pk"))
        .values_list("period", "rows")
    )
    print(f"Global total rows per period: {per_period}")
    steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in seeded.timings.items())
    print(f"Seeding took {sum(seeded.timings.values()):.0f} s: {steps}")
    for check in checks:
        print(check)

    print(f"\nLeaderboard reads (selectors.leaderboard, {reps} reads each; rank as the viewer sees it)")
    header = f"{'board':<16} {'viewer':<30} {'rank':>7} {'queries':>7} {'median ms':>9} {'p95 ms':>7}"
    print(header)
    print("-" * len(header))
    for row in reads:
        print(
            f"{row.board:<16} {row.viewer:<30} {row.rank or '-':>7} {row.queries:>7} "
            f"{ms(row.median):>9} {ms(row.p95):>7}"
        )
    count = worst["count"]
    print(
        f"\nRank COUNT alone, last learner on global all-time ({count['above']:,} learners above): "
        f"median {ms(count['median'])} ms, p95 {ms(count['p95'])} ms over {reps} runs"
    )

    print("\nAwards (services.award, lesson_completed in a course, each in its own transaction)")
    header = (
        f"{'awards':<10} {'awards/s':>9} {'median ms':>9} {'p95 ms':>7} {'queries':>7} {'tx stmts':>8} "
        f"{'ledger +':>8} {'totals +':>8}"
    )
    print(header)
    print("-" * len(header))
    for label, row in awards.items():
        print(
            f"{label:<10} {row['awards/s']:>9.0f} {ms(row['median']):>9} {ms(row['p95']):>7} "
            f"{row['queries']:>7.1f} {row['control']:>8.1f} {row['ledger rows']:>8} {row['new total rows']:>8}"
        )

    names = ["top 10", "viewer's own row", "rank COUNT"]
    print(
        "\nQuery plans of the last learner's read on global all-time. Rows come in the index's order, and the "
        "top 10 stop after 10, unless the plan says USE TEMP B-TREE FOR ORDER BY (SQLite) or Using filesort (MariaDB)."
    )
    for name, sql in zip(names, worst["queries"], strict=False):
        # The top-10 query selects some thirty columns of three tables; the plan is what matters.
        shown = re.sub(r"^SELECT .+? FROM ", "SELECT ... FROM ", sql) if len(sql) > 600 else sql
        plan = "\n".join(f"  {line}" for line in explain(sql).splitlines())
        print(f"\n{name}: {shown}\n{plan}")


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=2_000_000, help="ledger rows")
    parser.add_argument("--reads", type=int, default=50, help="reads per board and viewer")
    parser.add_argument("--awards", type=int, default=2000, help="new awards, then the same replayed")
    parser.add_argument(
        "--rebuild-totals", action="store_true", help="also time services.rebuild_point_totals() for everybody"
    )
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file or the MariaDB database")
    args = parser.parse_args()

    scratch = scratch_dir("bench-gamification-")
    mysql = use_bench_database(settings_module="bench.settings", sqlite_dir=scratch, writes="learners and points")
    if mysql:
        recreate_mysql_database(os.environ["DATABASE_URL"])
    try:
        import django

        django.setup()
        migrated = migrate()
        seeded = seed(learners=args.learners, entries=args.entries)
        seeded.timings = {"migrate": migrated, **seeded.timings}
        rng = random.Random(SEED + 1)
        checks = [check_sample(seeded, rng)]
        if args.rebuild_totals:
            progress("rebuild_point_totals() for everybody...")
            checks.append(full_rebuild())
        reads, worst = measure_reads(seeded, args.reads)
        awards = measure_awards(seeded, args.awards, rng)
        report(seeded, checks, reads, worst, awards, args.reads)
    finally:
        close_connections()
        if args.keep:
            print(f"\nKept {'the database' if mysql else scratch}", file=sys.stderr)
        elif mysql:
            recreate_mysql_database(os.environ["DATABASE_URL"], drop_only=True)
        elif scratch:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
