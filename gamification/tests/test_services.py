"""Points follow the other apps' events exactly once, are worth what the admin configured, and only leave
through compensating rows."""

from datetime import UTC, datetime

import pytest

from accounts.tests.factories import UserFactory
from assessments import services as assessment_services
from assessments.tests.factories import by_type, make_assessment, option, question
from courses.models import LessonPage
from courses.tests.factories import make_category, make_course
from gamification import services, tasks
from gamification.models import Badge, BadgeAward, BadgeRule, PointEntry, PointRule, PointTotal, Rule
from gamification.selectors import badge_metrics, learner_summary
from learning import services as learning_services
from learning.signals import enrollment_completed, lesson_completed
from scheduling.tests.factories import attend, make_session

pytestmark = pytest.mark.django_db


def points_of(user) -> int:
    return sum(PointEntry.objects.filter(user=user).values_list("points", flat=True))


def rules_of(user) -> list[str]:
    return list(PointEntry.objects.filter(user=user).order_by("pk").values_list("rule", flat=True))


def complete(run_on_commit, enrollment, lesson):
    return run_on_commit(learning_services.complete_lesson, enrollment=enrollment, lesson=lesson)


def one_question_quiz(course, slug="quiz", pass_mark=50):
    return make_assessment(
        course,
        title=f"Quiz {slug}",
        slug=slug,
        pass_mark=pass_mark,
        questions=[
            question("single_choice", options=[option("Yes", True), option("No")]),
            question("true_false", answer="true"),
        ],
    )


def submit(run_on_commit, user, quiz, *, right: int):
    """Submits an attempt with `right` of the quiz's two questions answered correctly."""
    attempt = assessment_services.start_attempt(user=user, assessment=quiz)
    questions = by_type(attempt)
    single = questions["single_choice"]
    correct = next(o["id"] for o in single["options"] if o["correct"])
    wrong = next(o["id"] for o in single["options"] if not o["correct"])
    assessment_services.save_answer(attempt=attempt, question_id=single["id"], answer=correct if right else wrong)
    assessment_services.save_answer(attempt=attempt, question_id=questions["true_false"]["id"], answer=right == 2)
    return run_on_commit(assessment_services.submit_attempt, attempt=attempt)


