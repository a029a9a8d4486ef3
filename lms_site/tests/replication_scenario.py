"""What the site reads from a real MariaDB replica, one phase at a time (run by test_replication.py).

    DATABASE_URL=<primary> DATABASE_REPLICA_URLS=<replica> python -m lms_site.tests.replication_scenario PHASE

Each phase prints one JSON line of what it saw; the test decides what that should be, and stops and starts
the replica's SQL thread between phases. The site is driven through Django's test client (each request its own
unit of work, as under gunicorn) and a Celery task run in-process (its own unit, as in a worker).
"""

import json
import logging
import sys
from contextlib import contextmanager
from datetime import timedelta

import django

ALPHA = "Alpha replication course"  # on the replica from the start
BETA = "Beta replication course"  # published while the replica's SQL thread is stopped
TITLES = (ALPHA, BETA)
REPLICA = "replica_1"


def main(phase: str) -> None:
    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host, e-mail in memory
    print(json.dumps(PHASES[phase]()))


# --- helpers ---------------------------------------------------------------------------------------------


def catalogue():
    from courses.models import CourseIndexPage

    return CourseIndexPage.objects.get(slug="courses")


def user(username: str):
    from accounts.models import User

    return User.objects.get(username=username)


def course(title: str):
    from courses.models import CoursePage

    return CoursePage.objects.get(title=title)


def titles_on_catalogue(client) -> list[str]:
    response = client.get(catalogue().url)
    assert response.status_code == 200, response.status_code
    return [title for title in TITLES if title in response.text]


def listed(courses) -> list[str]:
    return [title for title in TITLES if title in {course.title for course in courses}]


@contextmanager
def aliases_used():
    """The aliases of the connections that ran statements in the block."""
    from django.db import connections

    used: set[str] = set()

    def recorder(alias):
        def record(execute, sql, params, many, context):
            used.add(alias)
            return execute(sql, params, many, context)

        return record

    with connections["default"].execute_wrapper(recorder("primary")):
        if REPLICA in connections:
            with connections[REPLICA].execute_wrapper(recorder(REPLICA)):
                yield used
        else:
            yield used


def learners_in_report() -> tuple[dict[str, int], list[str]]:
    """Learners per course as the analytics report counts them, and where its statements ran."""
    from django.utils import timezone

    from analytics.kpis import build_report
    from analytics.report import Filters
    from lms_site.replicas import unit_of_work

    today, boss = timezone.localdate(), user("boss")
    with unit_of_work(), aliases_used() as used:
        report = build_report(filters=Filters(start=today - timedelta(days=30), end=today), viewer=boss)
    return {row["course"]: row["learners"] for row in report.tables[0].rows}, sorted(used)


def enrol_and_browse_task():
    from lms_site.celery import app

    @app.task(name="replication_scenario.enrol_and_browse")
    def enrol_and_browse(username: str, title: str) -> dict[str, list[str]]:
        """A task that reads the catalogue where a replica is allowed, enrols, and reads it again."""
        from courses.selectors import catalogue_courses
        from learning import services
        from lms_site.replicas import replica_reads

        with replica_reads():
            before = listed(catalogue_courses(catalogue=catalogue()))
        services.enroll(user=user(username), course=course(title))
        with replica_reads():
            after = listed(catalogue_courses(catalogue=catalogue()))
        return {"before": before, "after": after}

    return enrol_and_browse


# --- phases ----------------------------------------------------------------------------------------------


def setup() -> dict:
    """The catalogue, people, and one course with one learner; all of it replicated before the next phase."""
    from accounts.tests.factories import UserFactory
    from courses.models import CourseIndexPage
    from courses.tests.factories import make_course
    from home.models import HomePage
    from learning import services

    home = HomePage.objects.get()
    page = home.add_child(instance=CourseIndexPage(title="Courses", slug="courses"))
    page.save_revision().publish()
    trainer = UserFactory(username="trainer", role="trainer")
    UserFactory(username="boss", role="admin")
    for name in ("ann", "bob", "cat", "dan"):
        UserFactory(username=name)
    alpha = make_course(page, title=ALPHA, trainer=trainer, lessons_per_module=1)
    services.enroll(user=user("ann"), course=alpha)
    return {"catalogue_url": page.url}


def lagging() -> dict:
    """The replica's SQL thread is stopped: whatever this phase writes stays on the primary."""
    from django.db import connections
    from django.test import Client
    from django.urls import reverse

    from courses.tests.factories import make_course
    from learning import services
    from lms_site.replicas import PIN_COOKIE, unit_of_work

    seen: dict = {}
    with unit_of_work():  # an editor publishes, a learner enrols: on the primary only, for now
        make_course(catalogue(), title=BETA, trainer=user("trainer"), lessons_per_module=1)
        services.enroll(user=user("bob"), course=course(ALPHA))

    seen["visitor"] = titles_on_catalogue(Client())
    signed_in = Client()
    with unit_of_work():
        signed_in.force_login(user("ann"))
    seen["signed_in"] = titles_on_catalogue(signed_in)

    # Signing out deletes the session row: the browser, a visitor now, is pinned to the primary for a while.
    leaving = Client()
    with unit_of_work():
        leaving.force_login(user("cat"))
    signed_out = leaving.post(reverse("accounts:sign_out"))
    seen["pin_cookie"] = PIN_COOKIE in signed_out.cookies
    seen["visitor_after_signing_out"] = titles_on_catalogue(leaving)
    seen["another_visitor_meanwhile"] = titles_on_catalogue(Client())

    seen["task"] = enrol_and_browse_task().apply(args=["dan", BETA]).get()
    seen["report_learners"], seen["report_ran_on"] = learners_in_report()

    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("UPDATE auth_group SET name = name WHERE id < 0")
        seen["replica_write"] = "accepted"
    except Exception as error:  # the replica's user may only read
        seen["replica_write"] = type(error).__name__
    return seen


def caught_up() -> dict:
    """Replication has caught up: visitors and reports see what the primary has."""
    from django.test import Client

    seen: dict = {"visitor": titles_on_catalogue(Client())}
    seen["report_learners"], seen["report_ran_on"] = learners_in_report()
    return seen


def replica_down() -> dict:
    """DATABASE_REPLICA_URLS names a server that is not there: the site reads the primary and says so once."""
    from django.test import Client

    warnings: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            warnings.append(record.getMessage())

    logger = logging.getLogger("lms_site.replicas")
    logger.addHandler(Collect(level=logging.WARNING))
    logger.setLevel(logging.WARNING)
    seen: dict = {"visitor": titles_on_catalogue(Client()), "visitor_again": titles_on_catalogue(Client())}
    seen["warnings"] = [message.split(":")[0] for message in warnings]
    return seen


PHASES = {"setup": setup, "lagging": lagging, "caught_up": caught_up, "replica_down": replica_down}

if __name__ == "__main__":
    main(sys.argv[1])
