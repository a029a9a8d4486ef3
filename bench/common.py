"""What every benchmark script needs before Django starts: which database it may write to."""

import contextlib
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


def ensure_var() -> Path:
    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    return var


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


def reset_rss_peak() -> None:
    # Linux: writing 5 to clear_refs resets VmHWM, the peak RSS, to the current RSS.
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def rss_mb(key: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


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