class TestRules:
    def test_a_completed_lesson_earns_the_configured_points_once(self, run_on_commit, enrollment, lessons):
        PointRule.objects.filter(rule=Rule.LESSON_COMPLETED).update(points=7)
        complete(run_on_commit, enrollment, lessons[0])
        complete(run_on_commit, enrollment, lessons[0])  # a second click
        entry = PointEntry.objects.get(user=enrollment.user, rule=Rule.LESSON_COMPLETED)
        assert (
            entry.points == 7 and entry.source == f"lesson:{lessons[0].pk}" and entry.course_id == enrollment.course_id
        )

    def test_completing_the_course_earns_every_lesson_and_the_course(self, run_on_commit, enrollment, lessons):
        for lesson in lessons:
            complete(run_on_commit, enrollment, lesson)
        assert rules_of(enrollment.user).count(Rule.LESSON_COMPLETED) == 4
        assert rules_of(enrollment.user).count(Rule.COURSE_COMPLETED) == 1
        assert points_of(enrollment.user) == 4 * 10 + 100

    def test_passing_and_a_perfect_score_earn_once_per_assessment(self, run_on_commit, student, course):
        quiz = one_question_quiz(course)
        submit(run_on_commit, student, quiz, right=0)
        assert rules_of(student) == []  # failed: nothing
        submit(run_on_commit, student, quiz, right=1)
        assert rules_of(student) == [Rule.ASSESSMENT_PASSED]
        submit(run_on_commit, student, quiz, right=2)
        submit(run_on_commit, student, quiz, right=2)  # another perfect attempt earns nothing more
        assert sorted(rules_of(student)) == [Rule.ASSESSMENT_PASSED, Rule.PERFECT_SCORE]
        assert points_of(student) == 25 + 15

    def test_a_grade_taken_away_takes_its_points_and_can_be_earned_again(self, run_on_commit, student, course, trainer):
        quiz = one_question_quiz(course, pass_mark=100)
        attempt = submit(run_on_commit, student, quiz, right=2)
        assert points_of(student) == 40
        single = by_type(attempt)["single_choice"]["id"]
        run_on_commit(
            assessment_services.grade_question,
            attempt=attempt,
            question_id=single,
            score=0,
            reason="Copied",
            grader=trainer,
        )
        assert points_of(student) == 0
        assert PointEntry.objects.filter(user=student, rule=Rule.REVERSAL).count() == 2
        submit(run_on_commit, student, quiz, right=2)
        assert points_of(student) == 40
        assert set(
            PointEntry.objects.filter(user=student, rule=Rule.PERFECT_SCORE).values_list("generation", flat=True)
        ) == {1, 2}

    def test_attending_a_live_session_earns_once_and_a_correction_takes_it_back(
        self, run_on_commit, student, course, trainer
    ):
        session = make_session(course, by=trainer)
        run_on_commit(attend, session, student, by=trainer)
        run_on_commit(attend, session, student, by=trainer, status="late")  # still attended
        assert rules_of(student) == [Rule.SESSION_ATTENDED] and points_of(student) == 20
        run_on_commit(attend, session, student, by=trainer, status="absent")
        assert points_of(student) == 0 and rules_of(student)[-1] == Rule.REVERSAL

    def test_an_inactive_rule_awards_nothing_but_still_counts_for_badges(self, run_on_commit, enrollment, lessons):
        PointRule.objects.filter(rule=Rule.LESSON_COMPLETED).update(is_active=False)
        complete(run_on_commit, enrollment, lessons[0])
        assert points_of(enrollment.user) == 0
        assert badge_metrics(user=enrollment.user)[BadgeRule.LESSONS_COMPLETED] == 1

    def test_changing_a_value_leaves_earlier_awards_alone(self, run_on_commit, enrollment, lessons):
        complete(run_on_commit, enrollment, lessons[0])
        PointRule.objects.filter(rule=Rule.LESSON_COMPLETED).update(points=50)
        complete(run_on_commit, enrollment, lessons[1])
        assert list(
            PointEntry.objects.filter(user=enrollment.user).order_by("pk").values_list("points", flat=True)
        ) == [
            10,
            50,
        ]


class TestDuplicates:
    def test_replayed_events_and_tasks_award_nothing_twice(self, run_on_commit, enrollment, lessons):
        complete(run_on_commit, enrollment, lessons[0])
        for _ in range(3):
            run_on_commit(lesson_completed.send, sender=None, enrollment=enrollment, lesson=lessons[0])
            tasks.reward_lesson_completion(enrollment.pk, lessons[0].pk)
        for lesson in lessons[1:]:
            complete(run_on_commit, enrollment, lesson)
        enrollment.refresh_from_db()
        run_on_commit(enrollment_completed.send, sender=None, enrollment=enrollment)
        tasks.reward_course_completion(enrollment.pk)
        assert rules_of(enrollment.user).count(Rule.LESSON_COMPLETED) == 4
        assert rules_of(enrollment.user).count(Rule.COURSE_COMPLETED) == 1

    def test_an_award_is_refused_by_the_database_even_when_the_check_is_skipped(self, student, course):
        at = datetime(2026, 11, 20, tzinfo=UTC)
        first = services.award(user=student, rule=Rule.LESSON_COMPLETED, source="lesson:1", occurred_at=at)
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            PointEntry.objects.create(
                user=student, rule=Rule.LESSON_COMPLETED, source="lesson:1", generation=1, points=1, occurred_at=at
            )
        assert first is not None and PointEntry.objects.filter(user=student).count() == 1

    def test_an_award_cannot_be_reversed_twice(self, student):
        at = datetime(2026, 11, 20, tzinfo=UTC)
        entry = services.award(user=student, rule=Rule.LESSON_COMPLETED, source="lesson:1", occurred_at=at)
        assert services.reverse(entry=entry, reason="test") is not None
        assert services.reverse(entry=entry, reason="test") is None
        assert points_of(student) == 0


