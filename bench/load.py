"""Load test of the whole site on the production stack: learners, trainers and admins at once (make bench-load).

    .venv/bin/pip install -r bench/requirements.txt      # once: locust, a benchmark-only dependency
    .venv/bin/python bench/load.py [--learners 200] [--trainers 20] [--admins 2] [--seconds 60]
                                   [--spawn-rate 4] [--workers 2] [--threads 4] [--keep-running] [--reuse]

Starts a production stack of its own with deploy/prod-local (nginx with TLS, gunicorn, one Celery worker
per queue and beat, its own Redis, a MariaDB database of its own; var/bench-load/, ports 8643/8280/8201/6382,
database lw_bench_load), seeds it (the demo, then courses with quizzes, trainers whose courses hold
submitted essays to grade, learners with progress, admins), and runs locust headless through nginx over
HTTPS: --learners SiteLearner, --trainers SiteTrainer and --admins SiteAdmin users of bench/locustfile.py,
each clicking with --think seconds of think time (5-15). Users start at --spawn-rate a second; once all have started it
measures --seconds of steady state, then prints a table per request, throughput and latency, and where the
time goes (client, nginx, waiting for gunicorn, gunicorn; CPU per process group; Celery tasks). Then it
stops the stack (--keep-running leaves it up; --reuse starts again on the data a kept stack left).

Exit status 1 when any request failed (ramp-up included) or the steady state's p95 is --slo-ms (250) or more.
bench/README.md says how to read the report and records the figures measured.
"""

import sys
from pathlib import Path

# Run as a script, Python puts bench/ first on sys.path: the project's root goes there too, for bench.*.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import json
import os
import random
import re
import shlex
import shutil
import statistics
import subprocess
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from bench.common import argument_parser, nearest_rank, print_table, progress

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
STACK_DIR = ROOT / "var" / "bench-load"
HTTPS_PORT = 8643
DB_NAME = "lw_bench_load"
STACK_ENV = {
    "LW_STACK_DIR": str(STACK_DIR),
    "LW_STACK_HTTPS_PORT": str(HTTPS_PORT),
    "LW_STACK_HTTP_PORT": "8280",
    "LW_STACK_WEB_PORT": "8201",
    "LW_STACK_REDIS_PORT": "6382",
    "LW_STACK_DB_NAME": DB_NAME,
    "LW_STACK_SEED": "1",  # the demo: courses with media, assessments, the demo accounts and a year of history
    "LW_STACK_EXTRA_ENV": str(STACK_DIR / "extra.env"),
}
HOST = f"https://localhost:{HTTPS_PORT}"
SEEDED_MARK = STACK_DIR / ".bench-seeded"
USER_CLASSES = ["SiteLearner", "SiteTrainer", "SiteAdmin"]
ROLES = ["learner", "trainer", "admin"]


def main() -> int:
    parser = argument_parser(__doc__)
    parser.add_argument("--learners", type=int, default=200, help="simulated learners (accounts seeded to match)")
    parser.add_argument("--trainers", type=int, default=20, help="simulated trainers, each with their own courses")
    parser.add_argument("--admins", type=int, default=2, help="simulated admins")
    parser.add_argument("--courses", type=int, default=40, help="courses added to the demo's, 3 modules x 4 lessons")
    parser.add_argument("--essays", type=int, default=12, help="submitted attempts seeded per course quiz")
    parser.add_argument(
        "--think", default="5-15", help="think time between a person's clicks, seconds MIN-MAX (uniform); 1-5 stresses"
    )
    parser.add_argument("--seconds", type=int, default=60, help="steady state measured once every user started")
    parser.add_argument("--spawn-rate", type=float, default=2, help="users started per second during the ramp-up")
    parser.add_argument(
        "--settle", type=int, default=30, help="seconds after the last user started before the steady state begins"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (WEB_CONCURRENCY)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (GUNICORN_THREADS)")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="more environment for the stack's processes, e.g. GUNICORN_CMD_ARGS='--max-requests 10000'",
    )
    parser.add_argument("--slo-ms", type=float, default=250, help="the service level: p95 below this")
    parser.add_argument("--keep-running", action="store_true", help="leave the stack running afterwards")
    parser.add_argument("--reuse", action="store_true", help="use the stack and data a --keep-running run left")
    args = parser.parse_args()
    if shutil.which("locust", path=str(VENV_BIN)) is None:
        sys.exit(f"locust is not installed in {VENV_BIN.parent}: {VENV_BIN}/pip install -r bench/requirements.txt")

    load_at_start = os.getloadavg()
    if not (args.reuse and SEEDED_MARK.exists()):
        fresh_stack()
    STACK_DIR.mkdir(parents=True, exist_ok=True)
    # Read by gunicorn's config (deploy/gunicorn.conf.py) when the stack starts.
    extra = [f"WEB_CONCURRENCY={args.workers}", f"GUNICORN_THREADS={args.threads}", *args.env]
    # deploy/prod-local sources these lines in bash: quoted, a value may hold spaces.
    lines = [f"{key}={shlex.quote(value)}\n" for key, _, value in (line.partition("=") for line in extra)]
    (STACK_DIR / "extra.env").write_text("".join(lines))
    try:
        progress("Starting the stack (deploy/prod-local; the first start migrates and loads the demo)...")
        stack("stop")  # a kept stack restarts with this run's gunicorn size
        stack("start")
        environment = stack_environment()
        plan_path = STACK_DIR / "plan.json"
        plan, costs = prepare(args, environment)
        plan_path.write_text(json.dumps(plan))
        result = run_locust(args, plan_path)
        report = Report.build(args, result, load_at_start, costs)
        report.print()
    finally:
        if args.keep_running:
            progress(f"The stack keeps running: {HOST}/ (stop it with: {stop_command()})")
        else:
            stack("stop")
    return 0 if report.passed else 1


