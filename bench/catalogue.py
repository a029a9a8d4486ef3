"""Catalogue benchmark: SQL queries and response time of /courses/ as the catalogue grows.

    .venv/bin/python bench/catalogue.py [--courses 60 200 1000] [--repeat 20]

Runs with the test settings against a throwaway SQLite file, or against DATABASE_URL when it names a
database whose name contains "bench" (the script migrates and seeds it). Times are wall-clock times
of the Django test client, in-process: compare runs on one machine, not with production latencies.
"""

import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import argument_parser, migrate, nearest_rank, print_table, timed, use_bench_database  # noqa: E402

# (label, URL, extra request headers)
REQUESTS = [
    ("catalogue", "/courses/", {}),
    ("search + level", "/courses/?q=python&level=beginner", {}),
    ("htmx: search + level", "/courses/?q=python&level=beginner", {"HTTP_HX_REQUEST": "true"}),
]


@dataclass
class Measurement:
    courses: int
    label: str
    url: str
    status: int
    results: int
    queries: int
    median_ms: float
    p95_ms: float


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--courses", type=int, nargs="+", default=[60, 200, 1000], help="catalogue sizes")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per URL and size")
    args = parser.parse_args()

    scratch = configure_database()
    try:
        rows = run(sorted(args.courses), args.repeat)
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    print_results(rows)


def configure_database() -> str | None:
    """Points the settings at the benchmark's database; returns a scratch directory to delete after."""
    os.environ["ALLOWED_HOSTS"] = "localhost"  # the host of the default Wagtail site
    scratch = None if os.environ.get("DATABASE_URL") else tempfile.mkdtemp(prefix="lms-bench-")
    use_bench_database(settings_module="lms_site.settings.test", sqlite_dir=scratch, writes="courses")
    return scratch


def run(sizes: list[int], repeat: int) -> list[Measurement]:
    import django

    django.setup()

    from django.db import connection
    from django.http import QueryDict
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.seed import seed_catalogue
    from courses.selectors import catalogue_page

    migrate()
    client = Client(HTTP_HOST="localhost")
    rows = []
    for size in sizes:
        started = time.perf_counter()
        seeded = seed_catalogue(courses=size)
        print(
            f"Seeded {seeded.courses} courses ({seeded.pages} pages) in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        for label, url, headers in REQUESTS:
            client.get(url, **headers)  # warm-up: template loading and caches
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, **headers)
            # Read now: the captured list is a slice of connection.queries, which the next request clears.
            query_count = len(queries)

            def request(url=url, headers=headers):
                return client.get(url, **headers)

            timings = [seconds * 1000 for seconds in timed(request, repeat)]
            rows.append(
                Measurement(
                    courses=seeded.courses,
                    label=label,
                    url=url,
                    status=response.status_code,
                    results=catalogue_page(catalogue=seeded.catalogue, params=QueryDict(urlsplit(url).query))[
                        "page_obj"
                    ].paginator.count,
                    queries=query_count,
                    median_ms=statistics.median(timings),
                    p95_ms=nearest_rank(timings, 95),
                )
            )
    return rows


def print_results(rows: list[Measurement]) -> None:
    columns = [("courses", 7), ("request", 22), ("status", 6), ("results", 7), ("queries", 7)]
    columns += [("median ms", 9), ("p95 ms", 8)]
    print_table(
        columns,
        [
            [row.courses, row.label, row.status, row.results, row.queries, f"{row.median_ms:.1f}", f"{row.p95_ms:.1f}"]
            for row in rows
        ],
        left=1,
    )
    print()
    for label, url, headers in REQUESTS:
        print(f"{label}: GET {url}" + (" (HX-Request)" if headers else ""))


if __name__ == "__main__":
    main()
