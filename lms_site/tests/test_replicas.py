"""Routing to read replicas (lms_site/replicas.py), on a second connection to the test database.

The "replica" here is a second alias for the same test database. A test's rows are written inside its
transaction, which another connection cannot see: to the replica alias, everything the test wrote is
replication lag. So a read that shows them went to the primary, and one that does not went to the replica.
test_replication.py runs the same rules against a real MariaDB replica.
"""

import copy
import logging
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from celery.signals import task_postrun, task_prerun
from django.contrib.auth.models import AnonymousUser, Group
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabaseWrapper
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from accounts.models import User
from accounts.tests.factories import UserFactory
from analytics import services as analytics_services
from analytics import tasks as analytics_tasks
from analytics.kpis import build_report
from analytics.models import ExportStatus
from analytics.report import Filters
from gamification import services as gamification_services
from gamification.models import Period, PointTotal
from gamification.selectors import leaderboard
from home.blocks import FeaturedCoursesBlock
from lms_site import replicas
from lms_site.replicas import PIN_COOKIE, read_database, replica_reads, unit_of_work

from .settings_probe import read_in_subprocess

REPLICA = "replica_test"
OTHER_REPLICA = "replica_test_2"
DOWN = "replica_down"

pytestmark = pytest.mark.django_db(databases=[DEFAULT_DB_ALIAS, REPLICA, OTHER_REPLICA])


def _add_alias(alias: str, settings_dict: dict) -> None:
    connections.settings[alias] = settings_dict


def _remove_alias(alias: str) -> None:
    connections[alias].close()
    del connections[alias]
    del connections.settings[alias]


@pytest.fixture(scope="module", autouse=True)
def _replica_aliases(django_db_setup):
    """Two more connections to the test database, as two replicas of it."""
    for alias in (REPLICA, OTHER_REPLICA):
        mirror = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
        mirror["TEST"] = {**mirror.get("TEST", {}), "MIRROR": DEFAULT_DB_ALIAS}
        # Django's TestCase opens a transaction on these too; on SQLite an IMMEDIATE one would wait for the
        # primary's write lock. A replica only reads.
        mirror.get("OPTIONS", {}).pop("transaction_mode", None)
        _add_alias(alias, mirror)
    yield
    for alias in (REPLICA, OTHER_REPLICA):
        _remove_alias(alias)


@pytest.fixture
def down_replica(db):
    """A replica whose database cannot be opened. Its connection is made here rather than declared in the
    settings, which Django's test case lets a test connect through (and fail for real)."""
    settings_dict = copy.deepcopy(connections[REPLICA].settings_dict)
    settings_dict.update(ENGINE="django.db.backends.sqlite3", NAME="/nonexistent/replica/db.sqlite3", OPTIONS={})
    connection = SQLiteDatabaseWrapper(settings_dict, alias=DOWN)
    connections[DOWN] = connection
    yield connection
    connection.close()
    del connections[DOWN]


@pytest.fixture(autouse=True)
def one_replica(settings):
    settings.DATABASE_REPLICAS = [REPLICA]
    replicas._retry_at.clear()
    yield
    replicas._retry_at.clear()


@pytest.fixture
def unit():
    """A fresh unit of work, as a request or a task begins one."""
    with unit_of_work() as fresh:
        yield fresh


@contextmanager
def statements():
    """(alias, sql) of every statement run on the primary and the replica while the block runs."""
    seen: list[tuple[str, str]] = []

    def recorder(alias):
        def record(execute, sql, params, many, context):
            seen.append((alias, sql))
            return execute(sql, params, many, context)

        return record

    with (
        connections[DEFAULT_DB_ALIAS].execute_wrapper(recorder(DEFAULT_DB_ALIAS)),
        connections[REPLICA].execute_wrapper(recorder(REPLICA)),
    ):
        yield seen


def aliases(seen, table: str = "") -> set[str]:
    return {alias for alias, sql in seen if table in sql}


# --- The router's decisions ---------------------------------------------------------------------------


def test_reads_go_to_the_primary_unless_the_code_allows_a_replica(unit):
    assert User.objects.all().db == DEFAULT_DB_ALIAS
    with replica_reads():
        assert User.objects.all().db == REPLICA
        with statements() as seen:
            list(Group.objects.all())
        assert aliases(seen) == {REPLICA}
    assert User.objects.all().db == DEFAULT_DB_ALIAS