# The stack --------------------------------------------------------------------------------------------------


def stack(*arguments: str, capture: bool = False) -> str:
    completed = subprocess.run(  # noqa: S603 (our own command line)
        [str(ROOT / "deploy" / "prod-local"), *arguments],
        cwd=ROOT,
        env={**os.environ, **STACK_ENV},
        check=False,
        text=True,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
    )
    if completed.returncode != 0 and arguments[0] != "stop":
        sys.exit(
            f"deploy/prod-local {' '.join(arguments)} failed (exit {completed.returncode}); logs in {STACK_DIR}/logs"
        )
    return completed.stdout or ""


def stop_command() -> str:
    variables = " ".join(f"{key}={value}" for key, value in STACK_ENV.items())
    return f"{variables} deploy/prod-local stop"


def stack_environment() -> dict[str, str]:
    lines = stack("env", capture=True).splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def fresh_stack() -> None:
    """A new directory and an empty database: every run starts from the same data."""
    if STACK_DIR.exists():
        stack("stop")
        shutil.rmtree(STACK_DIR)
    subprocess.run(  # noqa: S603 (our own command line)
        [  # noqa: S607 (Debian's client, as deploy/prod-local runs it)
            "mariadb",
            "--no-defaults",
            "--host=127.0.0.1",
            "--port=3306",
            "--user=root",
            "-e",
            f"DROP DATABASE IF EXISTS `{DB_NAME}`",
        ],
        check=True,
    )


# Seeding and the plan -----------------------------------------------------------------------------------------


def prepare(args, environment: dict[str, str]) -> tuple[dict, dict[str, tuple[int, float]]]:
    """Seeds what the scenario needs (once per stack); returns the plan the locust users read and what each of
    their requests costs alone (profile_requests)."""
    os.environ.update(environment)  # the stack's settings, database and Redis
    os.environ["LOG_LEVEL"] = "WARNING"  # not a JSON line for every page the seeding publishes
    import django

    django.setup()
    from django.db import connections

    try:
        if not SEEDED_MARK.exists():
            started = time.perf_counter()
            counts = seed(
                learners=args.learners,
                trainers=args.trainers,
                admins=args.admins,
                courses=args.courses,
                essays=args.essays,
            )
            progress(f"Seeded {counts} in {time.perf_counter() - started:.0f} s")
            SEEDED_MARK.touch()
        plan = build_plan()
        progress("Measuring each request alone (queries, time in this process)...")
        return plan, profile_requests(plan["site"])
    finally:
        connections.close_all()


def seed(*, learners: int, trainers: int, admins: int, courses: int, essays: int) -> dict[str, int]:
    from bench.common import refresh_statistics
    from bench.seed import seed_catalogue, seed_learners, seed_quizzes, seed_staff, seed_submitted_attempts
    from courses.models import CoursePage
    from lms_site import page_cache

    demo = CoursePage.objects.live().count()
    trainer_rows, _ = seed_staff(trainers=trainers, admins=admins)
    seed_catalogue(courses=demo + courses, trainers=trainers, modules_per_course=3, lessons_per_module=4)
    taught = list(CoursePage.objects.filter(trainer__in=trainer_rows).order_by("path"))
    quizzes = seed_quizzes(courses=taught)
    seeded = seed_learners(learners=learners)
    attempts = seed_submitted_attempts(per_quiz=essays)
    refresh_statistics()
    page_cache.invalidate()  # pages were added without publishing: visitors' cached pages must not miss them
    return {
        "courses": CoursePage.objects.live().count(),
        "quizzes": quizzes,
        "learners": seeded.learners,
        "enrollments": seeded.enrollments,
        "submitted attempts": attempts,
    }


