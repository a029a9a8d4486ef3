"""Backup and restore of the whole site: the database and every file store, in one archive.

`manage.py backup_site DIRECTORY` writes learnwell-backup-<UTC time>.tar.gz holding:
  manifest.json     when, which database engine, and for each store: its files, or why it is not included
  database.sql      MariaDB/MySQL: mariadb-dump --single-transaction, a consistent snapshot taken without
                    locking the site; or database.sqlite3, SQLite's own online backup
  files/<alias>/    every store kept on local disk (media, private media, certificates, exports, receipts)

The database is dumped first, then the files are copied: a row never names a file written after the dump,
so every file the restored rows point to is in the archive (a few newer files may come along unused).
Stores on object storage are not copied; the manifest says so, and deploy/README.md says to keep bucket
versioning on instead. `manage.py restore_site ARCHIVE --yes` empties the database and the stores and puts
the archive back; the SECRET_KEY and CERTIFICATE_SIGNING_KEY must be the ones of the backed-up site for
signed links and certificate signatures to stay valid (they are not in the archive: keep them apart).
"""

import datetime
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import connections

MANIFEST_VERSION = 1
SKIPPED_ALIASES = {"staticfiles"}  # rebuilt from the code by collectstatic


class BackupError(Exception):
    pass


def file_stores() -> dict[str, FileSystemStorage | None]:
    """Each storage alias that holds uploaded or generated files: its local storage, or None when remote."""
    result: dict[str, FileSystemStorage | None] = {}
    for alias in settings.STORAGES:
        if alias in SKIPPED_ALIASES:
            continue
        storage = storages[alias]
        result[alias] = storage if isinstance(storage, FileSystemStorage) else None
    return result


def _database() -> dict[str, Any]:
    # The connection's settings, which name the test database while tests run.
    settings_dict: dict[str, Any] = connections["default"].settings_dict
    return settings_dict


def _mysql_arguments(database: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    arguments = [f"--user={database['USER']}"]
    if database.get("HOST"):
        arguments.append(f"--host={database['HOST']}")
    if database.get("PORT"):
        arguments.append(f"--port={database['PORT']}")
    environment = dict(os.environ)
    if database.get("PASSWORD"):
        environment["MYSQL_PWD"] = str(database["PASSWORD"])  # not on the command line, where ps would show it
    return arguments, environment


def _run(command: list[str], *, environment: dict[str, str] | None = None, **kwargs: Any) -> None:
    try:
        # The commands are fixed (mariadb, mariadb-dump) with arguments from settings, never from a request.
        subprocess.run(command, env=environment, check=True, stderr=subprocess.PIPE, **kwargs)  # noqa: S603
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} is not installed: it is needed to back up or restore MariaDB") from error
    except subprocess.CalledProcessError as error:
        message = error.stderr.decode(errors="replace").strip() if error.stderr else ""
        raise BackupError(f"{command[0]} failed: {message}") from error


