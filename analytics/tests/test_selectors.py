from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from accounts.tests.factories import UserFactory
from analytics import selectors
from analytics.report import Filters
from assessments.tests.factories import make_assessment
from billing.models import Order, StripeEvent
from courses.models import ModulePage
from courses.tests.factories import make_category, make_course
from learning.models import Enrollment

START, END = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc, arg-type]  # parts stop at seconds: never a tzinfo


@pytest.fixture
def courses(catalogue, trainer, other_trainer):
    return {
        "mine": make_course(catalogue, title="Mine", trainer=trainer, with_revisions=False),
        "mine_too": make_course(
            catalogue, title="Mine too", trainer=trainer, with_revisions=False, category=make_category("Design")
        ),
        "theirs": make_course(catalogue, title="Theirs", trainer=other_trainer, with_revisions=False),
        "nobody": make_course(catalogue, title="Nobody's", with_revisions=False),
    }


# --- visibility ------------------------------------------------------------------------------------------


def test_an_admin_sees_every_course(courses, admin_user):
    assert selectors.visible_course_ids(viewer=admin_user) is None
    assert set(selectors.courses_in_scope(filters=Filters(START.date(), END.date()), viewer=admin_user)) == set(
        courses.values()
    )


def test_a_trainer_sees_the_courses_they_teach(courses, trainer):
    assert selectors.visible_course_ids(viewer=trainer) == sorted([courses["mine"].pk, courses["mine_too"].pk])


def test_a_trainer_without_courses_sees_none(db):
    assert selectors.visible_course_ids(viewer=UserFactory(role="trainer")) == []


@pytest.mark.parametrize("who", ["learner", "anonymous", "banned trainer"])
def test_anybody_else_is_refused(db, who):
    viewer = {
        "learner": lambda: UserFactory(role="learner"),
        "anonymous": AnonymousUser,
        "banned trainer": lambda: UserFactory(role="trainer", is_banned=True),
    }[who]()
    with pytest.raises(PermissionDenied):
        selectors.visible_course_ids(viewer=viewer)


def test_filters_never_widen_a_trainer_s_scope(courses, trainer, other_trainer):
    def scope(**filters):
        return set(selectors.courses_in_scope(filters=Filters(date(2026, 1, 1), date(2026, 3, 31), **filters),
                                              viewer=trainer))  # fmt: skip

    assert scope() == {courses["mine"], courses["mine_too"]}
    assert scope(course_ids=(courses["theirs"].pk, courses["mine"].pk)) == {courses["mine"]}
    assert scope(course_ids=(courses["theirs"].pk,)) == set()
    assert scope(trainer_id=other_trainer.pk) == set()
    assert scope(category_id=courses["mine_too"].category_id) == {courses["mine_too"]}


# --- assessments mapped to courses through the page tree -------------------------------------------------


def test_assessments_map_to_their_course_in_one_query(courses, django_assert_num_queries):
    mine = make_assessment(courses["mine"], title="Final")
    nested = make_assessment(ModulePage.objects.child_of(courses["mine"]).first(), title="Module quiz")
    theirs = make_assessment(courses["theirs"], title="Theirs")
    paths = {course.path: course.pk for course in courses.values()}
    with django_assert_num_queries(1):
        mapping = selectors.assessment_courses(course_paths=paths)
    assert mapping == {mine.pk: courses["mine"].pk, nested.pk: courses["mine"].pk, theirs.pk: courses["theirs"].pk}
    # Only the courses asked for; none asked, no query.
    assert selectors.assessment_courses(course_paths={courses["mine"].path: courses["mine"].pk}) == {
        mine.pk: courses["mine"].pk,
        nested.pk: courses["mine"].pk,
    }
    with django_assert_num_queries(0):
        assert selectors.assessment_courses(course_paths={}) == {}


# --- enrollments in the period ---------------------------------------------------------------------------


