"""A completed course started again for a new round (renewing a certificate)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from learning import services
from learning.models import Enrollment, EnrollmentStatus, LessonProgress

pytestmark = pytest.mark.django_db


@pytest.fixture
def completed(learner, course, lessons):
    enrollment = services.enroll(user=learner, course=course)
    for lesson in lessons:
        enrollment = services.complete_lesson(enrollment=enrollment, lesson=lesson).enrollment
    assert enrollment.status == EnrollmentStatus.COMPLETED
    return enrollment


def test_a_new_round_clears_the_lessons_and_starts_at_zero(completed, lessons):
    since = timezone.now()
    enrollment = services.start_new_round(enrollment=completed, since=since)
    assert (enrollment.status, enrollment.progress_percent, enrollment.completed_at) == ("active", 0, None)
    assert enrollment.round_started_at == since and enrollment.last_lesson == lessons[0]
    assert not LessonProgress.objects.filter(enrollment=enrollment).exists()


def test_starting_the_same_round_again_keeps_its_progress(completed, lessons):
    since = timezone.now()
    services.start_new_round(enrollment=completed, since=since)
    services.complete_lesson(enrollment=completed, lesson=lessons[0])
    services.start_new_round(enrollment=completed, since=since - timedelta(seconds=1))
    assert LessonProgress.objects.filter(enrollment=completed).count() == 1
    assert Enrollment.objects.get(pk=completed.pk).round_started_at == since


@pytest.mark.parametrize("status", [EnrollmentStatus.REFUNDED, EnrollmentStatus.CANCELLED])
def test_no_new_round_once_access_ended(completed, status):
    Enrollment.objects.filter(pk=completed.pk).update(status=status)
    with pytest.raises(services.NotEnrolled):
        services.start_new_round(enrollment=completed, since=timezone.now())
    assert LessonProgress.objects.filter(enrollment=completed).count() == 4
    assert Enrollment.objects.get(pk=completed.pk).status == status
