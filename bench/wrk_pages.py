"""HTTP benchmark of the site's main pages under gunicorn with wrk, each next to a bare Django view.

    ./scripts/install-system-deps --bench          # once: wrk
    .venv/bin/python bench/wrk_pages.py [--courses 1000] [--lessons 200] [--seconds 8]

Creates a throwaway SQLite database under var/ (or re-creates DATABASE_URL when it names a MariaDB
database whose name contains "bench"), migrates it, loads the demo (`seed_demo`), adds --courses courses
to the catalogue, the first of them with --lessons lessons, and enrols the demo learner "learner2" in that
long course, half done. It counts each page's SQL queries with Django's test client, then serves the site
with gunicorn (2 sync workers, bench.settings, DEBUG off; bench/wsgi.py) and signs learner2 in through
the sign-in form. Every page must answer 200 (signed-in pages with what only the learner sees, htmx
requests with a fragment) before anything is measured. After a warm-up it runs `wrk -t2 -c16 --latency`
for --seconds on each page in turn, with a run on the bare view (/__bench/hello, no middleware) before
the first page and after every page, and prints a markdown table: each page's req/s, the bare view's
(the mean of the runs just before and after it), their ratio, latency percentiles, queries and size,
then the RSS of each gunicorn worker. bench/README.md says how to read it.
"""

import sys
from pathlib import Path

# Run as a script, Python puts bench/ first on sys.path: the project's root goes there too, for bench.*.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import io
import logging
import os
import platform
import re
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bench.common import (
    argument_parser,
    close_connections,
    database_label,
    migrate,
    progress,
    recreate_mysql_database,
    scratch_dir,
    use_bench_database,
)
from bench.learning_load import shut_down, sign_in, start_gunicorn, stop, tail

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2  # the setup: 2 sync workers (bench/learning_load.WORKERS is the same)
SYNC = ("--worker-class=sync",)
BARE_PATH = "/__bench/hello"  # bench/wsgi.BARE_PATH; not imported: that would set up the site in this process
LEARNER = "learner2"  # the demo learner with a history: a completed course, a graded essay, bookings
CATALOGUE_FILTERS = "?q=python&level=beginner"  # as bench/catalogue.py
WRK_TIMEOUT = "30s"  # wrk's default of 2 s would drop a queued slow page's requests from the latencies


@dataclass(frozen=True)
class Target:
    label: str
    path: str
    signed_in: bool = False
    htmx: bool = False
    expect: str = ""  # text the answer must contain: it is the page meant, not a sign-in form or another page


@dataclass
class Run:
    """What wrk reported for one run."""

    requests: int
    rps: float
    percentiles_ms: dict[int, float]  # 50, 75, 90, 99
    errors: int  # non-2xx/3xx answers and socket errors


@dataclass
class Result:
    target: Target
    status: int = 0
    size: int = 0
    queries: int | None = None
    run: Run | None = None
    bare_rps: float | None = None  # the mean of the bare view's runs just before and after this page's
    extra: dict = field(default_factory=dict)


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--courses", type=int, default=1000, help="courses added to the demo catalogue (N)")
    parser.add_argument("--lessons", type=int, default=200, help="lessons of the long course, the first added")
    parser.add_argument("--seconds", type=int, default=8, help="duration of each wrk run")
    parser.add_argument("--connections", type=int, default=16, help="wrk's open connections (-c)")
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads (-t)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (database, media, log)")
    args = parser.parse_args()
    if args.courses < 1 or args.lessons < 2:
        parser.error("--courses must be at least 1 and --lessons at least 2")
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: ./scripts/install-system-deps --bench (Debian package wrk)")

    scratch = scratch_dir("bench-http-", always=True)
    # The demo's images, documents and certificates go with the database, and gunicorn inherits this.
    os.environ["MEDIA_ROOT"] = str(scratch / "media")
    os.environ["PRIVATE_ROOT"] = str(scratch / "private")
    if use_bench_database(settings_module="bench.settings", sqlite_dir=scratch, writes="the demo and courses"):
        recreate_mysql_database(os.environ["DATABASE_URL"])  # seed_demo and the numbering assume a fresh database
    server = None
    try:
        setup, targets = prepare(args)
        results = [Result(target) for target in targets]
        count_queries(results)
        setup["bare queries"] = bare_view_queries()
        close_connections()  # gunicorn gets the database to itself
        server, url = start_gunicorn(scratch, app="bench.wsgi:application", worker_options=SYNC)
        cookie = signed_in_cookie(url)
        check_pages(url, cookie, results)
        warm_up(url, cookie, results, args)
        setup["rss_warm"] = worker_rss_mb(server.pid)
        setup["load before"] = os.getloadavg()
        bare_runs = measure(url, cookie, results, args)
        setup["load after"] = os.getloadavg()
        setup["rss_end"] = worker_rss_mb(server.pid)
        stop(server)
    except BaseException:
        if server is not None:
            print(tail(scratch / "gunicorn.log"), file=sys.stderr)
        raise
    finally:
        shut_down(server, scratch, keep=args.keep)
    print_report(args, setup, results, bare_runs)


