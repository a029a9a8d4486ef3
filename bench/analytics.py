"""Analytics benchmark: the KPI report, the dashboard and every export at 200 courses, 100,000 enrollments
and 2,000,000 lesson-progress rows.

    .venv/bin/python bench/analytics.py [--courses 200] [--enrollments 100000] [--progress-rows 2000000]
    DATABASE_URL=mysql://root@127.0.0.1:3306/lms_bench_analytics .venv/bin/python bench/analytics.py

1. Seeds (timed, not a result) a catalogue in the Wagtail page tree (--courses live courses of --lessons
   lessons and one required assessment each, --trainers trainers, 8 categories), --learners learners, and
   over the last two years: --enrollments enrollments (active, completed, cancelled; refunded and awaiting
   payment in paid courses), --progress-rows LessonProgress rows consistent with them, --attempts assessment
   attempts, an order for every enrollment in a paid course (paid, refunded, some refunded in a later month,
   some failed or expired first), and live sessions with bookings and attendance: bench/seed_analytics.py.
2. Measures, each in a fresh Python process (so that the RSS growth says what that step needed, not what an
   earlier step left behind): analytics.kpis.build_report for an admin over 12 months and 24 months, for the
   busiest trainer (as that trainer) and for the busiest course; the dashboard page through Django's test
   client as an admin; each export (CSV, XLSX, DOCX, PDF) of the admin's 12-month report. For each: a cold
   first run with its SQL queries (each one's time, rows and RSS growth, and the analytics line that ran it),
   then --runs timed runs (median and 95th percentile), then a run under tracemalloc (Python peak).

Uses bench.settings with a throwaway SQLite file under var/, or DATABASE_URL when it names a MariaDB/MySQL
database whose name contains "bench": that database is dropped and created afresh at the start and
dropped at the end. --keep keeps the SQLite file or the database; --reuse measures again on a kept one
without seeding (--reuse PATH for a kept SQLite file).
"""

import argparse
import contextlib
import gc
import json
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import time
import traceback
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    ROOT,
    argument_parser,
    close_connections,
    database_label,
    explain,
    max_rss_mb,
    migrate,
    nearest_rank,
    progress,
    recreate_mysql_database,
    refresh_statistics,
    reset_rss_peak,
    rss_mb,
    scratch_dir,
    timed,
    use_bench_database,
)

if TYPE_CHECKING:
    from bench.seed_analytics import Seeded

EXPLAIN_FROM = 1.0  # seconds: slower queries get their plan shown


# Measuring (each step in a child process) ------------------------------------------------------------------


class QueryRecorder:
    """Each SQL statement's time, rows and the RSS it added, and the analytics line that ran it.

    mysqlclient's default cursor reads the whole result into Python tuples inside execute(), so on MariaDB
    the RSS growth of execute() is what the query's result costs; SQLite fetches lazily (rows "?")."""

    def __init__(self):
        self.queries: list[dict] = []
        self.peak = 0.0  # VmHWM seen before each reset, so the run's peak survives the per-query resets

    def __call__(self, execute, sql, params, many, context):
        self.peak = max(self.peak, rss_mb("VmHWM"))
        reset_rss_peak()
        before = rss_mb()
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - began
            peak = rss_mb("VmHWM")
            self.peak = max(self.peak, peak)
            cursor = context["cursor"]
            rowcount = getattr(cursor, "rowcount", -1)
            executed = None
            if elapsed >= EXPLAIN_FROM:
                with contextlib.suppress(Exception):
                    executed = context["connection"].ops.last_executed_query(cursor, sql, params)
            self.queries.append(
                {
                    "sql": " ".join(sql.split()),
                    "ms": elapsed * 1000,
                    "rows": rowcount if rowcount is not None and rowcount >= 0 else None,
                    "rss_peak_mb": peak - before,
                    "origin": origin_of_query(),
                    "executed": executed,
                }
            )