def test_without_replicas_everything_reads_the_primary(settings, unit):
    settings.DATABASE_REPLICAS = []
    with replica_reads():
        assert User.objects.all().db == DEFAULT_DB_ALIAS
        assert read_database() == DEFAULT_DB_ALIAS


def test_after_a_write_the_unit_reads_the_primary_even_where_a_replica_is_allowed(unit):
    with replica_reads():
        assert read_database() == REPLICA
    UserFactory()
    assert unit.wrote
    with replica_reads():
        assert read_database() == DEFAULT_DB_ALIAS
        with statements() as seen:
            list(Group.objects.all())
        assert aliases(seen) == {DEFAULT_DB_ALIAS}


def test_raw_sql_writes_count_and_reads_savepoints_and_settings_do_not(unit):
    with transaction.atomic(), connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM auth_group")
    assert not unit.wrote
    Group.objects.filter(name="nobody").exists()
    assert not unit.wrote
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("  UPDATE auth_group SET name = name WHERE id < 0")
    assert unit.wrote


def test_a_queryset_update_that_matches_nothing_still_counts_as_a_write(unit):
    Group.objects.filter(pk=-1).update(name="x")  # the statement ran; whether it changed rows is not known
    assert unit.wrote


def test_reads_that_ignore_own_writes_stay_on_the_replica_and_a_nested_refusal_wins(unit):
    replicas.note_write()
    with replica_reads(ignore_own_writes=True):
        assert read_database() == REPLICA
        with replica_reads():  # an inner block does not take back what the outer one allowed
            assert read_database() == REPLICA
        with replica_reads(allowed=False):
            assert read_database() == DEFAULT_DB_ALIAS


def test_rows_read_from_a_replica_are_written_and_followed_on_the_primary(unit):
    with replica_reads():
        site = Site.objects.get(is_default_site=True)  # rows the migrations wrote: on both
        group = Group.objects.order_by("pk").first()
    assert site._state.db == REPLICA and group is not None and group._state.db == REPLICA
    with statements() as seen:
        root = site.root_page  # a relation followed outside the block
        site.save()
    assert root._state.db == DEFAULT_DB_ALIAS
    assert aliases(seen) == {DEFAULT_DB_ALIAS}
    # Related to a row of the primary's: Django refuses relations across databases the router does not allow.
    user = UserFactory()
    user.groups.add(group)
    assert group in user.groups.all()


def test_replicas_are_never_migrated():
    router = replicas.ReplicaRouter()
    assert router.allow_migrate(REPLICA, "courses") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "courses") is None


def test_one_unit_keeps_its_replica_and_units_spread_over_the_healthy_ones(settings):
    settings.DATABASE_REPLICAS = [REPLICA, OTHER_REPLICA]
    chosen = set()
    for _ in range(60):
        with unit_of_work(), replica_reads():
            first = read_database()
            assert all(read_database() == first for _ in range(5))
            chosen.add(first)
    assert chosen == {REPLICA, OTHER_REPLICA}


def test_a_replica_that_cannot_be_reached_falls_back_to_the_primary_and_is_logged_once(
    settings, monkeypatch, caplog, unit, down_replica, tmp_path
):
    settings.DATABASE_REPLICAS = [DOWN]
    monkeypatch.setattr(replicas, "RETRY_AFTER", 0.0)  # try it again at every read
    with caplog.at_level(logging.WARNING, logger="lms_site.replicas"), replica_reads():
        assert read_database() == DEFAULT_DB_ALIAS
        assert read_database() == DEFAULT_DB_ALIAS
        assert [record.message for record in caplog.records if "unreachable" in record.message] == [
            f"Replica {DOWN} unreachable, reading from the primary: unable to open database file"
        ]
        # Back: the next read goes there again, and says so.
        down_replica.settings_dict["NAME"] = str(tmp_path / "up.sqlite3")
        assert read_database() == DOWN
    assert any("reachable again" in record.message for record in caplog.records)


def test_a_replica_down_leaves_the_others_in_use(settings, unit, down_replica):
    settings.DATABASE_REPLICAS = [DOWN, REPLICA]
    with replica_reads():
        assert {read_database() for _ in range(10)} == {REPLICA}


# --- What goes to a replica: visitors' catalogue, leaderboards, reports -----------------------------------


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    """The visitors' page cache reads the primary for the pages it stores (lms_site/page_cache.py); the tests of
    this file watch where the catalogue's own reads go, so they turn it off, but for the one that tests that."""
    settings.PAGE_CACHE_SECONDS = 0


