"""What every benchmark script needs before Django starts: which database it may write to."""

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
