"""Double clicks that really race: two requests complete the course's last lesson at the same moment."""

import threading

import pytest
from django.db import connection, connections

from accounts.tests.factories import UserFactory
from courses.models import LessonPage
from courses.tests.factories import make_course
from learning import services
from learning.models import EnrollmentStatus, LessonProgress
from learning.signals import enrollment_completed

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="SQLite serialises all writers; the race needs MariaDB (CI runs it)"
    ),
]


def test_racing_completions_record_one_progress_row_and_one_course_completion(catalogue):
    course = make_course(catalogue, title="Race", modules=1, lessons_per_module=2, with_revisions=False)
    first, last = LessonPage.objects.live().descendant_of(course).order_by("path")
    enrollment = services.enroll(user=UserFactory(), course=course)
    services.complete_lesson(enrollment=enrollment, lesson=first)

    completions = []
    enrollment_completed.connect(
        lambda sender, enrollment, **kw: completions.append(enrollment.pk), weak=False, dispatch_uid="race"
    )
    barrier = threading.Barrier(4)
    errors = []

    def click():
        try:
            barrier.wait()
            services.complete_lesson(enrollment=enrollment, lesson=last)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        enrollment_completed.disconnect(dispatch_uid="race")

    assert errors == []
    assert LessonProgress.objects.filter(enrollment=enrollment, lesson=last).count() == 1
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED and enrollment.progress_percent == 100
    assert completions == [enrollment.pk]