def test_a_visitors_page_stored_in_the_page_cache_reads_the_primary(client, course, settings):
    settings.PAGE_CACHE_SECONDS = 300
    visitor_page = client.get(course.get_parent().url)
    assert visitor_page["X-Page-Cache"] == "stored"
    # A replica behind a publish must not be cached under the generation that publish started.
    assert "Intro to Testing" in visitor_page.text


def test_visitors_catalogue_reads_a_replica_and_signed_in_people_the_primary(client, course, learner):
    # The course fixture exists only in this test's transaction: on the replica it has not arrived yet.
    visitor_page = client.get(course.get_parent().url)
    assert visitor_page.status_code == 200
    assert "Intro to Testing" not in visitor_page.text
    client.force_login(learner)
    assert "Intro to Testing" in client.get(course.get_parent().url).text


def test_visitors_featured_course_cards_read_a_replica(rf, course, learner):
    block = FeaturedCoursesBlock()
    value = block.to_python({"heading": "Popular", "courses": [course.pk]})
    visitor = rf.get("/")
    visitor.user = AnonymousUser()
    with unit_of_work():
        assert block.get_context(value, parent_context={"request": visitor})["courses"] == []
        signed_in = rf.get("/")
        signed_in.user = learner
        assert block.get_context(value, parent_context={"request": signed_in})["courses"] == [course]


def test_leaderboard_reads_a_replica_until_the_learner_has_written(learner, admin_user):
    gamification_services.adjust_points(user=learner, points=30, reason="Welcome", by=admin_user)
    assert PointTotal.objects.filter(user=learner).exists()
    with unit_of_work():
        assert leaderboard(scope=PointTotal.GLOBAL, period=Period.ALL_TIME, viewer=learner).rows == []
        gamification_services.adjust_points(user=learner, points=5, reason="Bonus", by=admin_user)
        board = leaderboard(scope=PointTotal.GLOBAL, period=Period.ALL_TIME, viewer=learner)
        assert [(row.points, row.is_viewer) for row in board.rows] == [(35, True)]


def test_analytics_report_reads_only_the_replica(course, admin_user):
    today = timezone.localdate()
    with unit_of_work(), statements() as seen:
        report = build_report(filters=Filters(start=today - timedelta(days=30), end=today), viewer=admin_user)
    assert aliases(seen) == {REPLICA}
    assert report.tables[0].rows == []  # the course is not on the replica yet


def test_export_task_builds_its_report_on_the_replica_after_claiming_its_job(course, admin_user):
    today = timezone.localdate()
    job = analytics_services.request_export(
        user=admin_user, filters=Filters(start=today - timedelta(days=30), end=today), format="csv"
    )
    with statements() as seen:
        analytics_tasks.build_export.apply(args=[job.pk])
    assert aliases(seen, "learning_enrollment") == {REPLICA}
    # The job's claim, progress and file went to the primary.
    assert {alias for alias, sql in seen if sql.startswith("UPDATE")} == {DEFAULT_DB_ALIAS}
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE


# --- Units of work: requests, the pin cookie, Celery tasks --------------------------------------------


def test_a_request_that_wrote_pins_the_browser_to_the_primary_for_a_few_seconds(settings, client, course, learner):
    settings.REPLICA_PIN_SECONDS = 5
    catalogue_url = course.get_parent().url
    reading = client.get(catalogue_url)
    assert PIN_COOKIE not in reading.cookies  # a request that only read pins nothing
    client.force_login(learner)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        signed_out = client.post(reverse("accounts:sign_out"))  # deletes the session row: a write
        assert signed_out.cookies[PIN_COOKIE]["max-age"] == 5
        assert signed_out.cookies[PIN_COOKIE]["httponly"]
        # Now a visitor, whose catalogue would come from the replica: within the pin it is the primary's.
        assert "Intro to Testing" in client.get(catalogue_url).text
        assert "Intro to Testing" not in Client().get(catalogue_url).text  # another browser is not pinned
        clock.shift(6)
        assert "Intro to Testing" not in client.get(catalogue_url).text


def test_a_forged_pin_cookie_is_ignored(client, course):
    client.cookies[PIN_COOKIE] = "1"
    assert "Intro to Testing" not in client.get(course.get_parent().url).text


