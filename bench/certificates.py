"""Certificate benchmark: certificates generated per second and peak memory, in one process.

    .venv/bin/python bench/certificates.py [--count 300] [--issue 200]

1. PDF only: certificates.pdf.render_certificate for --count different learners (names in Latin,
   accented, Cyrillic, Greek and CJK scripts, short and long course titles), no database: the first
   render (it loads the four embedded fonts) apart, then certificates/s, ms per certificate
   (median and 95th percentile), PDF size, and peak memory: tracemalloc's peak in a separate pass
   (tracemalloc slows Python down, so the timed pass runs without it) and the process's peak RSS.
2. End to end: certificates.services.issue_certificate for --issue completed enrollments, as the Celery
   task runs it: the row insert, the PDF, the file written through the storage API, hash and signature.

Runs with bench.settings against a throwaway SQLite file and a throwaway certificates folder under
var/, deleted at the end, or against DATABASE_URL when it names a database whose name contains "bench".
"""

import gc
import os
import shutil
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import argument_parser, max_rss_mb, nearest_rank, scratch_dir, use_bench_database  # noqa: E402

NAMES = [
    "Ada Lovelace",
    "Zoë Ólafsdóttir",
    "李小龍",
    "Мария Ивановна Петрова",
    "Γιώργος Παπαδόπουλος",
    "Jean-Baptiste Emmanuel Zorg-Montgomery de la Fontaine",
    "山田 太郎",
    "Siobhán Ní Bhriain",
]
TITLES = [
    "Python for Data Analysis",
    "Building Accessible, Fast and Secure Web Applications with Django, HTMX and a Sprinkle of Tailwind CSS",
    "SQL Basics",
]


def contents(count: int):
    from certificates.models import new_serial
    from certificates.pdf import CertificateContent

    issued = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    for number in range(count):
        serial = new_serial()
        yield CertificateContent(
            serial=serial,
            learner_name=f"{NAMES[number % len(NAMES)]} {number}",
            course_title=TITLES[number % len(TITLES)],
            trainer_name="Tom Trainer",
            issuer_name="Learnwell",
            completed_on=date(2026, 11, 24) - timedelta(days=number % 300),
            issued_at=issued,
            verification_url=f"https://learn.example.com/certificates/verify/{serial}/",
        )


def render_only(count: int) -> None:
    from certificates.pdf import render_certificate

    items = list(contents(count + 1))
    start = time.perf_counter()
    render_certificate(items[0])
    first = time.perf_counter() - start
    print(f"first render (loads fonts): {first * 1000:.0f} ms, peak RSS {max_rss_mb():.0f} MiB")

    gc.collect()
    times, sizes = [], []
    start = time.perf_counter()
    for item in items[1:]:
        began = time.perf_counter()
        sizes.append(len(render_certificate(item)))
        times.append(time.perf_counter() - began)
    elapsed = time.perf_counter() - start
    print(
        f"PDF only, {count} certificates: {count / elapsed:.1f} certificates/s, "
        f"median {statistics.median(times) * 1000:.1f} ms, p95 {nearest_rank(times, 95) * 1000:.1f} ms, "
        f"size median {statistics.median(sizes) / 1024:.0f} KiB, peak RSS {max_rss_mb():.0f} MiB"
    )

    tracemalloc.start()
    for item in items[1 : min(len(items), 51)]:
        render_certificate(item)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"tracemalloc peak over 50 renders: {peak / 1024 / 1024:.1f} MiB (memory does not grow per certificate)")


def end_to_end(count: int) -> None:
    from django.utils import timezone

    from accounts.models import User
    from bench.seed import seed_catalogue
    from certificates import services
    from courses.models import CoursePage
    from learning.models import Enrollment, EnrollmentStatus

    seed_catalogue(courses=1, modules_per_course=1, lessons_per_module=1)
    course = CoursePage.objects.first()
    now = timezone.now()
    users = User.objects.bulk_create(
        User(
            username=f"bench-cert-{number}",
            email=f"bench-cert-{number}@example.com",
            first_name=NAMES[number % len(NAMES)],
            last_name=str(number),
        )
        for number in range(count)
    )
    enrollments = Enrollment.objects.bulk_create(
        Enrollment(user=user, course=course, status=EnrollmentStatus.COMPLETED, enrolled_at=now, completed_at=now)
        for user in users
    )
    services.issue_certificate(enrollment=enrollments[0])  # fonts loaded, connection warm
    gc.collect()
    start = time.perf_counter()
    for enrollment in enrollments[1:]:
        services.issue_certificate(enrollment=enrollment)
    elapsed = time.perf_counter() - start
    done = count - 1
    print(
        f"issue_certificate end to end, {done} certificates: {done / elapsed:.1f} certificates/s, "
        f"{elapsed / done * 1000:.1f} ms each, peak RSS {max_rss_mb():.0f} MiB"
    )


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--count", type=int, default=300, help="certificates rendered without the database")
    parser.add_argument("--issue", type=int, default=200, help="certificates issued through the service")
    args = parser.parse_args()

    scratch = scratch_dir("bench-certificates-", always=True)
    use_bench_database(settings_module="bench.settings", sqlite_dir=scratch, writes="certificates")
    os.environ["CERTIFICATES_ROOT"] = str(scratch / "certificates")
    try:
        import django

        django.setup()
        from django.core.management import call_command

        render_only(args.count)
        call_command("migrate", interactive=False, verbosity=0)
        end_to_end(args.issue)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
