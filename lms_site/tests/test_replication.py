"""Read replicas against real MariaDB replication: a primary and a replica of the test's own.

deploy/mariadb-replicas starts two mariadbd on free ports, each with its own data directory under the test's
temporary folder (the machine's MariaDB is left alone), the primary writing a binary log the replica applies.
The site then runs in subprocesses pointed at both (replication_scenario.py). Stopping the replica's SQL
thread makes the lag deterministic: whatever is written meanwhile exists on the primary only.

It runs in the MariaDB pass of the suite (DATABASE_URL=mysql://...), where the server binaries are installed.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lms_site.tests.servers import free_port

from .replication_scenario import ALPHA, BETA, REPLICA

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "mariadb-replicas"
SERVER_BINARIES = ("/usr/sbin/mariadbd", "/usr/bin/mariadb-install-db", "/usr/bin/mariadb")
CLIENT = SERVER_BINARIES[-1]

pytestmark = [
    pytest.mark.integration,
    pytest.mark.xdist_group("replication"),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("mysql"),
        reason="real replication runs in the MariaDB pass (DATABASE_URL=mysql://...)",
    ),
]


class Replication:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.urls: dict[str, str] = {}
        self.timings: dict[str, float] = {}

    def script(self, *args: str) -> str:
        result = subprocess.run(
            [str(SCRIPT), *args], capture_output=True, text=True, timeout=120, check=False, cwd=ROOT
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def start(self) -> None:
        primary = replica = free_port()
        while replica == primary:
            replica = free_port()
        output = self.script("start", str(self.directory), str(primary), str(replica), "lms")
        self.urls = dict(line.split("=", 1) for line in output.splitlines() if "=" in line)

    def stop(self) -> None:
        self.script("stop", str(self.directory))

    def sync(self) -> None:
        self.script("sync", str(self.directory))

    def on_replica(self, sql: str) -> None:
        socket_path = self.directory / "replica" / "mysqld.sock"
        subprocess.run(
            [CLIENT, "--no-defaults", "--user=root", f"--socket={socket_path}", "-e", sql],
            check=True,
            timeout=30,
        )

    def environment(self, **overrides: str) -> dict[str, str]:
        keep = {
            name: value
            for name, value in os.environ.items()
            if name not in {"DATABASE_URL", "DATABASE_REPLICA_URLS", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
        }
        return {
            **keep,
            "DJANGO_SETTINGS_MODULE": "lms_site.settings.dev",
            "DATABASE_URL": self.urls["DATABASE_URL"],
            "DATABASE_REPLICA_URLS": self.urls["DATABASE_REPLICA_URLS"],
            "REPLICA_PIN_SECONDS": "60",  # no pin runs out on a slow machine between two requests
            # With the visitors' page cache on, a page stored for everyone is read from the primary (ADR 0027);
            # this scenario checks where visitors' catalogue reads go when nothing is cached.
            "PAGE_CACHE_SECONDS": "0",
            **overrides,
        }

    def run(self, label: str, *command: str, **overrides: str) -> str:
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, *command],
            env=self.environment(**overrides),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        self.timings[label] = round(time.monotonic() - started, 1)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result.stdout

    def phase(self, name: str, **overrides: str) -> dict:
        output = self.run(name, "-m", "lms_site.tests.replication_scenario", name, **overrides)
        return json.loads(output.strip().splitlines()[-1])


@pytest.fixture
def replication(tmp_path_factory):
    missing = [binary for binary in SERVER_BINARIES if not os.access(binary, os.X_OK)]
    if missing:
        pytest.skip(f"MariaDB server programs not installed: {', '.join(missing)}")
    # A short path: the servers' Unix sockets live in it.
    replication = Replication(tmp_path_factory.mktemp("repl"))
    started = time.monotonic()
    try:
        replication.start()
        replication.timings["servers started"] = round(time.monotonic() - started, 1)
        yield replication
    finally:
        replication.stop()


def test_replica_reads_against_a_real_replica(replication, capsys):
    replication.run("migrate", "manage.py", "migrate", "--noinput")
    replication.phase("setup")
    replication.sync()
    # Everything from here on stays on the primary until the SQL thread runs again.
    replication.on_replica("STOP SLAVE SQL_THREAD")

    lagging = replication.phase("lagging")
    assert lagging["visitor"] == [ALPHA]  # the replica's catalogue: Beta has not arrived
    assert lagging["signed_in"] == [ALPHA, BETA]  # signed-in people read the primary
    assert lagging["pin_cookie"] is True
    assert lagging["visitor_after_signing_out"] == [ALPHA, BETA]  # pinned after its own write
    assert lagging["another_visitor_meanwhile"] == [ALPHA]
    # In one task: the catalogue from the replica until the task enrolled, then from the primary.
    assert lagging["task"] == {"before": [ALPHA], "after": [ALPHA, BETA]}
    # The report counts only what the replica has (Bob's enrolment in Alpha, and Beta, are not there yet).
    assert lagging["report_learners"] == {ALPHA: 1}
    assert lagging["report_ran_on"] == [REPLICA]
    assert lagging["replica_write"] == "OperationalError"  # its user may only read

    replication.on_replica("START SLAVE")
    replication.sync()
    caught_up = replication.phase("caught_up")
    assert caught_up["visitor"] == [ALPHA, BETA]
    assert caught_up["report_learners"] == {ALPHA: 2, BETA: 1}
    assert caught_up["report_ran_on"] == [REPLICA]

    nowhere = f"mysql://lms_reader:x@127.0.0.1:{free_port()}/lms"
    down = replication.phase("replica_down", DATABASE_REPLICA_URLS=nowhere)
    assert down["visitor"] == [ALPHA, BETA]  # read from the primary instead of failing
    assert down["visitor_again"] == [ALPHA, BETA]
    assert down["warnings"] == [f"Replica {REPLICA} unreachable, reading from the primary"]

    with capsys.disabled():
        print(f"\nreplication timings (s): {replication.timings}")