def origin_of_query() -> str:
    """The innermost analytics (or dashboard) lines on the stack, e.g. 'selectors.py:120 read_frame <- kpis.py:230
    _course_frame'."""
    here = str(ROOT / "analytics") + os.sep
    frames = [frame for frame in traceback.extract_stack() if frame.filename.startswith(here)]
    frames = [frame for frame in frames if "/tests/" not in frame.filename]
    shown = [f"{Path(frame.filename).name}:{frame.lineno} {frame.name}" for frame in reversed(frames[-3:])]
    return " <- ".join(shown) or "(outside analytics/)"


def run_measured(
    function, *, runs: int, budget: float, trace: bool, trace_limit: float, keep_result: bool = False
) -> dict:
    """A cold run with its queries and RSS, timed runs (at least one, then until --runs or the budget is
    spent), and a run under tracemalloc (skipped when the cold run took longer than trace_limit). With
    keep_result, the cold run's return value is under "result"."""
    import tracemalloc

    from django.db import connection

    gc.collect()
    recorder = QueryRecorder()
    rss_start = rss_mb()
    reset_rss_peak()
    began = time.perf_counter()
    with connection.execute_wrapper(recorder):
        result = function()
    cold = time.perf_counter() - began
    peak = max(recorder.peak, rss_mb("VmHWM"))
    rss_after = rss_mb()
    kept = result if keep_result else None
    del result
    slow = sorted((q for q in recorder.queries if q["executed"]), key=lambda q: -q["ms"])[:3]
    for query in slow:
        query["plan"] = plan_of(query.pop("executed"))
    for query in recorder.queries:
        query.pop("executed", None)
    gc.collect()

    times = timed(function, runs, budget=budget)
    traced = None
    if trace and cold <= trace_limit:
        gc.collect()
        tracemalloc.start()
        tracemalloc.reset_peak()
        function()
        traced = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return {
        "cold_s": cold,
        "times": times,
        "queries": recorder.queries,
        "rss_start_mb": rss_start,
        "rss_growth_mb": peak - rss_start,
        "rss_kept_mb": rss_after - rss_start,
        "traced_peak_mb": traced,
        "result": kept,
    }


def plan_of(sql: str) -> str:
    try:
        return explain(sql)
    except Exception as error:  # noqa: BLE001 (a plan is a help, not a result)
        return f"(no plan: {error})"


def scenario_filters(kind: str):
    from django.utils import timezone

    from analytics.forms import default_period
    from analytics.report import Filters

    start, end = default_period(timezone.localdate())
    if kind == "24m":
        start = date(start.year - 1, start.month, 1)
    return Filters(start=start, end=end)


def busiest(field: str) -> int:
    from django.db.models import Count

    from learning.models import Enrollment

    return (
        Enrollment.objects.order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list(field, flat=True)[0]
    )


def child_report(name: str, args) -> dict:
    """build_report for one viewer and selection."""
    from dataclasses import replace

    from accounts.models import User
    from analytics import kpis
    from bench.seed_analytics import ADMIN_USERNAME

    admin = User.objects.get(username=ADMIN_USERNAME)
    filters = scenario_filters("24m" if name == "admin-24m" else "12m")
    viewer = admin
    if name == "trainer":
        viewer = User.objects.get(pk=busiest("course__trainer_id"))
    elif name == "course":
        filters = replace(filters, course_ids=(busiest("course_id"),))

    def build():
        return kpis.build_report(filters=filters, viewer=viewer)

    # No warm-up: on MariaDB a one-day report costs nearly as much as a year (the slowest queries do not
    # depend on the period), so the cold run includes build_report's first-use costs.
    measured = run_measured(
        build,
        runs=args.runs,
        budget=args.budget,
        trace=not args.no_tracemalloc,
        trace_limit=args.trace_limit,
        keep_result=True,
    )
    report = measured.pop("result")
    if name == "admin-12m" and args.report_file:
        Path(args.report_file).write_bytes(pickle.dumps(report))
    measured["what"] = f"{filters.start:%Y-%m-%d}..{filters.end:%Y-%m-%d}, viewer {viewer.username}" + (
        f", course {filters.course_ids[0]}" if filters.course_ids else ""
    )
    measured["shape"] = f"{len(report.kpis)} KPIs, {len(report.charts)} charts, " + ", ".join(
        f"{table.key} {len(table.rows)} rows" for table in report.tables
    )
    return measured