class TestRefunds:
    @pytest.fixture(autouse=True)
    def _payment_simulator(self, settings):
        settings.STRIPE_SECRET_KEY = ""
        settings.BILLING_SIMULATOR_ENABLED = True

    def test_a_refund_reverses_the_course_awards_with_compensating_rows(self, run_on_commit, catalogue, trainer):
        from billing import services as billing_services
        from billing import simulator

        paid = make_course(catalogue, title="Paid", trainer=trainer, price="49.00", modules=1, lessons_per_module=2)
        learner = UserFactory()
        order = billing_services.start_checkout(user=learner, course=paid, base_url="http://testserver")
        run_on_commit(simulator.pay, order=order)
        enrollment = learner.enrollments.get(course=paid)
        for lesson in LessonPage.objects.descendant_of(paid).order_by("path"):
            complete(run_on_commit, enrollment, lesson)
        services.adjust_points(user=learner, points=5, reason="Helpful in the forum", by=None)
        originals = set(PointEntry.objects.filter(user=learner).values_list("pk", flat=True))
        assert points_of(learner) == 2 * 10 + 100 + 5

        order.refresh_from_db()
        run_on_commit(simulator.refund, order=order)
        run_on_commit(tasks.reverse_refunded_course, order.pk)  # a duplicate delivery changes nothing

        assert points_of(learner) == 5  # only the admin's award stays
        assert set(PointEntry.objects.filter(pk__in=originals).values_list("pk", flat=True)) == originals
        reversals = PointEntry.objects.filter(user=learner, rule=Rule.REVERSAL)
        assert reversals.count() == 3 and all(f"order #{order.pk}" in r.reason for r in reversals)
        assert learner_summary(user=learner).points == 5


class TestManualAdjustments:
    def test_admins_award_and_deduct_with_a_reason(self, learner, admin_user):
        services.adjust_points(user=learner, points=30, reason="Workshop helper", by=admin_user)
        services.adjust_points(user=learner, points=-10, reason="Duplicate account", by=admin_user)
        assert points_of(learner) == 20
        assert set(PointEntry.objects.filter(user=learner).values_list("created_by", flat=True)) == {admin_user.pk}

    @pytest.mark.parametrize(
        ("points", "reason", "message"),
        [(0, "x", "other than 0"), (10, "  ", "Give a reason"), (100_001, "x", "At most")],
    )
    def test_bad_adjustments_are_refused_and_write_nothing(self, learner, admin_user, points, reason, message):
        with pytest.raises(services.GamificationError, match=message):
            services.adjust_points(user=learner, points=points, reason=reason, by=admin_user)
        assert not PointEntry.objects.exists()


class TestBadges:
    def test_each_rule_awards_at_its_threshold(self, run_on_commit, student, course, enrollment, lessons, trainer):
        category = course.category
        badges = {
            rule: Badge.objects.create(name=rule, description="d", rule=rule, threshold=threshold, category=cat)
            for rule, threshold, cat in [
                (BadgeRule.LESSONS_COMPLETED, 2, None),
                (BadgeRule.ASSESSMENTS_PASSED, 1, None),
                (BadgeRule.PERFECT_ASSESSMENTS, 1, None),
                (BadgeRule.COURSES_COMPLETED, 1, category),
                (BadgeRule.SESSIONS_ATTENDED, 2, None),
                (BadgeRule.POINTS, 100, None),
            ]
        }
        other_category = Badge.objects.create(
            name="Other", description="d", rule=BadgeRule.COURSES_COMPLETED, category=make_category("Design")
        )

        def held():
            return set(
                BadgeAward.objects.filter(user=student, revoked_at__isnull=True).values_list("badge__rule", flat=True)
            )

        complete(run_on_commit, enrollment, lessons[0])
        assert held() == set()
        complete(run_on_commit, enrollment, lessons[1])
        assert held() == {BadgeRule.LESSONS_COMPLETED}
        submit(run_on_commit, student, one_question_quiz(course), right=1)
        assert held() == {BadgeRule.LESSONS_COMPLETED, BadgeRule.ASSESSMENTS_PASSED}
        submit(run_on_commit, student, one_question_quiz(course, slug="q2"), right=2)
        assert BadgeRule.PERFECT_ASSESSMENTS in held()
        first, second = make_session(course, by=trainer, weeks=2)
        run_on_commit(attend, first, student, by=trainer)
        assert BadgeRule.SESSIONS_ATTENDED not in held()
        run_on_commit(attend, second, student, by=trainer)
        assert BadgeRule.SESSIONS_ATTENDED in held()
        for lesson in lessons[2:]:
            complete(run_on_commit, enrollment, lesson)
        assert held() == set(badges)  # the course (in its category) and past 100 points
        assert not BadgeAward.objects.filter(badge=other_category).exists()

    def test_a_refund_revokes_a_badge_that_depended_on_the_course(self, run_on_commit, enrollment, lessons):
        badge = Badge.objects.create(name="Two lessons", description="d", rule=BadgeRule.LESSONS_COMPLETED, threshold=2)
        for lesson in lessons[:2]:
            complete(run_on_commit, enrollment, lesson)
        services.reverse_course_awards(user=enrollment.user, course_id=enrollment.course_id, reason="Refund")
        award = BadgeAward.objects.get(badge=badge)
        assert award.revoked_at is not None  # kept, marked revoked


