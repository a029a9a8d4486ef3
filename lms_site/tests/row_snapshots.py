"""Build a fixture's data once per test session and write it back per test as plain rows.

Publishing a course through Wagtail (revisions, search index, reference index, permission receivers)
took most of the suite's time when every test built its own. Instead the session builds it once, records
which rows that added or changed in every table, takes the database back to how it was, and each test that
asks for the fixture writes those rows again with a few INSERT and UPDATE statements inside its own
transaction. The result is the same database a test got before, built by the same code, without the cost.

Row ids stay valid because the session's build used them up: SQLite (AUTOINCREMENT) and MariaDB never hand
out an id again after the rows are deleted, and flushes between transactional tests delete rather than
truncate, so no test creates a row that collides with a recorded one.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, models, transaction

# Tables that only describe the database itself, never a fixture's data.
SKIPPED_TABLES = {"django_migrations", "sqlite_sequence"}
# SQLite's full-text tables (and their shadow tables) are kept by triggers on the search index tables:
# writing an index entry's row writes its full-text row.
FTS_SHADOW_SUFFIXES = ("", "_data", "_idx", "_content", "_docsize", "_config")


@dataclass
class TableRows:
    columns: list[str]
    key: str  # the primary key column
    rows: dict = field(default_factory=dict)  # key value -> row tuple


@dataclass
class Layer:
    """What one build step added and changed, per table."""

    added: dict[str, TableRows]
    changed: dict[str, TableRows]
    before: dict[str, TableRows]  # the changed rows as they were, to undo the build


def _tables(cursor) -> list[str]:
    names = [t.name for t in connection.introspection.get_table_list(cursor) if t.type == "t"]
    if connection.vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'")
        virtual = [row[0] for row in cursor.fetchall()]
        shadows = {f"{name}{suffix}" for name in virtual for suffix in FTS_SHADOW_SUFFIXES}
        names = [name for name in names if name not in shadows]
    return [name for name in names if name not in SKIPPED_TABLES]


def _generated_columns() -> set[tuple[str, str]]:
    """(table, column) of columns the database computes itself; they cannot be written."""
    return {
        (model._meta.db_table, field.column)
        for model in apps.get_models()
        for field in model._meta.local_concrete_fields
        if isinstance(field, models.GeneratedField)
    }


def _key(cursor, table: str) -> str:
    keys = connection.introspection.get_primary_key_columns(cursor, table) or []
    if len(keys) == 1:
        return keys[0]
    raise RuntimeError(f"Cannot snapshot {table}: it has no single-column primary key.")


def read_tables() -> dict[str, TableRows]:
    """Every row of every table, keyed by primary key."""
    quote = connection.ops.quote_name
    generated = _generated_columns()
    state = {}
    with connection.cursor() as cursor:
        for table in _tables(cursor):
            key = _key(cursor, table)
            description = connection.introspection.get_table_description(cursor, table)
            columns = [column.name for column in description if (table, column.name) not in generated]
            selected = ", ".join(quote(column) for column in columns)
            cursor.execute(f"SELECT {selected} FROM {quote(table)}")  # noqa: S608 - names come from the schema
            index = columns.index(key)
            state[table] = TableRows(columns, key, {row[index]: tuple(row) for row in cursor.fetchall()})
    return state


def difference(before: dict[str, TableRows], after: dict[str, TableRows]) -> Layer:
    added, changed, previous = {}, {}, {}
    for table, now in after.items():
        then = before.get(table) or TableRows(now.columns, now.key)
        if set(then.rows) - set(now.rows):
            raise RuntimeError(f"The build deleted rows of {table}; only additions and changes can be replayed.")
        new = {key: row for key, row in now.rows.items() if key not in then.rows}
        edited = {key: row for key, row in now.rows.items() if key in then.rows and then.rows[key] != row}
        if new:
            added[table] = TableRows(now.columns, now.key, new)
        if edited:
            changed[table] = TableRows(now.columns, now.key, edited)
            previous[table] = TableRows(then.columns, then.key, {key: then.rows[key] for key in edited})
    return Layer(added, changed, previous)


def _update(cursor, table: str, rows: TableRows) -> None:
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(column)} = %s" for column in rows.columns)
    sql = f"UPDATE {quote(table)} SET {assignments} WHERE {quote(rows.key)} = %s"  # noqa: S608
    cursor.executemany(sql, [(*row, key) for key, row in rows.rows.items()])


def apply(layer: Layer) -> None:
    """Writes the layer's rows: the database then holds what the build left."""
    quote = connection.ops.quote_name
    # Rows go in table by table, not in dependency order: foreign keys are checked at the end (SQLite defers
    # them inside a transaction) or not at all while writing rows known to be consistent (MariaDB).
    with transaction.atomic(), connection.constraint_checks_disabled(), connection.cursor() as cursor:
        for table, rows in layer.added.items():
            names = ", ".join(quote(column) for column in rows.columns)
            marks = ", ".join(["%s"] * len(rows.columns))
            sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, list(rows.rows.values()))
        for table, rows in layer.changed.items():
            _update(cursor, table, rows)


def undo(layer: Layer) -> None:
    """Removes what the layer added and restores what it changed."""
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.constraint_checks_disabled(), connection.cursor() as cursor:
        for table, rows in layer.added.items():
            sql = f"DELETE FROM {quote(table)} WHERE {quote(rows.key)} = %s"  # noqa: S608
            cursor.executemany(sql, [(key,) for key in rows.rows])
        for table, rows in layer.before.items():
            _update(cursor, table, rows)