def test_enrollments_in_period(courses):
    course = courses["mine"]

    def enrollment(enrolled_at, **fields):
        return Enrollment.objects.create(user=UserFactory(), course=course, enrolled_at=enrolled_at, **fields)

    counted = {
        enrollment(at(2025, 6, 1)),  # active all along
        enrollment(at(2026, 3, 31, 23, 59)),  # on the last day
        enrollment(at(2025, 6, 1), status="completed", completed_at=at(2026, 1, 1)),  # completed on the first day
        enrollment(at(2025, 6, 1), status="refunded", cancelled_at=at(2026, 1, 1)),  # ended during the period
        enrollment(at(2025, 6, 1), status="cancelled", cancelled_at=at(2026, 5, 1)),  # ended after it
    }
    enrollment(at(2026, 4, 1))  # starts the day after the end
    enrollment(at(2025, 6, 1), status="completed", completed_at=at(2025, 12, 31, 23, 59))  # done before
    enrollment(at(2025, 6, 1), status="cancelled", cancelled_at=at(2025, 12, 31, 23, 59))  # left before
    enrollment(at(2025, 6, 1), status="cancelled")  # ended, no date: not counted
    enrollment(at(2026, 2, 1), status="pending_payment")
    scope = selectors.courses_in_scope(filters=Filters(START.date(), END.date()), viewer=course.trainer)
    assert set(selectors.enrollments_in_period(courses=scope, start=START, end=END)) == counted


def test_period_bounds_include_both_days_in_utc():
    assert selectors.period_bounds(Filters(date(2026, 1, 1), date(2026, 1, 31))) == (at(2026, 1, 1), at(2026, 2, 1))


# --- refunds ---------------------------------------------------------------------------------------------


def test_refund_dates_and_amounts(courses, admin_user):
    course = courses["mine"]

    def paid(amount, **fields):
        fields = {"status": "paid", "paid_at": at(2025, 12, 1)} | fields
        return Order.objects.create(
            user=UserFactory(),
            course=course,
            amount=Decimal(amount),
            amount_paid=Decimal(amount),
            currency="EUR",
            **fields,
        )

    paid(10, status="refunded", amount_refunded=Decimal(10), refunded_at=at(2026, 1, 5))  # full: January
    partial = paid(20, amount_refunded=Decimal(5))  # partial: its latest refund event, in February
    for event_id, received in (("evt_1", at(2026, 1, 20)), ("evt_2", at(2026, 2, 3))):
        event = StripeEvent.objects.create(
            event_id=event_id, type="charge.refunded", payload={}, order=partial, outcome="applied"
        )
        StripeEvent.objects.filter(pk=event.pk).update(received_at=received)
    paid(40, status="dispute_lost", dispute_lost_at=at(2026, 3, 9))  # chargeback: all 40 in March
    paid(80, amount_refunded=Decimal(8))  # partial without any event (imported): dated by the payment, December
    paid(160)  # never refunded

    scope = selectors.courses_in_scope(filters=Filters(START.date(), END.date()), viewer=admin_user)
    rows = selectors.refunds(courses=scope, start=at(2025, 12, 1), end=END, bucket=selectors.MONTH)
    assert sorted((row["period"].strftime("%Y-%m"), row["refunds"]) for row in rows) == [
        ("2025-12", Decimal("8.00")),
        ("2026-01", Decimal("10.00")),
        ("2026-02", Decimal("5.00")),
        ("2026-03", Decimal("40.00")),
    ]


def test_read_frame_reads_in_chunks_and_keeps_columns_when_empty(courses, monkeypatch):
    monkeypatch.setattr(selectors, "CHUNK_SIZE", 2)
    every = selectors.course_rows(courses=selectors.courses_in_scope(
        filters=Filters(START.date(), END.date()), viewer=UserFactory(role="admin")))  # fmt: skip
    frame = selectors.read_frame(every)
    assert list(frame["title"]) == ["Mine", "Mine too", "Nobody's", "Theirs"]
    empty = selectors.read_frame(every.filter(pk=-1))
    assert empty.empty
    assert list(empty.columns) == list(frame.columns)