def _dump_database(target: Path) -> str:
    database = _database()
    engine = database["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        source = sqlite3.connect(database["NAME"])
        copy = sqlite3.connect(target / "database.sqlite3")
        with copy:
            source.backup(copy)
        source.close()
        copy.close()
        return "sqlite"
    if engine == "django.db.backends.mysql":
        arguments, environment = _mysql_arguments(database)
        with open(target / "database.sql", "wb") as dump:
            _run(
                [
                    "mariadb-dump",
                    *arguments,
                    "--single-transaction",  # one consistent InnoDB snapshot, without locking tables
                    "--quick",
                    "--routines",
                    "--triggers",
                    "--default-character-set=utf8mb4",
                    database["NAME"],
                ],
                environment=environment,
                stdout=dump,
            )
        return "mysql"
    raise BackupError(f"Backups of {engine} databases are not supported.")


def backup(directory: Path) -> Path:
    """Writes one archive into `directory` and returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    archive = directory / f"learnwell-backup-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory(dir=directory) as work:
        staging = Path(work)
        engine = _dump_database(staging)
        stores: dict[str, dict[str, Any]] = {}
        for alias, storage in file_stores().items():
            if storage is None:
                stores[alias] = {"included": False, "reason": "object storage: restore from the bucket's versions"}
                continue
            source = Path(storage.location)
            target = staging / "files" / alias
            if source.is_dir():
                shutil.copytree(source, target, symlinks=False)
            else:
                target.mkdir(parents=True)
            stores[alias] = {"included": True, "files": sum(1 for path in target.rglob("*") if path.is_file())}
        manifest = {"version": MANIFEST_VERSION, "created": stamp, "database": engine, "stores": stores}
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2))
        partial = archive.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as tar:
            for path in sorted(staging.iterdir()):
                tar.add(path, arcname=path.name)
        partial.rename(archive)  # an interrupted backup never leaves a file that looks complete
    return archive


def _read_manifest(staging: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((staging / "manifest.json").read_text())
    except (OSError, ValueError) as error:
        raise BackupError("This is not a Learnwell backup: its manifest is missing or unreadable.") from error
    if manifest.get("version") != MANIFEST_VERSION:
        raise BackupError(f"Unknown backup format version: {manifest.get('version')!r}.")
    return manifest


def _restore_database(staging: Path, engine: str) -> None:
    database = _database()
    connections.close_all()
    if engine == "sqlite":
        if database["ENGINE"] != "django.db.backends.sqlite3":
            raise BackupError("This backup holds a SQLite database; the site now runs on another database.")
        backup_copy = sqlite3.connect(staging / "database.sqlite3")
        live = sqlite3.connect(database["NAME"])
        with live:
            backup_copy.backup(live)
        backup_copy.close()
        live.close()
        return
    if database["ENGINE"] != "django.db.backends.mysql":
        raise BackupError("This backup holds a MariaDB database; the site now runs on another database.")
    arguments, environment = _mysql_arguments(database)
    # Tables created after the backup (a later migration) would survive the dump's own DROP TABLE lines.
    name = database["NAME"]
    command = ["mariadb", *arguments, "--batch", "--skip-column-names", "-e", f"SHOW TABLES FROM `{name}`"]
    listing = subprocess.run(  # noqa: S603  # fixed command, arguments from settings
        command,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    )
    tables = [line for line in listing.stdout.splitlines() if line]
    if tables:
        drop = "SET FOREIGN_KEY_CHECKS=0; " + " ".join(f"DROP TABLE IF EXISTS `{name}`.`{t}`;" for t in tables)
        _run(["mariadb", *arguments, "-e", drop], environment=environment)
    with open(staging / "database.sql", "rb") as dump:
        _run(["mariadb", *arguments, "--default-character-set=utf8mb4", name], environment=environment, stdin=dump)


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = tar.getmembers()
    for member in members:
        if member.name.startswith("/") or ".." in Path(member.name).parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"The archive holds an unsafe entry: {member.name!r}.")
    return members


def restore(archive: Path) -> dict[str, Any]:
    """Replaces the database and the local file stores with the archive's; returns its manifest."""
    if not archive.is_file():
        raise BackupError(f"No such backup: {archive}")
    with tempfile.TemporaryDirectory() as work:
        staging = Path(work)
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(staging, members=_safe_members(tar), filter="data")
        except (tarfile.TarError, OSError) as error:
            raise BackupError(f"The backup cannot be read: {error}") from error
        manifest = _read_manifest(staging)
        stores = file_stores()
        for alias, entry in manifest["stores"].items():
            if entry.get("included") and stores.get(alias) is None:
                raise BackupError(f"The store {alias!r} is in the backup but is not on local disk here.")
        _restore_database(staging, manifest["database"])
        for alias, entry in manifest["stores"].items():
            storage = stores.get(alias)
            if not entry.get("included") or storage is None:
                continue
            location = Path(storage.location)
            if location.exists():
                shutil.rmtree(location)
            shutil.copytree(staging / "files" / alias, location)
    return manifest
