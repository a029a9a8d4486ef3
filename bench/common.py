"""The harness every benchmark script shares: which database it may write to, progress lines, percentiles,
timing, memory, bulk inserts, query plans and tables.

Only the standard library is imported at the top: the scripts import this module before Django is set up
(use_bench_database decides the settings), so anything from Django is imported inside the functions.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
STARTED = time.perf_counter()  # the scripts import this module first thing: progress() counts from their start
INSERT_BATCH = 5000  # rows per executemany in insert_rows
TRANSACTION_CONTROL = frozenset({"BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT"})


# Before Django ----------------------------------------------------------------------------------------------


def argument_parser(doc: str | None) -> argparse.ArgumentParser:
    """A parser whose --help shows the script's docstring as written."""
    return argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)


def ensure_var() -> Path:
    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    return var


def scratch_dir(prefix: str, *, always: bool = False) -> Path | None:
    """A new directory under var/ for the throwaway SQLite file (and whatever else the script keeps there).
    None when DATABASE_URL is set, unless `always`: then the database is elsewhere. Call it before
    use_bench_database, which sets DATABASE_URL to the SQLite file."""
    if os.environ.get("DATABASE_URL") and not always:
        return None
    return Path(tempfile.mkdtemp(prefix=prefix, dir=ensure_var()))


def use_bench_database(*, settings_module: str, sqlite_dir: Path | str | None, writes: str) -> bool:
    """Points `settings_module` at DATABASE_URL when it names a bench database, else at a SQLite file in
    `sqlite_dir`. Returns whether DATABASE_URL is used. `writes` says what the benchmark writes, for the refusal."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    url = os.environ.get("DATABASE_URL", "")
    if url:
        parts = urlsplit(url)
        name = Path(parts.path).name
        if "bench" not in name:
            sys.exit(
                f"DATABASE_URL names the database {name!r}. This benchmark migrates it and writes {writes} to it, "
                'so it only runs on a database whose name contains "bench". '
                "Unset DATABASE_URL to use a throwaway SQLite file."
            )
        where = f"{parts.scheme}://{parts.hostname or ''}{parts.path}"
        print(f"WARNING: writing benchmark data to {where} (from DATABASE_URL)", file=sys.stderr)
        return True
    os.environ["DATABASE_URL"] = f"sqlite:///{sqlite_dir}/bench.sqlite3"
    return False


def recreate_mysql_database(url: str, *, drop_only: bool = False) -> None:
    import dj_database_url
    import MySQLdb

    config = dj_database_url.parse(url)
    if not config["ENGINE"].endswith("mysql"):
        sys.exit("DATABASE_URL must name a MariaDB/MySQL database (mysql://...); unset it to use SQLite.")
    name = config["NAME"]
    if not name.replace("_", "").isalnum():
        sys.exit(f"Refusing to create or drop a database named {name!r}: letters, digits and _ only.")
    server = MySQLdb.connect(
        host=config["HOST"] or "127.0.0.1",
        port=int(config["PORT"] or 3306),
        user=config["USER"] or "root",
        password=config["PASSWORD"] or "",
    )
    try:
        cursor = server.cursor()
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        if not drop_only:
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    finally:
        server.close()


def progress(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:5.0f} s] {message}", file=sys.stderr, flush=True)


# Statistics and timing --------------------------------------------------------------------------------------


def nearest_rank(values: Sequence[float], percentile: int) -> float:
    """The nearest-rank percentile, the textbook definition: sort the n values and take the one at the 1-based
    rank ceil(percentile / 100 × n) (the smallest value for percentile 0). It is always one of the values,
    never an interpolation. The rank is computed in integers, so no rounding error moves it."""
    if not values:
        raise ValueError("nearest_rank of no values")
    ordered = sorted(values)
    rank = -(-len(ordered) * percentile // 100)  # ceil(n × p / 100) without floats
    return ordered[max(rank, 1) - 1]


def timed(function: Callable[[], Any], repeat: int, *, budget: float | None = None) -> list[float]:
    """The wall time in seconds of each of `repeat` calls; with a budget, the calls stop (after at least one)
    once their total exceeds it."""
    times: list[float] = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        times.append(time.perf_counter() - began)
        if budget is not None and sum(times) > budget:
            break
    return times


class StatementCounter:
    """A database execute_wrapper that counts the SQL a block runs, transaction control (BEGIN, SAVEPOINT...)
    apart. Unlike CaptureQueriesContext it keeps no statements, so it can count millions."""

    def __init__(self):
        self.queries = self.control = 0

    @property
    def total(self) -> int:
        return self.queries + self.control

    def __call__(self, execute, sql, params, many, context):
        if sql.split(None, 1)[0].upper() in TRANSACTION_CONTROL:
            self.control += 1
        else:
            self.queries += 1
        return execute(sql, params, many, context)


# Memory -----------------------------------------------------------------------------------------------------


def reset_rss_peak() -> bool:
    """Resets VmHWM, the process's peak RSS, to its current RSS; False where the kernel does not allow it."""
    # Linux: writing 5 to clear_refs does it.
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def rss_mb(key: str = "VmRSS") -> float:
    """The process's resident memory now (VmRSS) or at most since the last reset_rss_peak (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def max_rss_mb() -> float:
    """getrusage's peak RSS of the whole process since it started, in MB."""
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