def test_each_request_starts_without_the_writes_of_whatever_ran_before(client, course):
    with unit_of_work() as outer:
        replicas.note_write()
        # The request is its own unit: its visitor's catalogue comes from the replica.
        assert "Intro to Testing" not in client.get(course.get_parent().url).text
        assert outer.wrote  # and the surrounding unit is as it was
        with replica_reads():
            assert read_database() == DEFAULT_DB_ALIAS


def test_each_task_starts_a_unit_of_its_own_and_its_writes_count_for_whoever_ran_it_in_process():
    seen = {}
    with unit_of_work() as outer:
        replicas.note_write()
        task_prerun.send(sender=None, task_id="task-1", task=None, args=(), kwargs={})
        with replica_reads():
            seen["task, before writing"] = read_database()
        Group.objects.create(name="written by the task")
        with replica_reads():
            seen["task, after writing"] = read_database()
        task_postrun.send(sender=None, task_id="task-1", task=None, args=(), kwargs={}, retval=None, state="SUCCESS")
        assert replicas.current_unit() is outer

    with unit_of_work() as outer:
        task_prerun.send(sender=None, task_id="task-2", task=None, args=(), kwargs={})
        Group.objects.create(name="written by an eager task")
        task_postrun.send(sender=None, task_id="task-2", task=None, args=(), kwargs={}, retval=None, state="SUCCESS")
        seen["caller after an eager task wrote"] = "primary" if outer.wrote else "replica"

    assert seen == {
        "task, before writing": REPLICA,
        "task, after writing": DEFAULT_DB_ALIAS,
        "caller after an eager task wrote": "primary",
    }


def test_a_failed_task_still_ends_its_unit():
    with unit_of_work() as outer:
        with pytest.raises(ValueError):
            analytics_tasks.build_export.apply(args=["not a number"], throw=True)
        assert replicas.current_unit() is outer
        assert replicas._task_tokens == {}


def test_the_primary_connection_has_the_write_detector_once_a_unit_begins(unit):
    wrappers = connections[DEFAULT_DB_ALIAS].execute_wrappers
    assert wrappers.count(replicas._notice_writes) == 1
    with unit_of_work():
        assert wrappers.count(replicas._notice_writes) == 1


# --- Settings ---------------------------------------------------------------------------------------------

READ_DATABASES = """
import json, django
from django.conf import settings
django.setup()
KEYS = ("ENGINE", "NAME", "USER", "HOST", "PORT", "OPTIONS", "TEST", "CONN_HEALTH_CHECKS")
print(json.dumps({
    "replicas": settings.DATABASE_REPLICAS,
    "routers": settings.DATABASE_ROUTERS,
    "databases": {alias: {key: db[key] for key in KEYS} for alias, db in settings.DATABASES.items()},
}))
"""


def read_databases(module: str, **env: str) -> dict:
    machine = {"DATABASE_URL", "DATABASE_REPLICA_URLS", "REDIS_URL"}
    return read_in_subprocess(READ_DATABASES, module, env, drop=lambda name: name in machine)


def test_replica_urls_become_aliases_configured_like_the_primary():
    values = read_databases(
        "lms_site.settings.dev",
        DATABASE_URL="mysql://lms:pw@db.internal:3306/lms",
        DATABASE_REPLICA_URLS="mysql://reader:pw@replica-a:3306/lms, mysql://reader:pw@replica-b:3307/lms",
    )
    databases = values["databases"]
    assert values["replicas"] == ["replica_1", "replica_2"]
    assert values["routers"] == ["lms_site.replicas.ReplicaRouter"]
    assert [(databases[alias]["HOST"], databases[alias]["PORT"]) for alias in values["replicas"]] == [
        ("replica-a", 3306),
        ("replica-b", 3307),
    ]
    replica = databases["replica_1"]
    assert replica["USER"] == "reader"
    for option in ("charset", "collation", "init_command"):
        assert replica["OPTIONS"][option] == databases["default"]["OPTIONS"][option]
    assert replica["OPTIONS"]["connect_timeout"] == 2
    assert replica["TEST"]["MIRROR"] == "default"  # a test run never creates a database on a replica
    assert replica["CONN_HEALTH_CHECKS"] is True


def test_without_replica_urls_there_is_only_the_primary():
    values = read_databases("lms_site.settings.dev")
    assert values["replicas"] == [] and list(values["databases"]) == ["default"]


def test_the_test_settings_leave_configured_replicas_out():
    values = read_databases("lms_site.settings.test", DATABASE_REPLICA_URLS="mysql://reader:pw@replica-a:3306/lms")
    assert values["replicas"] == [] and list(values["databases"]) == ["default"]
