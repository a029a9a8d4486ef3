"""Reads of the SCORM app: results for a gradebook column."""

from decimal import Decimal

import pytest

from scorm import selectors
from scorm.models import ScormAttempt

from .conftest import place

pytestmark = pytest.mark.django_db


def test_course_scores_give_each_learners_results_as_percentages(course, lessons, learner, make_package):
    old, new = make_package("1.2"), make_package("2004")
    place(lessons[1], old)
    place(lessons[2], new)
    ScormAttempt.objects.create(
        user=learner,
        lesson=lessons[1],
        package=old,
        lesson_status="passed",
        score_raw=Decimal("45"),
        score_max=Decimal("50"),
    )
    ScormAttempt.objects.create(
        user=learner,
        lesson=lessons[2],
        package=new,
        completion_status="completed",
        success_status="failed",
        score_scaled=Decimal("0.4"),
    )

    scores = selectors.course_scores(course=course)[learner.pk]

    assert [(score.lesson_id, score.status, score.percent) for score in scores] == [
        (lessons[1].pk, "passed", Decimal("90.00")),
        (lessons[2].pk, "completed/failed", Decimal("40.00")),
    ]
