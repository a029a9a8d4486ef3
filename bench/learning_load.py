"""Load test of the lesson player and "mark complete" under gunicorn, next to a minimal Django view.

    .venv/bin/pip install -r bench/requirements.txt      # locust: a benchmark-only dependency
    .venv/bin/python bench/learning_load.py [--courses 20] [--lessons 30] [--learners 500]
                                            [--users 10] [--seconds 15]

Creates a throwaway SQLite database under var/ (or uses DATABASE_URL when it names a database whose
name contains "bench"), migrates it, seeds N courses of M lessons and K learners with random progress,
counts the SQL queries of each request with Django's test client, then serves the site with gunicorn
(2 workers, as many as the machine's cores, gthread like production) with bench.settings and runs
locust headless against it: one scenario per endpoint, each for --seconds with --users simulated
learners sending requests back to back, then all endpoints mixed. It prints requests/s, p50/p95
latency and gunicorn's CPU time per request of each endpoint next to those of /bench/minimal/, a view
that does nothing, measured by the same gunicorn in the same run: the ratio between the two is the
number to compare across runs and machines. bench/README.md says how to read the tables.
"""

import csv
import json
import math
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    argument_parser,
    migrate,
    nearest_rank,
    print_table,
    scratch_dir,
    use_bench_database,
)

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
WORKERS = 2  # one per core of the 2-core machine this was written on
THREADS = 4  # as the production image runs gunicorn (Dockerfile)


@dataclass(frozen=True)
class Scenario:
    label: str
    user_class: str  # in bench/locustfile.py
    writes: bool  # completes lessons: gets learners of its own


SCENARIOS = [
    Scenario("minimal view", "MinimalViewLearner", writes=False),
    Scenario("lesson page", "LessonPageLearner", writes=False),
    Scenario("lesson page (htmx)", "LessonPartialLearner", writes=False),
    Scenario("mark complete (htmx)", "MarkCompleteLearner", writes=True),
    Scenario("mixed", "MixedLearner", writes=True),
]
MINIMAL = "minimal view"  # the request name of /bench/minimal/ in the locustfile
SIGN_IN_NAMES = ("sign-in form", "sign-in")


@dataclass
class Row:
    scenario: str
    name: str
    requests: int
    failures: int
    rps: float
    p50_ms: float
    p95_ms: float
    size_kb: float
    cpu_ms: float | None = None  # gunicorn's CPU time per request, when the scenario ran this request alone


@dataclass
class Usage:
    scenario: str
    server_cpu: float  # seconds of CPU, gunicorn's master and workers
    worker_cpu: list[float]  # of each worker: a busy and an idle one mean the load was not spread
    locust_cpu: float


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--courses", type=int, default=20, help="live courses (N)")
    parser.add_argument("--lessons", type=int, default=30, help="live lessons per course (M)")
    parser.add_argument("--modules", type=int, help="modules per course (default: one per 10 lessons)")
    parser.add_argument("--learners", type=int, default=500, help="seeded learners (K), 3 courses each")
    parser.add_argument("--users", type=int, default=10, help="simulated learners sending requests at once (U)")
    parser.add_argument("--seconds", type=int, default=15, help="duration of each of the 5 scenarios (S)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (database, CSVs, logs)")
    args = parser.parse_args()
    if shutil.which("locust", path=str(VENV_BIN)) is None:
        sys.exit(f"locust is not installed in {VENV_BIN.parent}: {VENV_BIN}/pip install -r bench/requirements.txt")

    scratch = scratch_dir("bench-learning-", always=True)
    configure_database(scratch)
    server = None
    try:
        sizes, queries, plan = prepare(args, scratch)
        server, url = start_gunicorn(scratch)
        warm_up(url, plan)
        rows, usages = [], []
        for index, scenario in enumerate(SCENARIOS):
            scenario_rows, usage = run_scenario(scenario, index, args, server, url, scratch, plan)
            rows += scenario_rows
            usages.append(usage)
        stop(server)
        stale = stale_enrollments()
    finally:
        shut_down(server, scratch, keep=args.keep)
    print_report(args, sizes, queries, rows, usages)
    print()
    print(f"After the load, recompute_course_progress() finds {stale} enrollments whose stored progress is stale.")


