"""What the dashboard and the profile read of a learner's points, streaks and badges."""

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from courses.tests.factories import make_category
from gamification import selectors, services
from gamification.models import Badge, BadgeAward, BadgeRule, LearnerStats, PointEntry, Rule
from learning import services as learning_services

pytestmark = pytest.mark.django_db


def test_achievements_take_two_queries_and_count_as_the_ledger_does(
    run_on_commit, enrollment, lessons, admin_user, django_assert_num_queries
):
    learner = enrollment.user
    category = enrollment.course.category
    Badge.objects.create(name="Two lessons", description="d", rule=BadgeRule.LESSONS_COMPLETED, threshold=2)
    Badge.objects.create(name="In its category", description="d", rule=BadgeRule.COURSES_COMPLETED, category=category)
    Badge.objects.create(
        name="Elsewhere", description="d", rule=BadgeRule.COURSES_COMPLETED, category=make_category("Design")
    )
    Badge.objects.create(name="Thousand", description="d", rule=BadgeRule.POINTS, threshold=1000)
    revoked = Badge.objects.create(name="Revoked", description="d", rule=BadgeRule.POINTS, threshold=1)
    for lesson in lessons:  # every lesson, so the course is completed in its category
        run_on_commit(learning_services.complete_lesson, enrollment=enrollment, lesson=lesson)
    services.adjust_points(user=learner, points=-3, reason="Correction", by=admin_user)
    BadgeAward.objects.filter(user=learner, badge=revoked).update(revoked_at=timezone.now())
    # Another learner's awards and points count for nothing here.
    other = UserFactory()
    services.award(user=other, rule=Rule.LESSON_COMPLETED, source="lesson:x", occurred_at=timezone.now())
    services.evaluate_badges(user=other)

    with django_assert_num_queries(2):
        found = selectors.achievements(user=learner)

    ledger = sum(PointEntry.objects.filter(user=learner).values_list("points", flat=True))
    progress = {item.badge.name: item for item in found.badges}
    assert list(progress) == ["Elsewhere", "In its category", "Revoked", "Thousand", "Two lessons"]
    assert progress["Two lessons"].earned and progress["Two lessons"].value == 2
    assert progress["In its category"].earned and progress["In its category"].value == 1
    assert not progress["Elsewhere"].earned and progress["Elsewhere"].value == 0
    assert progress["Revoked"].award is not None and not progress["Revoked"].earned
    assert progress["Thousand"].value == ledger and not progress["Thousand"].earned
    stats = LearnerStats.objects.get(user=learner)
    assert found.summary.points == ledger == selectors.learner_summary(user=learner).points
    assert (found.summary.longest_streak, found.summary.visibility) == (stats.longest_streak, stats.visibility)
    assert found.summary.current_streak == stats.current_streak == 1


def test_a_new_learner_reads_as_the_defaults(learner, django_assert_num_queries):
    Badge.objects.create(name="First", description="d", rule=BadgeRule.LESSONS_COMPLETED)
    with django_assert_num_queries(2):
        found = selectors.achievements(user=learner)
    assert (found.summary.points, found.summary.current_streak, found.summary.longest_streak) == (0, 0, 0)
    assert [(item.value, item.earned) for item in found.badges] == [(0, False)]
