"""Read replicas: which reads may go to one, and how a person keeps seeing their own writes (ADR 0025).

With DATABASE_REPLICA_URLS set, settings add the aliases `replica_1`, `replica_2`, ... and list them in
DATABASE_REPLICAS. Every read goes to the primary unless the code around it says a replica will do:

    with replica_reads():                      # or @replica_reads() on a function
        report = build_report(...)

Inside, reads go to a replica until the current unit of work has written. A unit is one request (begun by
ReadYourWritesMiddleware) or one Celery task (begun by the task_prerun signal, see lms_site/celery.py).
Writes are noticed on the primary's connection itself (an execute wrapper that sees every INSERT, UPDATE,
DELETE, ... sent through it, raw SQL included), not through the router: Django asks the router for a write
database in places that may write nothing (get_or_create that finds its row), and raw SQL never asks it.

Across requests, a response to a request that wrote carries a short signed cookie; requests that bring it back
within REPLICA_PIN_SECONDS read the primary too, so the page a learner is redirected to after "Enrol" shows
the enrolment even when the replica is a second behind.

A replica that cannot be connected to is left alone for RETRY_AFTER seconds and its reads go to the primary;
the warning is logged once per outage.
"""

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, Error, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

PIN_COOKIE = "lms_read_primary"
_PIN_SALT = "lms_site.replicas.pin"
# How long a replica that refused a connection is left alone before the next attempt.
RETRY_AFTER = 10.0

# Statements that change data or schema. Reads (SELECT, SHOW), transaction control (BEGIN, SAVEPOINT,
# RELEASE, ROLLBACK) and session settings (SET) leave the replica as good as it was.
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "ALTER", "DROP", "TRUNCATE", "RENAME")


@dataclass
class Unit:
    """One request or task: whether it has written, and the replica it reads from."""

    wrote: bool = False
    pinned: bool = False  # the browser wrote within REPLICA_PIN_SECONDS
    replica: str | None = None  # picked once, so one page never mixes two replicas' states
    parent: "Unit | None" = field(default=None, repr=False)


_unit: ContextVar[Unit | None] = ContextVar("lms_replica_unit", default=None)

# 0: primary only; 1: a replica unless this unit wrote; 2: a replica even so (see replica_reads).
_PRIMARY, _FRESH, _STALE_OK = 0, 1, 2
_allowance: ContextVar[int] = ContextVar("lms_replica_allowance", default=_PRIMARY)


def current_unit() -> Unit:
    """The unit of work of this request or task; outside both (a management command), one for the thread."""
    unit = _unit.get()
    if unit is None:
        unit = Unit()
        _unit.set(unit)
    return unit


def begin_unit(*, pinned: bool = False) -> Token[Unit | None]:
    _watch_primary()
    return _unit.set(Unit(pinned=pinned, parent=_unit.get()))


def end_unit(token: Token[Unit | None]) -> Unit:
    unit = current_unit()
    _unit.reset(token)
    # A task run in-process (eager Celery: tests, `make run`) wrote for the request that ran it.
    if unit.wrote and unit.parent is not None:
        unit.parent.wrote = True
    return unit


@contextmanager
def unit_of_work(*, pinned: bool = False) -> Iterator[Unit]:
    """A fresh unit for the block: what middleware and Celery signals do, for scripts and tests."""
    token = begin_unit(pinned=pinned)
    try:
        yield current_unit()
    finally:
        end_unit(token)


def note_write() -> None:
    current_unit().wrote = True


@contextmanager
def replica_reads(*, allowed: bool = True, ignore_own_writes: bool = False) -> Iterator[None]:
    """Reads in the block may come from a replica: they tolerate data a few seconds old.

    `allowed=False` keeps the block on the primary (e.g. for a signed-in visitor). `ignore_own_writes=True`
    is for reads that do not depend on anything the unit wrote (an export task that marked its own job as
    running): they stay on a replica after that write. Querysets are routed when they run, so evaluate them
    inside the block; one left lazy and rendered later reads the primary.
    """
    level = max(_allowance.get(), _STALE_OK if ignore_own_writes else _FRESH) if allowed else _PRIMARY
    token = _allowance.set(level)
    try:
        yield
    finally:
        _allowance.reset(token)


def replicas_configured() -> bool:
    return bool(getattr(settings, "DATABASE_REPLICAS", None))