def shut_down(server, scratch: Path, *, keep: bool) -> None:
    """Stops gunicorn if it still runs, then deletes the scratch directory or, asked to keep it, says where."""
    if server is not None:
        stop(server)
    if keep:
        print(f"Kept {scratch}", file=sys.stderr)
    else:
        shutil.rmtree(scratch, ignore_errors=True)


def configure_database(scratch: Path) -> None:
    """Points bench.settings, here and in gunicorn, at the benchmark's database."""
    use_bench_database(settings_module="bench.settings", sqlite_dir=scratch, writes="courses and learners")


def prepare(args, scratch: Path) -> tuple[dict, list[tuple[str, int, int]], dict]:
    """Migrates, seeds, counts queries and writes the locust plan; returns sizes, query counts, plan."""
    import django

    django.setup()

    from django.db import connection

    from bench.seed import LEARNER_PASSWORD, seed_catalogue, seed_learners
    from courses.models import CoursePage
    from learning import selectors, services

    migrate()
    modules = args.modules or max(1, math.ceil(args.lessons / 10))
    started = time.perf_counter()
    seeded = seed_catalogue(
        courses=args.courses, modules_per_course=modules, lessons_per_module=math.ceil(args.lessons / modules)
    )
    learners = seed_learners(learners=args.learners)
    print(
        f"Seeded {seeded.courses} courses ({seeded.pages} pages), {learners.learners} learners, "
        f"{learners.enrollments} enrollments, {learners.completed_lessons} completed lessons "
        f"in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    courses = list(CoursePage.objects.live().order_by("path"))
    lessons = {course.pk: list(selectors.live_lessons(course=course)) for course in courses}
    # The seeded percentages must be what the services would have stored: recomputing changes nothing.
    stale = sum(services.recompute_course_progress(course=course) for course in courses)
    if stale:
        sys.exit(f"{stale} seeded enrollments disagree with recompute_course_progress: fix bench/seed.py")
    counts = sorted(len(course_lessons) for course_lessons in lessons.values())
    sizes = {
        "courses": len(courses),
        "lessons": counts[0] if counts[0] == counts[-1] else f"{counts[0]}-{counts[-1]}",
        "modules": modules,
        "learners": learners.learners,
        "enrollments": learners.enrollments,
        "completed lessons": learners.completed_lessons,
    }
    queries = count_queries(lessons)
    plan = write_plan(scratch, lessons, LEARNER_PASSWORD)
    connection.close()  # gunicorn forks nothing from here, but an open SQLite connection holds WAL state
    return sizes, queries, plan


def stale_enrollments() -> int:
    """Enrollments whose stored percentage disagrees with their completed lessons (should be none)."""
    from courses.models import CoursePage
    from learning import services

    return sum(services.recompute_course_progress(course=course) for course in CoursePage.objects.live())


def count_queries(lessons: dict) -> list[tuple[str, int, int]]:
    """SQL queries of one request to each endpoint, with Django's test client: (name, status, queries)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from learning.models import Enrollment, EnrollmentStatus, LessonProgress

    # A learner half-way through a course, the common case (one of the last seeded, as locust gets to
    # them last), with two lessons left: one to warm up with, one to measure.
    enrollment = (
        Enrollment.objects.filter(
            user__username__startswith="bench-learner-", status=EnrollmentStatus.ACTIVE, progress_percent__range=(1, 80)
        )
        .select_related("user")
        .order_by("-pk")
        .first()
    )
    if enrollment is None:
        sys.exit("No seeded learner is between 1 % and 80 % of a course: seed more learners or lessons.")
    done = set(LessonProgress.objects.filter(enrollment=enrollment).values_list("lesson_id", flat=True))
    warm_up_lesson, lesson = [lesson for lesson in lessons[enrollment.course_id] if lesson.pk not in done][:2]
    client = Client(HTTP_HOST="localhost")
    client.force_login(enrollment.user)
    htmx = {"HTTP_HX_REQUEST": "true"}
    complete_url = f"/learning/lessons/{lesson.pk}/complete/"
    requests = [
        ("minimal view", "get", "/bench/minimal/", {}),
        ("lesson page", "get", lesson.url, {}),
        ("lesson page (htmx)", "get", lesson.url, htmx),
        ("mark complete (htmx)", "post", complete_url, htmx),
        ("mark complete again (htmx)", "post", complete_url, htmx),
    ]
    # Warm-up, so the counts are those of a running server: site root paths, content types, templates.
    client.get("/bench/minimal/")
    client.get(warm_up_lesson.url)
    client.get(warm_up_lesson.url, **htmx)
    client.post(f"/learning/lessons/{warm_up_lesson.pk}/complete/", **htmx)
    rows = []
    for name, method, url, headers in requests:
        with CaptureQueriesContext(connection) as captured:
            response = getattr(client, method)(url, **headers)
        # Read now: the captured list is a slice of connection.queries, which the next request clears.
        rows.append((name, response.status_code, len(captured)))
    return rows


def write_plan(scratch: Path, lessons: dict, password: str) -> Path:
    """What the locust users need: each course's lessons and each learner's enrollments and done lessons."""
    from learning.models import STUDYING_STATUSES, Enrollment, LessonProgress

    enrollments = list(
        Enrollment.objects.filter(user__username__startswith="bench-learner-", status__in=STUDYING_STATUSES)
        .select_related("user")
        .order_by("user__date_joined", "user_id", "pk")
    )
    done: dict[int, list[int]] = {}
    for enrollment_id, lesson_id in LessonProgress.objects.filter(enrollment__in=enrollments).values_list(
        "enrollment_id", "lesson_id"
    ):
        done.setdefault(enrollment_id, []).append(lesson_id)
    learners: dict[str, list] = {}
    for enrollment in enrollments:
        learners.setdefault(enrollment.user.username, []).append(
            {"course": str(enrollment.course_id), "done": done.get(enrollment.pk, [])}
        )
    plan = {
        "password": password,
        "courses": {
            str(course_id): [[lesson.pk, lesson.url] for lesson in items] for course_id, items in lessons.items()
        },
        "learners": [{"username": username, "enrollments": items} for username, items in learners.items()],
    }
    path = scratch / "plan.json"
    path.write_text(json.dumps(plan))
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


GTHREAD = ("--worker-class=gthread", f"--threads={THREADS}", "--keep-alive=5")


def start_gunicorn(
    scratch: Path, *, app: str = "lms_site.wsgi:application", worker_options: Sequence[str] = GTHREAD
) -> tuple[subprocess.Popen, str]:
    """Serves `app` on a free port of 127.0.0.1 with WORKERS workers; returns once it answers /bench/minimal/."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (scratch / "gunicorn.log").open("w")
    command = [
        str(VENV_BIN / "gunicorn"),
        app,
        f"--bind=127.0.0.1:{port}",
        f"--workers={WORKERS}",
        *worker_options,
        "--timeout=60",
        "--no-control-socket",
        "--log-level=warning",
    ]
    # Its own session: a Ctrl-C reaches this script, which stops gunicorn in its own time.
    server = subprocess.Popen(  # noqa: S603 (our own command line)
        command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    print(f"gunicorn (pid {server.pid}) on {url}: {WORKERS} workers, {' '.join(worker_options)}", file=sys.stderr)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{url}/bench/minimal/", timeout=2) as response:  # noqa: S310 (http://127.0.0.1)
                if response.status == 200:
                    return server, url
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    stop(server)
    sys.exit(f"gunicorn did not answer on {url}:\n{tail(scratch / 'gunicorn.log')}")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()  # SIGTERM: the master stops its workers gracefully
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def sign_in(session, url: str, username: str, password: str) -> None:
    """Signs a requests.Session in through the sign-in form, as a browser does; its cookies then carry the session."""
    import re

    form = session.get(f"{url}/accounts/sign-in/", timeout=30).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    credentials = {"username": username, "password": password, "csrfmiddlewaretoken": token}
    session.post(f"{url}/accounts/sign-in/", data=credentials, allow_redirects=False, timeout=30).raise_for_status()
    if "sessionid" not in session.cookies:
        raise RuntimeError(f"Signing in as {username} did not start a session (wrong password, or throttled?)")


def warm_up(url: str, plan: Path) -> None:
    """A few requests of each kind, each on a new connection so both workers load templates and caches."""
    import requests

    data = json.loads(plan.read_text())
    learner = data["learners"][0]
    lessons = data["courses"][learner["enrollments"][0]["course"]]
    session = requests.Session()
    session.headers["Connection"] = "close"
    sign_in(session, url, learner["username"], data["password"])
    for _, lesson_url in lessons[:10]:
        for headers in ({}, {"HX-Request": "true"}):
            session.get(f"{url}{lesson_url}", headers=headers, allow_redirects=False, timeout=30).raise_for_status()
        session.get(f"{url}/bench/minimal/", timeout=30).raise_for_status()


def run_scenario(
    scenario: Scenario, index: int, args, server: subprocess.Popen, url: str, scratch: Path, plan: Path
) -> tuple[list[Row], Usage]:
    """One locust run; returns a row per request name, sign-ins included, and the CPU it took."""
    prefix = scratch / f"{index}-{scenario.user_class}"
    timings = Path(f"{prefix}-timings.json")
    # Runs that complete lessons get learners of their own, so they find lessons left to complete.
    writers = [s for s in SCENARIOS if s.writes]
    share = args.learners // (len(writers) + 1)
    slot = writers.index(scenario) + 1 if scenario.writes else 0
    env = {
        **os.environ,
        "BENCH_PLAN": str(plan),
        "BENCH_LEARNERS": f"{slot * share}:{(slot + 1) * share}" if share >= args.users else ":",
        "BENCH_TIMINGS": str(timings),
    }
    command = [
        str(VENV_BIN / "locust"),
        "--locustfile",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        url,
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.users),  # all at once: no ramp-up inside the measured time
        "--run-time",
        f"{args.seconds}s",
        "--stop-timeout",
        "10",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        scenario.user_class,
    ]
    print(f"Scenario {scenario.label}: {args.users} users for {args.seconds} s...", file=sys.stderr)
    log = Path(f"{prefix}-locust.log")
    server_before, locust_before = server_cpu(server), children_cpu()
    with log.open("w") as output:
        # locust exits with 1 when a request failed; the failures are counted in the table.
        subprocess.run(  # noqa: S603 (our own command line)
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, check=False
        )
    server_after = server_cpu(server)
    workers = [server_after[pid] - server_before.get(pid, 0.0) for pid in server_after if pid != server.pid]
    usage = Usage(
        scenario=scenario.label,
        server_cpu=sum(server_after.values()) - sum(server_before.values()),
        worker_cpu=workers,
        locust_cpu=children_cpu() - locust_before,
    )
    stats = Path(f"{prefix}_stats.csv")
    if not stats.exists():
        sys.exit(f"locust wrote no statistics for {scenario.label}:\n{tail(log)}")
    exact = json.loads(timings.read_text()) if timings.exists() else {}
    rows = []
    with stats.open(newline="") as file:
        for record in csv.DictReader(file):
            if record["Name"] == "Aggregated":
                continue
            times = exact.get(record["Name"])
            rows.append(
                Row(
                    scenario=scenario.label,
                    name=record["Name"],
                    requests=int(record["Request Count"]),
                    failures=int(record["Failure Count"]),
                    rps=float(record["Requests/s"]),
                    p50_ms=nearest_rank(times, 50) if times else float(record["50%"]),
                    p95_ms=nearest_rank(times, 95) if times else float(record["95%"]),
                    size_kb=float(record["Average Content Size"]) / 1024,
                )
            )
    # Alone in its run (but for a few sign-ins), a request's share of gunicorn's CPU is all of it.
    total = sum(row.requests for row in rows)
    for row in rows:
        if row.name == scenario.label and total:
            row.cpu_ms = usage.server_cpu * 1000 / total
    failures = Path(f"{prefix}_failures.csv")
    if any(row.failures for row in rows) and failures.exists():
        print(f"Failures in {scenario.label}:\n{failures.read_text()}", file=sys.stderr)
    return rows, usage


def server_cpu(server: subprocess.Popen) -> dict[int, float]:
    """CPU seconds used so far by gunicorn's master and each worker, by process id."""
    import psutil  # installed with locust

    used = {}
    master = psutil.Process(server.pid)
    for process in [master, *master.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        used[process.pid] = times.user + times.system
    return used


def children_cpu() -> float:
    """CPU seconds of this script's finished children: the locust runs (gunicorn is still running)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def print_report(args, sizes: dict, queries: list[tuple[str, int, int]], rows: list[Row], usages: list[Usage]):
    print()
    print("Seeded: " + ", ".join(f"{value} {name}" for name, value in sizes.items()))
    print(
        f"gunicorn: {WORKERS} workers x {THREADS} threads (gthread); locust: {args.users} users back to back, "
        f"{args.seconds} s per scenario. Times in ms as locust saw them (client side, over loopback)."
    )
    isolated = [row for row in rows if row.scenario == row.name]
    mixed = [row for row in rows if row.scenario == "mixed" and row.name not in SIGN_IN_NAMES]
    print()
    print("Each endpoint alone, one locust run each (ratios: to the minimal view's run)")
    print_rows(isolated, alone=True)
    print()
    print("Mixed: all at once, weights 1 lesson page : 3 htmx lesson : 2 mark complete : 1 minimal")
    print("(ratio: to the minimal view in this run, whose requests now wait behind the pages')")
    print_rows(mixed, alone=False)
    sign_ins = [row for row in rows if row.name == "sign-in"]
    print()
    print(
        f"Sign-ins, left out of the tables: {sum(row.requests for row in sign_ins)}, "
        f"{sum(row.failures for row in sign_ins)} failed"
    )
    cores = os.cpu_count() or 1
    print()
    print(f"CPU used during each run ({cores} cores; locust, start-up included, runs on the same machine)")
    print_table(
        [("scenario", 22), ("gunicorn", 14), ("each worker, of 1 core", 22), ("locust", 14)],
        [
            [
                usage.scenario,
                f"{usage.server_cpu / args.seconds / cores:.0%} of {cores} cores",
                " + ".join(f"{cpu / args.seconds:.0%}" for cpu in usage.worker_cpu),
                f"{usage.locust_cpu / args.seconds:.0%} of 1 core",
            ]
            for usage in usages
        ],
    )
    print()
    print("SQL queries per request (Django test client, signed-in learner, same database)")
    width = max(len(name) for name, _, _ in queries)
    print_table([("request", width), ("status", 6), ("queries", 7)], queries)


def print_rows(rows: list[Row], *, alone: bool) -> None:
    """With `alone`, each row comes from a run of its own: throughput and CPU compare too."""
    minimal = next((row for row in rows if row.name == MINIMAL), None)

    def ratio(value: float | None, base: float | None) -> str:
        return f"{value / base:.1f}x" if value and base else "-"

    columns = [("endpoint", 22), ("requests", 8), ("req/s", 7), ("p50 ms", 7), ("p95 ms", 7), ("failures", 8)]
    columns += [("KB", 5), ("p50 ratio", 9)]
    if alone:
        columns += [("req/s ratio", 11), ("CPU ms", 6), ("CPU ratio", 9)]
    lines = []
    for row in rows:
        values = [row.name, row.requests, f"{row.rps:.1f}", f"{row.p50_ms:.1f}", f"{row.p95_ms:.1f}", row.failures]
        values += [f"{row.size_kb:.1f}", ratio(row.p50_ms, minimal and minimal.p50_ms)]
        if alone:
            # Inverted, so that like the others it says how many minimal requests one request costs.
            values += [ratio(minimal and minimal.rps, row.rps)]
            values += [f"{row.cpu_ms:.1f}" if row.cpu_ms else "-", ratio(row.cpu_ms, minimal and minimal.cpu_ms)]
        lines.append(values)
    print_table(columns, lines)


if __name__ == "__main__":
    main()