def build_plan() -> dict:
    """The accounts, courses, lessons and quizzes the locust users need (bench/locustfile.py, "site")."""
    from urllib.parse import urlsplit

    from accounts.models import User
    from assessments.models import AssessmentPage
    from bench.seed import ADMIN_USERNAME, LEARNER_USERNAME, QUIZ_SLUG, STAFF_PASSWORD
    from courses.models import CoursePage
    from learning import selectors
    from learning.models import STUDYING_STATUSES, Enrollment

    def path(page) -> str:
        return urlsplit(page.get_url()).path

    quizzes = {quiz.get_parent().pk: quiz for quiz in AssessmentPage.objects.live().filter(slug=QUIZ_SLUG)}
    courses = {}
    for course in CoursePage.objects.live().order_by("path"):
        quiz = quizzes.get(course.pk)
        courses[str(course.pk)] = {
            "url": path(course),
            "free": course.is_free,
            "lessons": [[lesson.pk, path(lesson)] for lesson in selectors.live_lessons(course=course)],
            "quiz": [quiz.pk, path(quiz)] if quiz else None,
        }
    studying: dict[int, list[int]] = defaultdict(list)
    enrollments = Enrollment.objects.filter(
        user__username__startswith=LEARNER_USERNAME.format(""), status__in=STUDYING_STATUSES
    ).values_list("user_id", "course_id")
    for user_id, course_id in enrollments:
        studying[user_id].append(course_id)
    learners = User.objects.filter(username__startswith=LEARNER_USERNAME.format("")).order_by("pk")
    trainers = User.objects.filter(username__startswith="bench-trainer-").order_by("pk")
    teaching: dict[int, list[int]] = defaultdict(list)
    for course_id, trainer_id in CoursePage.objects.filter(trainer__in=trainers).values_list("pk", "trainer_id"):
        teaching[trainer_id].append(course_id)
    admins = User.objects.filter(username__startswith=ADMIN_USERNAME.format("")).order_by("pk")
    return {
        "site": {
            "password": STAFF_PASSWORD,
            "courses": courses,
            "learners": [{"username": user.username, "courses": studying[user.pk]} for user in learners],
            "trainers": [
                {"username": user.username, "courses": teaching[user.pk]} for user in trainers if teaching[user.pk]
            ],
            "admins": [user.username for user in admins],
        }
    }


# Each request alone ----------------------------------------------------------------------------------------

PROFILE_REPEAT = 5  # measured requests of each kind, after one that warms this process's caches


