"""The completion event delivered to several workers at the same moment still issues one certificate."""

import threading

import pytest
from django.core.files.storage import storages
from django.db import connection, connections

from accounts.tests.factories import UserFactory
from certificates import tasks
from certificates.models import Certificate
from courses.models import LessonPage
from courses.tests.factories import make_course
from learning import services as learning_services

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="SQLite serialises all writers; the race needs MariaDB (CI runs it)"
    ),
]


def test_racing_issuing_tasks_create_one_certificate_with_one_pdf(catalogue, monkeypatch):
    monkeypatch.setattr(tasks.issue_certificate, "delay_on_commit", lambda *args: None)  # the race runs them
    course = make_course(catalogue, title="Race", modules=1, lessons_per_module=1, with_revisions=False)
    enrollment = learning_services.enroll(user=UserFactory(), course=course)
    learning_services.complete_lesson(enrollment=enrollment, lesson=LessonPage.objects.live().get())

    barrier = threading.Barrier(4)
    errors, serials = [], []

    def worker():
        try:
            barrier.wait()
            # Celery's "never wait for a result inside a task" guard is one flag for the whole process, raised
            # while any thread runs a task eagerly (the PDF task this one queues): another racer's .get() would
            # trip over it. The result here is already computed; nothing waits.
            result = tasks.issue_certificate.apply(args=[enrollment.pk], throw=True)
            serials.append(result.get(disable_sync_subtasks=False))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    certificate = Certificate.objects.get(enrollment=enrollment)
    assert set(serials) == {certificate.serial}
    assert certificate.status == "valid" and certificate.signature_is_valid
    assert storages["certificates"].listdir("")[1] == [f"{certificate.serial}.pdf"]