# Seeding and queries (in this process) ----------------------------------------------------------------------


def prepare(args) -> tuple[dict, list[Target]]:
    """Migrates and seeds; returns what the report says about the setup and the pages to measure."""
    import django

    django.setup()

    from django.core.management import call_command
    from wagtail.models import Site

    from accounts import services as account_services
    from accounts.models import User
    from bench.seed import seed_catalogue
    from courses.models import CourseIndexPage, CoursePage
    from home.demo import TEAMS_PAGE_SLUG
    from learning import selectors, services

    migrate()
    began = time.perf_counter()
    progress("Loading the demo (seed_demo)...")
    logging.getLogger("celery.app.trace").setLevel(logging.WARNING)  # a line per eager task the demo runs
    call_command("seed_demo", allow_production=True, stdout=io.StringIO())
    home = Site.objects.get(is_default_site=True).root_page.specific
    catalogue = CourseIndexPage.objects.child_of(home).get(slug="courses")
    demo_courses = CoursePage.objects.child_of(catalogue).count()
    demo_course = CoursePage.objects.child_of(catalogue).live().order_by("path").first()
    landing = home.get_children().get(slug=TEAMS_PAGE_SLUG)

    modules = max(1, -(-args.lessons // 10))  # modules of 10 lessons, as bench/learning_load.py seeds them
    progress(f"Adding a course of {args.lessons} lessons and {args.courses - 1} of 9...")
    seed_catalogue(courses=demo_courses + 1, modules_per_course=modules, lessons_per_module=args.lessons // modules)
    long_course = CoursePage.objects.child_of(catalogue).order_by("-path").first()
    seeded = seed_catalogue(courses=demo_courses + args.courses)

    # The learner has done the first half of the long course, through the services, and reads the next lesson.
    # Quiet, as seed_demo is: no enrolment e-mail on the console.
    learner = User.objects.get(username=LEARNER)
    lessons = list(selectors.live_lessons(course=long_course))
    with account_services.quiet_notifications():
        enrollment = (services.enroll if long_course.is_free else services.grant_paid_access)(
            user=learner, course=long_course
        )
        for lesson in lessons[: len(lessons) // 2]:
            services.complete_lesson(enrollment=enrollment, lesson=lesson)
    lesson = lessons[len(lessons) // 2]
    progress(f"Seeded in {time.perf_counter() - began:.0f} s")

    setup = {
        "database": database_label(),
        "catalogue": f"{seeded.courses} live courses ({demo_courses} from the demo), {seeded.pages} pages below it",
        "long course": f"{long_course.title}: {len(lessons)} lessons, {learner.username} has done {len(lessons) // 2}",
    }
    complete_form = f"/learning/lessons/{lesson.pk}/complete/"  # only an enrolled learner's player has it
    catalogue_url = catalogue.url
    targets = [
        Target("trivial view behind the middleware, anonymous", "/bench/minimal/"),
        Target(f"trivial view behind the middleware, signed in ({LEARNER})", "/bench/minimal/", signed_in=True),
        Target("home, anonymous", home.url),
        Target(f"landing page {landing.url}, anonymous", landing.url),
        Target("catalogue", catalogue_url),
        Target("catalogue, htmx", catalogue_url, htmx=True),
        Target("catalogue, search + level", catalogue_url + CATALOGUE_FILTERS),
        Target("catalogue, search + level, htmx", catalogue_url + CATALOGUE_FILTERS, htmx=True),
        Target("course page, anonymous", demo_course.url, expect=demo_course.title),
        Target("learner dashboard /learning/", "/learning/", signed_in=True, expect=long_course.title),
        Target(f"lesson page ({len(lessons)}-lesson course)", lesson.url, signed_in=True, expect=complete_form),
        Target("lesson navigation, htmx", lesson.url, signed_in=True, htmx=True, expect=complete_form),
    ]
    return setup, targets


def count_queries(results: list[Result]) -> None:
    """SQL queries of one request to each page with Django's test client, after one to warm it up."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    anonymous = Client(HTTP_HOST="127.0.0.1")
    learner = Client(HTTP_HOST="127.0.0.1")
    learner.force_login(User.objects.get(username=LEARNER))
    for result in results:
        client = learner if result.target.signed_in else anonymous
        headers = {"HTTP_HX_REQUEST": "true"} if result.target.htmx else {}
        client.get(result.target.path, **headers)
        with CaptureQueriesContext(connection) as captured:
            client.get(result.target.path, **headers)
        # Read now: the captured list is a slice of connection.queries, which the next request clears.
        result.queries = len(captured)


def bare_view_queries() -> int:
    """SQL queries of one request to the bare view, through its own handler (the test client adds middleware)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.wsgi import BARE_PATH as path
    from bench.wsgi import bare_application

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.input": io.BytesIO(),
        "wsgi.url_scheme": "http",
    }
    with CaptureQueriesContext(connection) as captured:
        response = bare_application(environ, lambda status, headers: None)
        body = b"".join(response)
    if body != b"hello":
        sys.exit(f"The bare view answered {body[:100]!r}")
    return len(captured)


# Over HTTP ----------------------------------------------------------------------------------------------


def signed_in_cookie(url: str) -> str:
    """The Cookie header of a session signed in as LEARNER through the sign-in form."""
    import requests

    from accounts.demo import DEMO_ACCOUNTS

    password = next(password for username, password, *_ in DEMO_ACCOUNTS if username == LEARNER)
    session = requests.Session()
    sign_in(session, url, LEARNER, password)
    return "; ".join(f"{name}={value}" for name, value in session.cookies.items())


def headers_for(target: Target, cookie: str) -> dict[str, str]:
    headers = {}
    if target.signed_in:
        headers["Cookie"] = cookie
    if target.htmx:
        headers["HX-Request"] = "true"
    return headers


def check_pages(url: str, cookie: str, results: list[Result]) -> None:
    """Every page answers 200 with what it must show, without following redirects (a sign-in redirect fails)."""
    import requests

    answer = requests.get(f"{url}{BARE_PATH}", timeout=30)
    if answer.status_code != 200 or answer.content != b"hello":
        sys.exit(f"The bare view {BARE_PATH} answered {answer.status_code}: {answer.text[:200]!r}")
    problems = []
    for result in results:
        target = result.target
        answer = requests.get(
            f"{url}{target.path}", headers=headers_for(target, cookie), allow_redirects=False, timeout=60
        )
        result.status, result.size = answer.status_code, len(answer.content)
        text = answer.text
        if answer.status_code != 200:
            location = answer.headers.get("Location", "")
            problems.append(f"{target.label}: {target.path} answered {answer.status_code} {location}".rstrip())
        elif target.expect and target.expect not in text:
            problems.append(f"{target.label}: {target.path} does not contain {target.expect!r}")
        elif target.htmx and "<html" in text:
            problems.append(f"{target.label}: {target.path} answered a whole page to an htmx request")
    if problems:
        sys.exit("Not measured, pages are not what they should be:\n  " + "\n  ".join(problems))


def wrk(url: str, path: str, headers: dict[str, str], *, seconds: int, connections: int, threads: int) -> Run:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", f"--timeout={WRK_TIMEOUT}"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"{url}{path}")
    output = subprocess.run(  # noqa: S603 (our own command line)
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> Run:
    """Requests, req/s, the latency distribution (wrk --latency) and errors from wrk's report."""
    distribution = {
        int(percent): to_ms(value, unit)
        for percent, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    }
    requests = re.search(r"^\s*(\d+) requests in", output, re.MULTILINE)
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    if not (requests and rps and distribution):
        raise RuntimeError(f"Cannot read wrk's report:\n{output}")
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(value) for value in socket_errors.groups())
    return Run(requests=int(requests.group(1)), rps=float(rps.group(1)), percentiles_ms=distribution, errors=errors)


def to_ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def warm_up(url: str, cookie: str, results: list[Result], args) -> None:
    """A second of wrk on each page and on the bare view: both workers load their templates, caches and code."""
    progress("Warming up...")
    for path, headers in [(BARE_PATH, {}), *((r.target.path, headers_for(r.target, cookie)) for r in results)]:
        wrk(url, path, headers, seconds=1, connections=4, threads=args.threads)


def measure(url: str, cookie: str, results: list[Result], args) -> list[Run]:
    """The bare view, then each page followed by the bare view again; returns the bare view's runs."""
    options = {"seconds": args.seconds, "connections": args.connections, "threads": args.threads}
    runs = 2 * len(results) + 1
    progress(f"Measuring: {runs} wrk runs of {args.seconds} s...")
    bare_runs = [wrk(url, BARE_PATH, {}, **options)]
    for result in results:
        progress(f"  {result.target.label}")
        drain(url)
        result.run = wrk(url, result.target.path, headers_for(result.target, cookie), **options)
        drain(url)
        bare_runs.append(wrk(url, BARE_PATH, {}, **options))
        result.bare_rps = (bare_runs[-2].rps + bare_runs[-1].rps) / 2
    return bare_runs


def drain(url: str) -> None:
    """Waits for the requests a run left queued: when wrk stops, the connections it opened last are still in
    gunicorn's backlog, and each worker answers them before anything new (a slow page's would otherwise show up
    in the next run's latencies). Two requests in a row: by the second answer, both workers got past them."""
    import requests

    for _ in range(2):
        requests.get(f"{url}{BARE_PATH}", timeout=60)


def worker_rss_mb(master: int) -> list[float]:
    """VmRSS of each of gunicorn's workers (the master's children), in MB."""
    sizes = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # pid (comm) state ppid ...: comm may hold spaces and brackets, so split after its last ")".
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if ppid != master:
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        kb = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        if kb:
            sizes.append(int(kb.group(1)) / 1024)
    return sorted(sizes)


# Report -----------------------------------------------------------------------------------------------------


def machine() -> str:
    import django

    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        model = f", {found.group(1).strip()}" if found else ""
    return (
        f"{os.cpu_count()} cores ({platform.machine()}{model}), Linux {platform.release()}, "
        f"Python {platform.python_version()}, Django {django.get_version()}"
    )


def print_report(args, setup: dict, results: list[Result], bare_runs: list[Run]) -> None:
    from django.conf import settings

    bare_rps = [run.rps for run in bare_runs]
    bare_p99 = [run.percentiles_ms[99] for run in bare_runs]
    print()
    print(f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Machine: {machine()}.")
    print(f"Database: {setup['database']}; cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}.")
    print(f"Catalogue: {setup['catalogue']}. Long course: {setup['long course']}.")
    load = [" / ".join(f"{value:.2f}" for value in setup[moment]) for moment in ("load before", "load after")]
    print(f"Load average (1 / 5 / 15 min) before measuring: {load[0]}; after: {load[1]}.")
    print(
        f"gunicorn: {WORKERS} sync workers (bench.wsgi, bench.settings, DEBUG off); "
        f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s --latency, one run per page, "
        f"the bare view run before the first page and after each."
    )
    print()
    print("| page | req/s | bare req/s | ratio | p50 ms | p90 ms | p99 ms | queries | bytes |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| bare Django view, no middleware ({len(bare_runs)} runs, median) | {statistics.median(bare_rps):.0f} | "
        f"| 1.0 | {statistics.median(run.percentiles_ms[50] for run in bare_runs):.1f} "
        f"| {statistics.median(run.percentiles_ms[90] for run in bare_runs):.1f} "
        f"| {statistics.median(bare_p99):.1f} | {setup['bare queries']} | 5 |"
    )
    for result in results:
        run = result.run
        assert run is not None and result.bare_rps
        print(
            f"| {result.target.label} | {run.rps:.0f} | {result.bare_rps:.0f} | {result.bare_rps / run.rps:.1f} "
            f"| {run.percentiles_ms[50]:.1f} | {run.percentiles_ms[90]:.1f} | {run.percentiles_ms[99]:.1f} "
            f"| {result.queries} | {result.size:,} |"
        )
    print()
    print(
        "ratio: the bare view's req/s (mean of its runs just before and after) ÷ the page's, what one request "
        "costs in bare-view requests."
    )
    print(
        f"Bare view over its {len(bare_runs)} runs: req/s min {min(bare_rps):.0f}, median "
        f"{statistics.median(bare_rps):.0f}, max {max(bare_rps):.0f}; p99 ms min {min(bare_p99):.1f}, "
        f"max {max(bare_p99):.1f}."
    )
    print(
        "RSS per gunicorn worker: after warm-up "
        + ", ".join(f"{mb:.0f} MB" for mb in setup["rss_warm"])
        + "; after the run "
        + ", ".join(f"{mb:.0f} MB" for mb in setup["rss_end"])
        + "."
    )
    failed = [(result.target.label, result.run.errors) for result in results if result.run and result.run.errors] + [
        ("bare view", run.errors) for run in bare_runs if run.errors
    ]
    if failed:
        print("ERRORS (non-2xx/3xx answers or socket errors): " + ", ".join(f"{name}: {n}" for name, n in failed))


if __name__ == "__main__":
    main()