def profile_requests(site: dict) -> dict[str, tuple[int, float]]:
    """Request name -> (SQL queries, median ms) of each kind of request the locust users send, made one at a
    time with Django's test client in this process, against the stack's database and Redis: what one request
    costs a gunicorn thread when nothing else runs (mostly CPU), to set against the time it took under load.
    The demo learner (not one of the simulated ones) enrols, reads, completes and takes quizzes; the first
    bench trainer grades essays; the first bench admin opens the reports."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from bench import pages

    measured: dict[str, list[tuple[int, float]]] = defaultdict(list)
    defaults = {"HTTP_HOST": f"localhost:{HTTPS_PORT}", "HTTP_X_FORWARDED_PROTO": "https"}
    htmx = {"HTTP_HX_REQUEST": "true"}

    def call(client, method: str, name: str, url: str, data=None, expect: int = 200, **headers):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            response = getattr(client, method)(url, data or {}, **headers)
            elapsed = (time.perf_counter() - began) * 1000
        if response.status_code != expect:
            raise RuntimeError(f"{method.upper()} {url} answered {response.status_code}, not {expect}")
        measured[name].append((len(queries), elapsed))
        return response.content.decode()

    def repeat(function) -> None:
        for _ in range(PROFILE_REPEAT + 1):
            function()

    courses = site["courses"]
    free = [course_id for course_id, course in courses.items() if course["free"] and course["quiz"]]
    visitor = Client(**defaults)
    repeat(lambda: call(visitor, "get", "home", "/"))
    repeat(lambda: call(visitor, "get", "catalogue", "/courses/"))
    repeat(lambda: call(visitor, "get", "catalogue search (htmx)", "/courses/?q=python", **htmx))
    repeat(lambda: call(visitor, "get", "course page", courses[free[0]]["url"]))
    repeat(lambda: call(visitor, "get", "sign-in form", "/accounts/sign-in/"))
    demo_learner = {"username": "learner", "password": "learnwell-learner"}  # accounts/demo.py
    repeat(lambda: call(Client(**defaults), "post", "sign-in", "/accounts/sign-in/", demo_learner, expect=302))

    learner = Client(**defaults)
    learner.force_login(User.objects.get(username="learner"))
    for course_id in free[: PROFILE_REPEAT + 1]:
        course = courses[course_id]
        call(learner, "get", "course page (signed in)", course["url"])
        call(learner, "post", "enrol (htmx)", f"/learning/courses/{course_id}/enrol/", **htmx)
    lessons = [lesson for course_id in free[: PROFILE_REPEAT + 1] for lesson in courses[course_id]["lessons"]]
    for (lesson_id, url), (_, next_url) in zip(lessons, lessons[1:], strict=False):
        if len(measured["mark complete (htmx)"]) > PROFILE_REPEAT:
            break
        call(learner, "get", "lesson page", url)
        call(learner, "post", "mark complete (htmx)", f"/learning/lessons/{lesson_id}/complete/", **htmx)
        call(
            learner, "get", "lesson page (htmx)", next_url, HTTP_HX_BOOSTED="true", HTTP_HX_TARGET="lesson-swap", **htmx
        )
    repeat(lambda: call(learner, "get", "learner dashboard", "/learning/"))
    rng = random.Random(1)
    for course_id in free[: PROFILE_REPEAT + 1]:
        quiz_id, quiz_url = courses[course_id]["quiz"]
        call(learner, "get", "quiz page", quiz_url)
        call(learner, "post", "quiz start", f"/assessments/{quiz_id}/start/", expect=302)
        page = call(learner, "get", "quiz page (open attempt)", quiz_url)
        for question in pages.quiz_questions(page):
            data: dict[str, list[str]] = defaultdict(list)
            for key, value in question.answer(rng):
                data[key].append(value)
            call(learner, "post", "quiz answer (htmx)", question.action, data, **htmx)
        call(learner, "post", "quiz submit", pages.quiz_submit_action(page), expect=302)

    trainer_account = site["trainers"][0]
    trainer = Client(**defaults)
    trainer.force_login(User.objects.get(username=trainer_account["username"]))
    taught = trainer_account["courses"][0]
    repeat(lambda: call(trainer, "get", "trainer: teaching", "/learning/teaching/"))
    repeat(lambda: call(trainer, "get", "trainer: gradebook", f"/assessments/courses/{taught}/gradebook/"))
    repeat(lambda: call(trainer, "get", "trainer: roster", f"/learning/courses/{taught}/learners/"))
    for _ in range(PROFILE_REPEAT + 1):
        queue = call(trainer, "get", "trainer: grading queue", f"/assessments/courses/{taught}/grading/")
        form = pages.grade_form(queue)
        if form is not None:
            grade = {"question_id": form.question_id, "score": "2", "comment": "Measured."}
            call(trainer, "post", "trainer: grade essay (htmx)", form.action, grade, **htmx)

    admin = Client(**defaults)
    admin.force_login(User.objects.get(username=site["admins"][0]))
    repeat(lambda: call(admin, "get", "admin: wagtail home", "/admin/"))
    repeat(lambda: call(admin, "get", "admin: analytics dashboard", "/admin/analytics/"))
    one_course = f"/admin/analytics/?course={free[0]}"
    repeat(lambda: call(admin, "get", "admin: analytics, one course (htmx)", one_course, **htmx))

    # The first of each kind warmed this process's caches (templates, the URL resolver, Wagtail's site).
    return {name: (runs[-1][0], statistics.median(ms for _, ms in runs[1:] or runs)) for name, runs in measured.items()}


# Running locust, watching CPU ---------------------------------------------------------------------------------


@dataclass
class Run:
    records: list[list]  # name, role, start (epoch s), ms, bytes, failure or None, request id
    started: float  # locust started
    steady_started: float | None  # every user had started
    steady_ended: float | None  # locust was told to stop
    cpu: list[tuple[float, dict[str, float]]]  # (time, CPU seconds so far per process group)
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    locust_exit: int


def run_locust(args, plan_path: Path) -> Run:
    records_path = STACK_DIR / "records.json"
    records_path.unlink(missing_ok=True)
    users = args.learners + args.trainers + args.admins
    ramp = users / args.spawn_rate
    command = [
        str(VENV_BIN / "locust"),
        "-f", str(ROOT / "bench" / "locustfile.py"),
        "--headless", "--only-summary",
        "--users", str(users),
        "--spawn-rate", str(args.spawn_rate),
        # An upper bound only: the locustfile stops --seconds after the last user started.
        "--run-time", f"{int(ramp * 3 + args.settle + args.seconds + 120)}s",
        "--stop-timeout", "5",
        "--host", HOST,
        *USER_CLASSES,
    ]  # fmt: skip
    env = {
        **os.environ,
        "BENCH_PLAN": str(plan_path),
        "BENCH_RECORDS": str(records_path),
        "BENCH_STEADY_SECONDS": str(args.seconds),
        "BENCH_SETTLE_SECONDS": str(args.settle),
        "BENCH_THINK": args.think,
        "BENCH_TRAINER_USERS": str(args.trainers),
        "BENCH_ADMIN_USERS": str(args.admins),
    }
    load_before = os.getloadavg()
    progress(
        f"Load average before the run: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}. "
        f"locust: {users} users, {args.spawn_rate:g} started a second (about {ramp:.0f} s), {args.settle} s to "
        f"settle, then {args.seconds} s..."
    )
    started = time.time()
    with open(STACK_DIR / "logs" / "locust.log", "w") as log:
        process = subprocess.Popen(  # noqa: S603 (our own command line)
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        sampler = CpuSampler(locust_pid=process.pid)
        sampler.start()
        exit_code = process.wait()
        sampler.stop()
    (STACK_DIR / "cpu.json").write_text(json.dumps(sampler.samples))
    if not records_path.exists():
        sys.exit(f"locust wrote no records (exit {exit_code}): see {STACK_DIR}/logs/locust.log")
    data = json.loads(records_path.read_text())
    return Run(
        records=data["requests"],
        started=started,
        steady_started=data["steady_started"],
        steady_ended=data["steady_ended"],
        cpu=sampler.samples,
        load_before=load_before,
        load_after=os.getloadavg(),
        locust_exit=exit_code,
    )


GUNICORN_PROCESS = "gunicorn process "


class CpuSampler(threading.Thread):
    """CPU seconds used so far by each part of the stack, once a second: the report takes the difference over
    the steady state. A process that exits keeps the last figure read (gunicorn replaces each worker after
    about 1,000 requests, deploy/gunicorn.conf.py), so a group's total never goes back. MariaDB is the
    machine's server on port 3306, shared with anything else that uses it."""

    GROUPS = {
        "gunicorn": ["gunicorn.pid"],
        "celery workers + beat": ["worker-default.pid", "worker-documents.pid", "worker-email.pid", "beat.pid"],
        "nginx": ["nginx.pid"],
        "redis (the stack's)": ["redis.pid"],
    }

    def __init__(self, *, locust_pid: int):
        super().__init__(daemon=True)
        self.roots = {
            group: [pid_from(STACK_DIR / "run" / name) for name in files] for group, files in self.GROUPS.items()
        }
        self.roots["locust"] = [locust_pid]
        self.roots["mariadb (machine's, shared)"] = [listening_pid(3306)]
        self.seen: dict[str, dict[int, float]] = defaultdict(dict)  # group -> pid -> CPU seconds last read
        self.samples: list[tuple[float, dict[str, float]]] = []
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()
        self.join()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.samples.append((time.time(), self.sample()))
            self._stop_event.wait(1)

    def sample(self) -> dict[str, float]:
        import psutil

        used: dict[str, float] = {}
        for group, roots in self.roots.items():
            for root in roots:
                for process in tree(root):
                    cpu = cpu_of(process)
                    if cpu:
                        self.seen[group][process.pid] = cpu
            used[group] = sum(self.seen[group].values())
        times = psutil.cpu_times()
        busy = ("user", "nice", "system", "irq", "softirq")
        used["machine, all processes"] = sum(getattr(times, field, 0.0) for field in busy)
        # A virtual machine's cores may be busy with other guests: the time it waited for them.
        used["stolen by the hypervisor"] = getattr(times, "steal", 0.0)
        # Each gunicorn process apart: two workers far apart mean the connections went mostly to one.
        for pid, cpu in self.seen["gunicorn"].items():
            used[f"{GUNICORN_PROCESS}{pid}"] = cpu
        return used


