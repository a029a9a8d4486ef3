"""Two recertification sweeps running at the same moment handle a certificate once."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, connections

from certificates import tasks as certificate_tasks
from certificates.models import Certificate
from courses.models import CoursePage, LessonPage
from courses.tests.factories import make_course
from learning import services as learning_services
from lms_site.tests.stores import local_store
from organisations import recertification, services
from organisations.models import Assignment

from .conftest import give_seats
from .factories import make_member, make_organisation

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="SQLite serialises all writers; the race needs MariaDB (CI runs it)"
    ),
]


def test_racing_sweeps_warn_and_reassign_once(catalogue, settings, tmp_path):
    local_store(settings, "certificates", tmp_path / "certificates")
    course = make_course(catalogue, title="Race", price="10.00", modules=1, lessons_per_module=1, with_revisions=False)
    CoursePage.objects.filter(pk=course.pk).update(certificate_valid_months=12)
    course.refresh_from_db()
    org = make_organisation()
    member = make_member(org)
    give_seats(org, course, 1)
    assignment = services.assign_course(membership=member, course=course)
    enrollment = learning_services.enroll(user=member.user, course=course)
    learning_services.complete_lesson(enrollment=enrollment, lesson=LessonPage.objects.live().get())
    certificate_tasks.issue_certificate.apply(args=[enrollment.pk], throw=True)
    services.release_assignment(assignment=assignment)
    certificate = Certificate.objects.get()

    barrier = threading.Barrier(3)
    errors, outcomes = [], []

    def worker():
        try:
            barrier.wait()
            outcomes.append(recertification.recertify(certificate_id=certificate.pk))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    # time-machine patches the clock for the whole process, so every thread is in the renewal window.
    with time_machine.travel(certificate.expires_at - timedelta(days=10), tick=False):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert errors == []
    assert sorted(outcome.claimed for outcome in outcomes) == [False, False, True]
    assignment = Assignment.objects.get()
    assert assignment.released_at is None
    assert services.seats_in_use(organisation_id=org.pk, course_id=course.pk) == 1