class TestTotals:
    def test_incremental_totals_match_a_rebuild_from_the_ledger(self, run_on_commit, enrollment, lessons, admin_user):
        for lesson in lessons:
            complete(run_on_commit, enrollment, lesson)
        services.adjust_points(user=enrollment.user, points=-3, reason="x", by=admin_user)
        services.reverse_course_awards(user=enrollment.user, course_id=enrollment.course_id, reason="Refund")
        before = set(
            PointTotal.objects.exclude(points=0).values_list("user", "scope", "period", "period_start", "points")
        )
        services.rebuild_point_totals()
        after = set(PointTotal.objects.values_list("user", "scope", "period", "period_start", "points"))
        assert before == after and before


class TestBadgeChanges:
    def test_a_new_or_lowered_badge_goes_to_those_who_already_qualify(self, run_on_commit, enrollment, lessons):
        for lesson in lessons[:2]:
            complete(run_on_commit, enrollment, lesson)
        other = UserFactory()
        services.award(user=other, rule=Rule.LESSON_COMPLETED, source="lesson:x", occurred_at=datetime.now(UTC))
        badge = run_on_commit(
            Badge.objects.create, name="Two", description="d", rule=BadgeRule.LESSONS_COMPLETED, threshold=2
        )
        assert set(BadgeAward.objects.filter(badge=badge).values_list("user", flat=True)) == {enrollment.user_id}
        badge.threshold = 1
        run_on_commit(badge.save)
        assert BadgeAward.objects.filter(badge=badge).count() == 2

    def test_raising_the_bar_takes_nothing_from_holders(self, run_on_commit, enrollment, lessons):
        badge = Badge.objects.create(name="One", description="d", rule=BadgeRule.LESSONS_COMPLETED, threshold=1)
        complete(run_on_commit, enrollment, lessons[0])
        badge.threshold = 5
        run_on_commit(badge.save)
        complete(run_on_commit, enrollment, lessons[1])  # re-evaluates this learner's badges
        assert BadgeAward.objects.get(badge=badge).revoked_at is None


def test_the_rebuild_command_repairs_totals_in_chunks(run_on_commit, enrollment, lessons, admin_user):
    from django.core.management import call_command

    for lesson in lessons:
        complete(run_on_commit, enrollment, lesson)
    services.adjust_points(user=UserFactory(), points=12, reason="x", by=admin_user)
    expected = set(PointTotal.objects.values_list("user", "scope", "period", "period_start", "points"))
    PointTotal.objects.update(points=999)  # drifted
    PointTotal.objects.filter(period="week").delete()  # lost
    services.rebuild_point_totals(chunk_size=1)
    assert set(PointTotal.objects.values_list("user", "scope", "period", "period_start", "points")) == expected
    PointTotal.objects.update(points=1)
    call_command("rebuild_point_totals", verbosity=0)
    assert set(PointTotal.objects.values_list("user", "scope", "period", "period_start", "points")) == expected