# The database (Django set up) -------------------------------------------------------------------------------


def migrate() -> float:
    """Migrates the benchmark's database; returns the seconds it took."""
    from django.core.management import call_command
    from django.db import connection

    progress(f"Database: {connection.vendor}. Migrating...")
    began = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    return time.perf_counter() - began


def close_connections() -> None:
    """Closes Django's connections if Django got as far as setting up (for a script's finally block)."""
    from django.apps import apps

    if apps.ready:
        from django.db import connections

        connections.close_all()


def insert_rows(model, fields: list[str], rows: list[tuple], *, batch: int = INSERT_BATCH) -> None:
    """Inserts rows given as tuples of database values, with executemany in batches. bulk_create prepares every
    field of every row in Python (about 35 µs a row), minutes for millions of rows; a plain executemany of
    tuples is several times faster and writes the same rows. The values must already be what the database
    stores (naive UTC datetimes, JSON as text, ids for foreign keys)."""
    from django.db import connection

    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Table and column names come from the model; values go as parameters.
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            cursor.executemany(sql, rows[start : start + batch])


def refresh_statistics() -> None:
    """ANALYZE TABLE on every table (MariaDB/MySQL). InnoDB recalculates a table's statistics in the background
    once a tenth of it changed; seeding writes millions of rows in minutes, faster than that catches up, and
    with the statistics of the empty tables the optimizer picks the wrong indexes (the analytics admin report
    took 10.7 s instead of about 1.5 s). A database that grew over months has current statistics, which is
    what a benchmark measures."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"ANALYZE TABLE {connection.ops.quote_name(table)}")
            cursor.fetchall()


def database_label() -> str:
    """The database the benchmark ran on, for the report's title."""
    from django.db import connection

    if connection.vendor == "mysql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT VERSION(), @@innodb_buffer_pool_size")
            version, pool = cursor.fetchone()
        return f"MariaDB/MySQL {version} (innodb_buffer_pool_size {int(pool) // 2**20} MB)"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def explain(sql: str) -> str:
    """The database's plan of an executed query, one line per step: EXPLAIN QUERY PLAN's details on SQLite,
    EXPLAIN's table (header first, columns aligned) on MariaDB."""
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        columns = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":
        return "\n".join(f"{row[-1]}" for row in rows)
    widths = [max(len(str(value)) for value in [name, *(row[i] for row in rows)]) for i, name in enumerate(columns)]
    lines = [" | ".join(str(value).ljust(width) for value, width in zip(row, widths, strict=True)) for row in rows]
    header = " | ".join(name.ljust(width) for name, width in zip(columns, widths, strict=True))
    return "\n".join([header, *lines])


# Output -----------------------------------------------------------------------------------------------------


def print_table(columns: Sequence[tuple[str, int]], rows: Sequence[Sequence[Any]], *, left: int = 0) -> None:
    """A plain-text table: a header of the (name, width) columns, a rule, then the rows. Column `left` is
    left-aligned, the others right-aligned."""

    def line(values) -> str:
        return "  ".join(
            f"{value:<{width}}" if index == left else f"{value:>{width}}"
            for index, ((_, width), value) in enumerate(zip(columns, values, strict=True))
        )

    print(line([name for name, _ in columns]))
    print("-" * (sum(width for _, width in columns) + 2 * (len(columns) - 1)))
    for row in rows:
        print(line(row))