def pid_from(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def listening_pid(port: int) -> int | None:
    import psutil

    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.Error:
        return None
    return next((c.pid for c in connections if c.status == "LISTEN" and c.laddr and c.laddr.port == port), None)


def tree(pid: int | None) -> list:
    import psutil

    if pid is None:
        return []
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def cpu_of(process) -> float:
    import psutil

    try:
        times = process.cpu_times()
    except psutil.Error:
        return 0.0
    return times.user + times.system


# The report ---------------------------------------------------------------------------------------------------

NGINX_LINE = re.compile(r'\[(\S+)\] "(\S+) (\S+) [^"]*" (\d{3}) \d+ rt=([\d.]+) urt=(\S+) rid=(\S+)')
GUNICORN_LINE = re.compile(r'" (\d{3}) \S+ (\d+)ms rid=(\S+)')
TASK_DONE = re.compile(r"Task ([\w.]+)\[[0-9a-f-]+\] succeeded in ([\d.e-]+)s")
TASK_FAILED = re.compile(r"Task ([\w.]+)\[[0-9a-f-]+\] (?:raised|failed)")


@dataclass
class Report:
    args: object
    run: Run
    load_at_start: tuple[float, float, float]
    steady: list[list]
    ramp: list[list]
    costs: dict[str, tuple[int, float]]  # profile_requests
    passed: bool = False

    @classmethod
    def build(cls, args, run: Run, load_at_start, costs: dict[str, tuple[int, float]]) -> "Report":
        # Requests started during the steady state; those users were still finishing when locust stopped them
        # count neither there nor in the ramp-up.
        start, end = run.steady_started or float("inf"), run.steady_ended or float("inf")
        steady = [record for record in run.records if start <= record[2] <= end]
        ramp = [record for record in run.records if record[2] < start]
        report = cls(args=args, run=run, load_at_start=load_at_start, steady=steady, ramp=ramp, costs=costs)
        failures = sum(1 for record in run.records if record[5])
        times = [record[3] for record in steady if not record[5]]
        report.passed = bool(times) and failures == 0 and nearest_rank(times, 95) < args.slo_ms
        return report

    # Locust's request names whose cost alone was measured under another name.
    PROFILED_AS = {"course page": "course page (signed in)"}

    def cost(self, name: str) -> tuple[int | None, float | None]:
        queries, ms = self.costs.get(self.PROFILED_AS.get(name, name), (None, None))
        return queries, ms

    @property
    def window(self) -> float:
        if self.run.steady_started is None or self.run.steady_ended is None:
            return float("nan")
        return self.run.steady_ended - self.run.steady_started

    def print(self) -> None:
        args, run = self.args, self.run
        print()
        print(
            f"Load test of the production stack, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}, commit {commit()}"
        )
        print(
            f"{args.learners} learners + {args.trainers} trainers + {args.admins} admins, think time {args.think} s, "
            f"through nginx (TLS) -> gunicorn {args.workers} workers x {args.threads} threads -> MariaDB + Redis; "
            "Celery: one worker per queue (default 2 processes, documents 1, email 2) and beat"
            + (f"; environment: {' '.join(args.env)}" if args.env else "")
        )
        print(
            f"Load average: {fmt_load(self.load_at_start)} before starting the stack, {fmt_load(run.load_before)} "
            f"before the run, {fmt_load(run.load_after)} after"
        )
        if run.steady_started is None or run.steady_ended is None:
            print("\nThe users never all started: no steady state. See var/bench-load/logs/locust.log.")
            self.print_failures(run.records)
            return
        print(
            f"Ramp-up: {run.steady_started - run.started:.0f} s (locust's start included), {len(self.ramp)} requests; "
            f"steady state: {self.window:.0f} s once every user had started"
        )
        print()
        print("Steady state, per request (ms; client side, locust over TLS through nginx; nearest-rank percentiles)")
        self.print_requests(self.steady)
        times = [record[3] for record in self.steady if not record[5]]
        all_failures = sum(1 for record in run.records if record[5])
        p95 = nearest_rank(times, 95) if times else float("nan")
        print()
        print(
            f"Throughput: {len(self.steady) / self.window:.1f} requests/s over {self.window:.0f} s "
            f"({len(self.steady)} requests); p50 {nearest_rank(times, 50):.0f} ms, p95 {p95:.0f} ms, "
            f"p99 {nearest_rank(times, 99):.0f} ms; failures: {all_failures} of {len(run.records)} (ramp-up included)"
        )
        verdict = "MET" if self.passed else "MISSED"
        print(f"Service level (no failures, p95 < {args.slo_ms:.0f} ms): {verdict}")
        if self.ramp:
            ramp_times = [record[3] for record in self.ramp if not record[5]]
            print(
                f"Ramp-up (not in the figures above): {len(self.ramp)} requests, "
                f"p50 {nearest_rank(ramp_times, 50):.0f} ms, p95 {nearest_rank(ramp_times, 95):.0f} ms"
            )
        self.print_failures(run.records)
        print()
        self.print_where_the_time_goes()

    def print_requests(self, records: list[list]) -> None:
        by_name: dict[str, list[list]] = defaultdict(list)
        for record in records:
            by_name[record[0]].append(record)
        rows = []
        for name, group in sorted(by_name.items(), key=lambda item: -len(item[1])):
            times = [record[3] for record in group if not record[5]] or [float("nan")]
            rows.append(
                [
                    name,
                    len(group),
                    sum(1 for record in group if record[5]),
                    f"{nearest_rank(times, 50):.0f}",
                    f"{nearest_rank(times, 95):.0f}",
                    f"{nearest_rank(times, 99):.0f}",
                    f"{len(group) / self.window:.2f}",
                    f"{statistics.mean(record[4] for record in group) / 1024:.0f}",
                ]
            )
        columns = [
            ("request", 36),
            ("count", 5),
            ("fail", 4),
            ("p50", 5),
            ("p95", 5),
            ("p99", 5),
            ("req/s", 6),
            ("KB", 4),
        ]
        print_table(columns, rows)

    def print_failures(self, records: list[list]) -> None:
        failures = Counter((record[0], record[5]) for record in records if record[5])
        if failures:
            print("Failures:")
            for (name, message), count in failures.most_common(10):
                print(f"  {count:4d} x {name}: {message}")

    def print_where_the_time_goes(self) -> None:
        print("Where the time goes")
        print()
        ok = [record for record in self.steady if not record[5]]
        total = sum(record[3] for record in ok) or 1.0
        by_name: dict[str, list[list]] = defaultdict(list)
        for record in ok:
            by_name[record[0]].append(record)
        nginx = read_nginx_log()
        gunicorn = read_gunicorn_log()
        rows = []
        for name, group in sorted(by_name.items(), key=lambda item: -sum(record[3] for record in item[1])):
            spent = sum(record[3] for record in group)
            outside, queued, django = [], [], []
            for record in group:
                line, ms = nginx.get(record[6]), gunicorn.get(record[6])
                if line is None or line[1] is None or ms is None:
                    continue
                outside.append(record[3] - line[1])
                queued.append(line[1] - ms)
                django.append(ms)
            queries, alone = self.cost(name)
            rows.append(
                [
                    name,
                    f"{spent / 1000:.1f}",
                    f"{spent / total:.0%}",
                    *percentiles([record[3] for record in group]),
                    *percentiles(outside),
                    *percentiles(queued),
                    *percentiles(django),
                    "-" if alone is None else f"{alone:.0f}",
                    "-" if queries is None else queries,
                ]
            )
        print("Requests by total time spent (steady state; p50 / p95 in ms of each part, joined on the request id):")
        columns = [("request", 36), ("total s", 7), ("share", 5), ("client", 11), ("nginx+TLS", 11)]
        columns += [("queued", 11), ("django", 11), ("alone", 5), ("queries", 7)]
        print_table(columns, rows)
        print(
            "  client: locust's time for the request. nginx+TLS: client minus gunicorn's answer time as nginx saw it\n"
            "  (TLS, nginx, locust's own delays). queued: gunicorn's answer time as nginx saw it minus gunicorn's\n"
            "  own time: waiting for a free gunicorn thread. django: gunicorn's time for the request (its access\n"
            "  log), which includes waiting for the CPU and, with several threads per worker, for Python's GIL.\n"
            "  alone, queries: the median ms and the SQL queries of the same request made one at a time in one\n"
            "  process before the run (Django's test client, same database and Redis)."
        )
        needed = sum(self.cost(record[0])[1] or 0.0 for record in ok) / 1000 / self.window
        print(
            f"  At those costs alone, the steady state's requests needed {needed:.2f} cores of gunicorn "
            f"({len(ok) / self.window:.1f} requests/s)."
        )
        print()
        self.print_cpu()
        print()
        self.print_tasks()

    def print_cpu(self) -> None:
        samples = self.run.cpu
        start, end = self.run.steady_started, self.run.steady_ended
        if not samples or start is None or end is None:
            return
        first = min(samples, key=lambda sample: abs(sample[0] - start))
        last = min(samples, key=lambda sample: abs(sample[0] - end))
        seconds = last[0] - first[0]
        if seconds <= 0:
            return
        cores = os.cpu_count() or 1
        print(f"CPU during the steady state ({seconds:.0f} s; {cores} cores = {cores * 100}%):")
        rows, processes = [], []
        for group, used in last[1].items():
            share = (used - first[1].get(group, 0.0)) / seconds
            if group.startswith(GUNICORN_PROCESS):
                processes.append(share)
            else:
                rows.append([group, f"{share:.0%}"])
        print_table([("process group", 30), ("CPU", 6)], rows)
        busy = sorted((share for share in processes if share >= 0.005), reverse=True)
        shares = ", ".join(f"{share:.0%}" for share in busy)
        print(f"gunicorn's processes (master, workers, workers replaced during the run): {shares}")

    def print_tasks(self) -> None:
        start, end = self.run.steady_started, self.run.steady_ended
        done: dict[str, list[float]] = defaultdict(list)
        failed: Counter[str] = Counter()
        for path in sorted((STACK_DIR / "logs").glob("worker-*.log")):
            for line in path.read_text(errors="replace").splitlines():
                when = log_time(line)
                if when is None or start is None or not start <= when <= end:
                    continue
                if found := TASK_DONE.search(line):
                    done[found.group(1)].append(float(found.group(2)))
                elif found := TASK_FAILED.search(line):
                    failed[found.group(1)] += 1
        if not done and not failed:
            print("Celery: no task ran during the steady state.")
            return
        print("Celery tasks finished during the steady state:")
        rows = [
            [name, len(runs), failed.get(name, 0), f"{sum(runs):.2f}", f"{statistics.median(runs) * 1000:.0f}"]
            for name, runs in sorted(done.items(), key=lambda item: -len(item[1]))
        ]
        rows += [[name, 0, count, "-", "-"] for name, count in failed.items() if name not in done]
        print_table([("task", 52), ("done", 5), ("failed", 6), ("total s", 7), ("median ms", 9)], rows)


def percentiles(values: list[float]) -> list[str]:
    """p50 and p95 as one column, "p50 / p95"."""
    if not values:
        return ["-"]
    return [f"{nearest_rank(values, 50):.0f} / {nearest_rank(values, 95):.0f}"]


def read_nginx_log() -> dict[str, tuple[float, float | None]]:
    """request id -> (nginx's request time, gunicorn's response time as nginx saw it), in ms."""
    lines: dict[str, tuple[float, float | None]] = {}
    path = STACK_DIR / "logs" / "nginx-access.log"
    for line in path.read_text(errors="replace").splitlines() if path.exists() else []:
        found = NGINX_LINE.search(line)
        if found:
            upstream = found.group(6)
            lines[found.group(7)] = (
                float(found.group(5)) * 1000,
                float(upstream) * 1000 if re.fullmatch(r"[\d.]+", upstream) else None,
            )
    return lines


def read_gunicorn_log() -> dict[str, float]:
    """request id -> gunicorn's time for the request, in ms."""
    times: dict[str, float] = {}
    path = STACK_DIR / "logs" / "gunicorn-access.log"
    for line in path.read_text(errors="replace").splitlines() if path.exists() else []:
        found = GUNICORN_LINE.search(line)
        if found:
            times[found.group(3)] = float(found.group(2))
    return times


def log_time(line: str) -> float | None:
    """The time of a JSON log line of the stack's processes (LOG_FORMAT=json), as epoch seconds."""
    if not line.startswith("{"):
        return None
    try:
        stamp = json.loads(line).get("time", "")
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except (ValueError, AttributeError):
        return None


def fmt_load(load: tuple[float, float, float]) -> str:
    return " ".join(f"{value:.2f}" for value in load)


def machine() -> str:
    import psutil

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    return f"{os.cpu_count()} cores ({model}), {psutil.virtual_memory().total / 2**30:.0f} GiB RAM"


def commit() -> str:
    def git(*arguments: str) -> str:
        command = ["git", *arguments]
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()  # noqa: S603

    dirty = git("status", "--porcelain", "--untracked-files=no")
    return (git("rev-parse", "--short", "HEAD") or "unknown") + (" (with uncommitted changes)" if dirty else "")


if __name__ == "__main__":
    sys.exit(main())