def dashboard_url() -> str:
    """The analytics dashboard's URL (in the Wagtail admin), else the first analytics view found."""
    from django.urls import NoReverseMatch, get_resolver, reverse

    with contextlib.suppress(NoReverseMatch):
        return reverse("analytics_admin:dashboard")

    found = []

    def walk(patterns, prefix: str, namespace: str):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                inner = f"{namespace}:{pattern.namespace}" if pattern.namespace else namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            else:
                module = getattr(pattern.callback, "__module__", "") or ""
                if module.startswith("analytics") and pattern.name and not pattern.pattern.regex.groups:
                    found.append((f"{namespace}:{pattern.name}".lstrip(":"), prefix + str(pattern.pattern)))

    walk(get_resolver().url_patterns, "/", "")
    if not found:
        raise LookupError("no analytics view in the URL configuration yet")
    dashboards = [name for name, _ in found if "dashboard" in name] or [
        name for name, _ in found if "export" not in name
    ]
    return reverse(sorted(dashboards, key=len)[0])


def child_dashboard(name: str, args) -> dict:
    from django.test import Client

    from accounts.models import User
    from bench.seed_analytics import ADMIN_USERNAME

    admin = User.objects.get(username=ADMIN_USERNAME)
    url = dashboard_url()
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    filters = scenario_filters("12m")
    query = {"start": f"{filters.start:%Y-%m-%d}", "end": f"{filters.end:%Y-%m-%d}"}
    headers = {}
    if name == "dashboard-htmx-course":
        query["course"] = str(busiest("course_id"))
        headers["HTTP_HX_REQUEST"] = "true"
    first = client.get(url, query, **headers)  # warm-up: templates, the session, imports
    if first.status_code != 200:
        raise LookupError(f"GET {url} answered {first.status_code}")

    def get():
        response = client.get(url, query, **headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        return response

    measured = run_measured(
        get, runs=args.runs, budget=args.budget, trace=not args.no_tracemalloc, trace_limit=args.trace_limit
    )
    measured.pop("result")
    measured["what"] = f"GET {url}?{'&'.join(f'{k}={v}' for k, v in query.items())}" + (
        " (HX-Request)" if headers else ""
    )
    measured["size"] = len(first.content)
    return measured


def child_export(name: str, args) -> dict:
    from dataclasses import replace

    from analytics import exports

    writer = getattr(exports, f"to_{name}")
    report = pickle.loads(Path(args.report_file).read_bytes())  # noqa: S301 (our own file, just written)
    # First use loads fonts, templates and modules: done on a two-row report, out of the measurement.
    small = replace(report, tables=[replace(table, rows=table.rows[:2]) for table in report.tables])
    writer(small)
    measured = run_measured(
        lambda: writer(report),
        runs=args.runs,
        budget=args.budget,
        trace=not args.no_tracemalloc,
        trace_limit=args.trace_limit,
        keep_result=True,
    )
    measured["size"] = len(measured.pop("result"))
    measured["what"] = f"exports.to_{name} of the admin's 12-month report"
    return measured


def child_main(args) -> None:
    import django

    django.setup()
    kind, name = args.child.split(":", 1)
    try:
        result = {"report": child_report, "dashboard": child_dashboard, "export": child_export}[kind](name, args)
    except (ImportError, AttributeError, LookupError) as error:
        result = {"missing": f"{type(error).__name__}: {error}"}
    except Exception as error:  # noqa: BLE001 (reported in the table, the next step still runs)
        result = {"error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()}
    result["step"] = args.child
    result["max_rss_mb"] = max_rss_mb()
    Path(args.result_file).write_text(json.dumps(result, default=str))


STEPS = [
    "report:admin-12m",
    "report:admin-24m",
    "report:trainer",
    "report:course",
    "dashboard:dashboard",
    "dashboard:dashboard-htmx-course",
    "export:csv",
    "export:xlsx",
    "export:docx",
    "export:pdf",
]


def measure_all(args, database_url: str, workdir: Path) -> list[dict]:
    results = []
    report_file = workdir / "report.pickle"
    for step in args.steps or STEPS:
        result_file = workdir / f"{step.replace(':', '-')}.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            step,
            "--result-file",
            str(result_file),
            "--report-file",
            str(report_file),
            "--runs",
            str(args.runs),
            "--budget",
            str(args.budget),
            "--trace-limit",
            str(args.trace_limit),
        ] + (["--no-tracemalloc"] if args.no_tracemalloc else [])
        began = time.perf_counter()
        progress(f"measuring {step}...")
        completed = subprocess.run(  # noqa: S603 (this script, with our own arguments)
            command, env={**os.environ, "DATABASE_URL": database_url}, check=False
        )
        if result_file.exists():
            result = json.loads(result_file.read_text())
        else:
            result = {"step": step, "error": f"the child process exited with {completed.returncode}"}
        result["wall_s"] = time.perf_counter() - began
        if "error" in result:
            progress(f"{step}: {result['error']}\n{result.get('traceback', '')}")
        elif "missing" in result:
            progress(f"{step}: not measured, {result['missing']}")
        else:
            progress(f"{step}: cold {result['cold_s']:.2f} s, {len(result['queries'])} queries")
        results.append(result)
    return results


# Report -----------------------------------------------------------------------------------------------------


def fmt(value, pattern: str, empty: str = "-") -> str:
    return empty if value is None else format(value, pattern)


def print_results(label: str, seeded: "Seeded | None", described: list[str], results: list[dict], args) -> None:
    print(f"\n=== Analytics on {label} ===")
    for line in described:
        print(line)
    if seeded:
        steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in seeded.timings.items())
        print(f"Seeding took {sum(seeded.timings.values()):.0f} s: {steps}")

    print(
        f"\n{'step':<31} {'cold s':>7} {'median s':>8} {'p95 s':>6} {'runs':>4} {'queries':>7} "
        f"{'RSS MB start':>12} {'RSS +MB':>7} {'py peak MB':>10} {'size KB':>8}"
    )
    print("-" * 112)
    for result in results:
        step = result["step"]
        if "cold_s" not in result:
            print(f"{step:<31} {result.get('missing') or result.get('error')}")
            continue
        times = result["times"]
        size = result.get("size")
        print(
            f"{step:<31} {result['cold_s']:>7.2f} {statistics.median(times):>8.2f} {nearest_rank(times, 95):>6.2f} "
            f"{len(times):>4} {len(result['queries']):>7} {result['rss_start_mb']:>12.0f} "
            f"{result['rss_growth_mb']:>7.0f} {fmt(result['traced_peak_mb'], '.1f'):>10} "
            f"{fmt(size and size / 1024, ',.0f'):>8}"
        )
    print(
        "cold: first run (cold database caches) with its queries recorded; median/p95 over the timed runs after it; "
        "RSS +MB: the process's peak RSS during the cold run minus its RSS before; py peak: tracemalloc's peak "
        "in a separate run; size: the response body or the export file."
    )
    for result in results:
        if "what" in result:
            print(f"  {result['step']}: {result['what']}" + (f"; {result['shape']}" if result.get("shape") else ""))

    for result in results:
        queries = result.get("queries")
        if not queries:
            continue
        print(f"\nQueries of {result['step']} (cold run), the slowest and the biggest:")
        heavy = sorted(queries, key=lambda q: -q["ms"])[: args.show_queries]
        by_rows = sorted((q for q in queries if q["rows"]), key=lambda q: -q["rows"])[:3]
        for query in heavy + [q for q in by_rows if q not in heavy]:
            sql = query["sql"]
            shown = sql if len(sql) <= 160 else sql[:120] + " ... " + sql[-35:]
            print(
                f"  {query['ms']:8.1f} ms {fmt(query['rows'], ',', '?'):>9} rows {query['rss_peak_mb']:+6.1f} MB  "
                f"{query['origin']}\n      {shown}"
            )
            if query.get("plan"):
                print("\n".join(f"        {line}" for line in query["plan"].splitlines()))


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--courses", type=int, default=200)
    parser.add_argument("--lessons", type=int, default=30, help="per course, in modules of 10")
    parser.add_argument("--trainers", type=int, default=20)
    parser.add_argument("--learners", type=int, default=40_000)
    parser.add_argument("--enrollments", type=int, default=100_000)
    parser.add_argument("--progress-rows", type=int, default=2_000_000, help="LessonProgress rows")
    parser.add_argument("--attempts", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3, help="timed runs per step after the cold one")
    parser.add_argument("--budget", type=float, default=40.0, help="stop a step's timed runs after this many s")
    parser.add_argument("--trace-limit", type=float, default=50.0, help="no tracemalloc run when cold took longer")
    parser.add_argument("--no-tracemalloc", action="store_true")
    parser.add_argument("--steps", nargs="+", choices=STEPS, help="measure only these steps")
    parser.add_argument("--show-queries", type=int, default=4, help="slowest queries listed per step")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file or the MariaDB database")
    parser.add_argument("--reuse", nargs="?", const="", metavar="SQLITE_FILE", help="measure a kept database")
    parser.add_argument("--seed-only", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    parser.add_argument("--report-file", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        use_bench_database(settings_module="bench.settings", sqlite_dir=None, writes="nothing")
        child_main(args)
        return

    if args.reuse:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(args.reuse).resolve()}"
    # A scratch directory for the throwaway SQLite file and the children's results.
    scratch = scratch_dir("bench-analytics-", always=True)
    external = bool(os.environ.get("DATABASE_URL"))
    uses_url = use_bench_database(
        settings_module="bench.settings", sqlite_dir=scratch, writes="courses, learners and their history"
    )
    mysql = uses_url and os.environ["DATABASE_URL"].startswith("mysql")
    database_url = os.environ["DATABASE_URL"]
    if mysql and args.reuse is None:
        recreate_mysql_database(database_url)
    keep_sqlite = False
    try:
        import django

        django.setup()
        from django.db import connections

        from bench.seed_analytics import Sizes, describe_data, seed_analytics

        seeded = None
        migrated = migrate()  # on --reuse: the migrations added since the database was seeded
        if args.reuse is None:
            seeded = seed_analytics(Sizes(**{size.name: getattr(args, size.name) for size in fields(Sizes)}))
            seeded.timings = {"migrate": migrated, **seeded.timings}
        if mysql:
            refresh_statistics()
        described = describe_data()
        label = database_label()
        connections.close_all()
        if args.seed_only:
            print(f"\n=== Seeded {label} ===")
            print("\n".join(described))
            if seeded:
                print(", ".join(f"{name} {seconds:.1f} s" for name, seconds in seeded.timings.items()))
            keep_sqlite = not external
            return
        results = measure_all(args, database_url, scratch)
        print_results(label, seeded, described, results, args)
        keep_sqlite = args.keep and not external
    finally:
        close_connections()
        if mysql and args.reuse is None and not (args.keep or args.seed_only):
            recreate_mysql_database(database_url, drop_only=True)
        if keep_sqlite:
            print(f"\nKept {scratch / 'bench.sqlite3'} (measure again with --reuse)", file=sys.stderr)
            for leftover in scratch.glob("*.json"):
                leftover.unlink()
        else:
            if args.keep and mysql:
                print("\nKept the database (measure again with --reuse)", file=sys.stderr)
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