# --- noticing writes ----------------------------------------------------------------------------------


def _is_write(sql: str) -> bool:
    return sql.lstrip(" \t\n(").upper().startswith(_WRITE_VERBS)


def _notice_writes(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    if isinstance(sql, str) and _is_write(sql):
        note_write()
    return execute(sql, params, many, context)


def _watch_primary() -> None:
    """Puts the write detector on this thread's primary connection (once; it stays across reconnects)."""
    if not replicas_configured():
        return
    wrappers = connections[DEFAULT_DB_ALIAS].execute_wrappers
    if _notice_writes not in wrappers:
        wrappers.insert(0, _notice_writes)


# --- choosing a replica -------------------------------------------------------------------------------

_lock = threading.Lock()
_retry_at: dict[str, float] = {}  # replicas that failed to connect: alias -> when to try again


def _reachable(alias: str) -> bool:
    with _lock:
        retry_at = _retry_at.get(alias)
    if retry_at is not None and time.monotonic() < retry_at:
        return False
    connection = connections[alias]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except Error as error:
        with _lock:
            _retry_at[alias] = time.monotonic() + RETRY_AFTER
        if retry_at is None:
            logger.warning("Replica %s unreachable, reading from the primary: %s", alias, error)
        return False
    if retry_at is not None:
        with _lock:
            _retry_at.pop(alias, None)
        logger.warning("Replica %s reachable again", alias)
    return True


def _replica_for(unit: Unit) -> str | None:
    if unit.replica is not None and _reachable(unit.replica):
        return unit.replica
    candidates = [alias for alias in settings.DATABASE_REPLICAS if alias != unit.replica]
    random.shuffle(candidates)
    unit.replica = next((alias for alias in candidates if _reachable(alias)), None)
    return unit.replica


def read_database() -> str:
    """Where a read issued here and now goes."""
    if not replicas_configured():
        return DEFAULT_DB_ALIAS
    _watch_primary()
    level = _allowance.get()
    if level == _PRIMARY:
        return DEFAULT_DB_ALIAS
    unit = current_unit()
    if level == _FRESH and (unit.wrote or unit.pinned):
        return DEFAULT_DB_ALIAS
    return _replica_for(unit) or DEFAULT_DB_ALIAS


class ReplicaRouter:
    """settings.DATABASE_ROUTERS: the decisions above for the ORM. Without replicas it decides nothing."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        # Always an answer when replicas exist: otherwise Django would read a row's relations from the
        # database the row came from, and a course loaded from a replica would drag later reads there.
        return read_database() if replicas_configured() else None

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        if not replicas_configured():
            return None
        _watch_primary()
        return DEFAULT_DB_ALIAS  # also for an object that was read from a replica

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        if not replicas_configured():
            return None
        same_data = {DEFAULT_DB_ALIAS, *settings.DATABASE_REPLICAS}
        return True if obj1._state.db in same_data and obj2._state.db in same_data else None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # A replica receives its schema from the primary's binary log.
        return False if db in getattr(settings, "DATABASE_REPLICAS", ()) else None


# --- requests -----------------------------------------------------------------------------------------


def _pinned(request: HttpRequest) -> bool:
    value = request.get_signed_cookie(PIN_COOKIE, default=None, salt=_PIN_SALT, max_age=settings.REPLICA_PIN_SECONDS)
    return value is not None


class ReadYourWritesMiddleware:
    """Each request is a unit of work; one that wrote pins the browser to the primary for a few seconds.

    Above SessionMiddleware, so a session saved on the way out (signing in or out) counts as a write.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replicas_configured():
            return self.get_response(request)
        with unit_of_work(pinned=_pinned(request)) as unit:
            response = self.get_response(request)
        if unit.wrote:
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=_PIN_SALT,
                max_age=settings.REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


# --- Celery tasks (connected in lms_site/celery.py) ---------------------------------------------------

_task_tokens: dict[str, Token[Unit | None]] = {}


def task_started(task_id: str | None = None, **kwargs: Any) -> None:
    if task_id is not None:
        _task_tokens[task_id] = begin_unit()


def task_finished(task_id: str | None = None, **kwargs: Any) -> None:
    token = _task_tokens.pop(task_id, None) if task_id is not None else None
    if token is not None:
        end_unit(token)
