"""build_report against figures computed by hand from a small, realistic fixture.

The world (see `world`): period 1 January – 31 March 2026 (UTC, both days included), "now" 1 June 2026.
- course A (trainer T, EUR, assessments at course and module level, live sessions, orders in EUR and USD),
- course C (other trainer, EUR),
- course D (trainer T, no learner at all).
Every expected number below is written literally, with the arithmetic in a comment.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.functional import Promise

from accounts.tests.factories import UserFactory
from analytics import kpis
from analytics.kpis import build_report
from analytics.report import Filters
from assessments.models import Attempt
from assessments.tests.factories import make_assessment
from billing.models import Order, StripeEvent
from courses.models import LessonPage, ModulePage
from courses.tests.factories import make_course
from learning.models import Enrollment, LessonProgress
from lms_site.formatting import format_value
from scheduling.models import Attendance, Booking, LiveSession

NOW = datetime(2026, 6, 1, tzinfo=UTC)
Q1 = Filters(start=date(2026, 1, 1), end=date(2026, 3, 31))


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc, arg-type]  # parts stop at seconds: never a tzinfo


# --- building rows as the services would leave them ------------------------------------------------------


def enroll(user, course, enrolled_at, *, status="active", progress=0, completed_at=None, cancelled_at=None, seen=None):
    return Enrollment.objects.create(
        user=user,
        course=course,
        enrolled_at=enrolled_at,
        status=status,
        progress_percent=progress,
        completed_at=completed_at,
        cancelled_at=cancelled_at,
        last_activity_at=seen,
    )


def attempt(assessment, user, submitted_at, *, percent, passed, number=1, status="submitted", pending=False):
    return Attempt.objects.create(
        assessment=assessment,
        user=user,
        number=number,
        status=status,
        started_at=submitted_at,
        submitted_at=submitted_at if status == "submitted" else None,
        snapshot={"version": 1, "questions": []},
        max_score=Decimal("10"),
        score=None if percent is None else Decimal(percent) / 10,
        percent=None if percent is None else Decimal(percent),
        passed=passed,
        pending_manual=pending,
    )


def order(user, course, currency, amount, paid_at, *, refunded=Decimal("0"), refunded_at=None, dispute_lost_at=None):
    status = "dispute_lost" if dispute_lost_at else "refunded" if refunded_at else "paid" if paid_at else "pending"
    return Order.objects.create(
        user=user,
        course=course,
        status=status,
        amount=Decimal(amount),
        currency=currency,
        amount_paid=Decimal(amount) if paid_at else None,
        amount_refunded=Decimal(refunded),
        paid_at=paid_at,
        refunded_at=refunded_at,
        dispute_lost_at=dispute_lost_at,
    )


def refund_event(order_row, received_at, event_id):
    event = StripeEvent.objects.create(
        event_id=event_id, type="charge.refunded", payload={}, order=order_row, outcome="applied"
    )
    StripeEvent.objects.filter(pk=event.pk).update(received_at=received_at)  # received_at is auto_now_add


def session(course, ends_at, *, cancelled=False, title="Live Q&A"):
    return LiveSession.objects.create(
        course=course,
        title=title,
        starts_at=ends_at.replace(hour=ends_at.hour - 1),
        ends_at=ends_at,
        cancelled_at=ends_at if cancelled else None,
    )


def book(live, user, status="booked"):
    Booking.objects.create(session=live, user=user, status=status, requested_at=live.starts_at)


def attend(live, user, status):
    Attendance.objects.create(session=live, user=user, status=status, updated_at=live.ends_at)


@pytest.fixture
def world(catalogue, trainer, other_trainer):
    a = make_course(catalogue, title="Course A", trainer=trainer, with_revisions=False, currency="EUR")
    c = make_course(catalogue, title="Course C", trainer=other_trainer, with_revisions=False, currency="EUR")
    d = make_course(catalogue, title="Course D", trainer=trainer, with_revisions=False, currency="EUR")
    L = {n: UserFactory(role="learner") for n in range(1, 9)}  # noqa: N806

    # Enrollments in A. In the period: e1, e2, e3, e8.
    enroll(
        L[1], a, at(2025, 12, 10), status="completed", progress=100, completed_at=at(2026, 1, 15), seen=at(2026, 2, 1)
    )
    enroll(L[2], a, at(2026, 1, 5), progress=50)
    e3 = enroll(L[3], a, at(2026, 2, 10), progress=20, seen=at(2026, 4, 3))  # last seen after the period
    enroll(L[4], a, at(2025, 11, 1), status="completed", progress=100, completed_at=at(2025, 12, 20))  # done before
    enroll(L[5], a, at(2025, 10, 1), status="cancelled", cancelled_at=at(2025, 12, 31, 23, 59))  # left before
    enroll(L[6], a, at(2026, 4, 1), seen=at(2026, 4, 1))  # after the period
    enroll(L[7], a, at(2026, 1, 10), status="pending_payment")  # never counts
    enroll(
        L[8], a, at(2026, 1, 20), status="refunded", progress=10, cancelled_at=at(2026, 2, 15), seen=at(2026, 3, 31, 23)
    )
    # Enrollments in C: both in the period; the completion on the last second of the last day counts.
    enroll(L[1], c, at(2026, 1, 2), status="completed", progress=100, completed_at=at(2026, 3, 31, 23, 59, 59),
           seen=at(2026, 3, 29))  # fmt: skip
    enroll(L[2], c, at(2026, 2, 1), progress=80, seen=at(2026, 3, 30))

    # L3 completed a lesson on 27 March: active in the last 7 days, though last seen after the period.
    lesson = LessonPage.objects.descendant_of(a).first()
    LessonProgress.objects.create(enrollment=e3, lesson=lesson, completed_at=at(2026, 3, 27))

    # Assessments: one directly below A, one in A's module (found through the page path), one in C.
    qa = make_assessment(a, title="Quiz A")
    qa2 = make_assessment(ModulePage.objects.child_of(a).first(), title="Module quiz A")
    qc = make_assessment(c, title="Quiz C")
    attempt(qa, L[2], at(2026, 1, 20), percent=80, passed=True)
    attempt(qa2, L[3], at(2026, 3, 10), percent=50, passed=False)
    attempt(qa, L[1], at(2026, 2, 1), percent=60, passed=None, pending=True)  # waits for an essay grade
    attempt(qa, L[4], at(2026, 3, 10), percent=None, passed=None, pending=True)  # submitted: L4 was active
    attempt(qa, L[8], at(2025, 12, 31, 23, 59), percent=100, passed=True)  # before the period
    attempt(qa, L[2], at(2026, 2, 2), percent=None, passed=None, number=2, status="in_progress")
    attempt(qc, L[1], at(2026, 2, 15), percent=90, passed=True)

    # Live sessions.
    s1 = session(a, at(2026, 1, 10, 18))
    for n in (1, 2, 3):
        book(s1, L[n])
    book(s1, L[8], status="cancelled")
    attend(s1, L[1], "present")
    attend(s1, L[2], "late")
    attend(s1, L[3], "absent")
    s2 = session(a, at(2026, 2, 10, 18), cancelled=True)
    book(s2, L[1])
    attend(s2, L[1], "present")
    s3 = session(a, at(2026, 4, 2, 18))  # after the period
    book(s3, L[2])
    attend(s3, L[2], "present")
    s4 = session(c, at(2026, 3, 15, 18))
    book(s4, L[1])
    book(s4, L[2])
    attend(s4, L[1], "present")

    # Orders.
    order(L[1], a, "EUR", 100, at(2026, 1, 31, 23, 30))  # 23:30 UTC on 31 Jan: January
    order(L[2], a, "EUR", 100, at(2026, 2, 1, 0, 0))  # midnight UTC on 1 Feb: February
    order(L[8], a, "EUR", 100, at(2026, 1, 20), refunded=100, refunded_at=at(2026, 2, 15))  # refunded a month later
    partial = order(L[3], a, "USD", 120, at(2026, 2, 10), refunded=20)  # partial: stays paid, no refund date
    refund_event(partial, at(2026, 3, 5), "evt_partial")
    order(L[4], a, "EUR", 100, at(2025, 12, 15), refunded=100, refunded_at=at(2026, 1, 10))  # sold before the period
    order(L[5], a, "EUR", 100, None)  # never paid
    order(L[1], c, "EUR", 50, at(2026, 3, 1), dispute_lost_at=at(2026, 3, 20))  # chargeback lost
    order(L[2], c, "EUR", 80, at(2026, 2, 1))
    return {"a": a, "c": c, "d": d, "learners": L}


def kpi(report, key):
    return next(k for k in report.kpis if k.key == key)


def values(report) -> dict:
    return {k.key: k.value for k in report.kpis}


def table(report, key):
    return next(t for t in report.tables if t.key == key)


def chart(report, key):
    return next(c for c in report.charts if c.key == key)


# --- every KPI, by hand ----------------------------------------------------------------------------------


def test_admin_kpis_match_the_hand_computed_figures(world, admin_user):
    report = build_report(filters=Q1, viewer=admin_user, now=NOW)
    assert values(report) == {
        # A: e1, e2, e3, e8 in the period, e1 completed; C: both in it, L1 completed. (1 + 1) / (4 + 2)
        "completion_rate": 33.3,
        # A: e2 (Jan), e8 (Jan), e3 (Feb); C: L1 (Jan), L2 (Feb) = 5 (e7 awaits payment, e6 is in April)
        "enrolments": 5,
        # e1 on 15 Jan, C's L1 on 31 Mar 23:59:59
        "completions": 2,
        # {L1, L2, L3, L8} in A ∪ {L1, L2} in C
        "learners": 4,
        # 25–31 Mar: L1 (seen in C 29 Mar), L2 (seen in C 30 Mar), L3 (lesson 27 Mar), L8 (seen 31 Mar 23:00)
        "active_learners_7d": 4,
        # 2–31 Mar: the four above + L4 (submitted 10 Mar); L6 seen 1 Apr is after the end
        "active_learners_30d": 5,
        # still active: e2 50, e3 20, C's L2 80 -> (50 + 20 + 80) / 3
        "average_progress": 50.0,
        # graded in the period: 80 pass, 50 fail, 90 pass -> 2 / 3
        "pass_rate": 66.7,
        # (80 + 50 + 90) / 3 = 73.33
        "average_score": 73.3,
        # held: s1 (3 booked; present + late = 2), s4 (2 booked, 1 present); s2 cancelled, s3 in April: 3 / 5
        "attendance_rate": 60.0,
        # EUR gross: A 100 + 100 + 100 (L1, L2, L8), C 50 + 80 = 430
        "gross_revenue_eur": Decimal("430.00"),
        # EUR refunds: L8's 100 (Feb), L4's 100 (Jan, sold Dec), C's lost chargeback 50 (Mar) = 250
        "refunds_eur": Decimal("250.00"),
        "net_revenue_eur": Decimal("180.00"),  # 430 - 250
        # paying EUR learners: L1, L2, L8 -> 180 / 3
        "revenue_per_learner_eur": Decimal("60.00"),
        "gross_revenue_usd": Decimal("120.00"),  # L3's order in A
        "refunds_usd": Decimal("20.00"),  # its partial refund, dated by its Stripe event (5 Mar)
        "net_revenue_usd": Decimal("100.00"),
        "revenue_per_learner_usd": Decimal("100.00"),  # 100 / 1
    }
    assert kpi(report, "completion_rate").display == "33.3 %"
    assert kpi(report, "gross_revenue_eur").display == "€430.00"
    assert kpi(report, "net_revenue_usd").display == "$100.00"
    assert kpi(report, "completion_rate").definition == kpis.COMPLETION_RATE
    assert report.scope_label == "All courses (3 courses)"


def test_courses_table(world, admin_user):
    rows = {row["course"]: row for row in table(build_report(filters=Q1, viewer=admin_user, now=NOW), "courses").rows}
    assert rows["Course A"] | {"course_id": None, "trainer": None} == {
        "course_id": None,
        "course": "Course A",
        "trainer": None,
        "category": "Programming",
        "enrolments": 3,  # e2, e3, e8
        "learners": 4,  # e1, e2, e3, e8
        "completed": 1,
        "completion_rate": 25.0,  # 1 / 4
        "average_progress": 35.0,  # (50 + 20) / 2
        "graded_attempts": 2,
        "pass_rate": 50.0,  # 1 / 2
        "average_score": 65.0,  # (80 + 50) / 2
        "booked_seats": 3,
        "attended": 2,
        "attendance_rate": 66.7,  # 2 / 3
    }
    assert rows["Course C"]["completion_rate"] == 50.0  # 1 / 2
    assert rows["Course C"]["average_score"] == 90.0
    assert rows["Course C"]["attendance_rate"] == 50.0  # 1 / 2
    # A course without learners: zeros where something is counted, None where a ratio has no denominator.
    assert rows["Course D"] | {"course_id": None, "trainer": None, "category": None} == {
        "course_id": None,
        "course": "Course D",
        "trainer": None,
        "category": None,
        "enrolments": 0,
        "learners": 0,
        "completed": 0,
        "completion_rate": None,
        "average_progress": None,
        "graded_attempts": 0,
        "pass_rate": None,
        "average_score": None,
        "booked_seats": 0,
        "attended": 0,
        "attendance_rate": None,
    }


def test_revenue_by_course_keeps_a_course_s_two_currencies_apart(world, admin_user):
    rows = table(build_report(filters=Q1, viewer=admin_user, now=NOW), "revenue_by_course").rows
    assert [(r["course"], r["currency"], r["gross"], r["refunds"], r["net"], r["paying_learners"],
             r["revenue_per_learner"]) for r in rows] == [
        # A EUR: gross 100 + 100 + 100; refunds 100 (L8) + 100 (L4, sold in December); payers L1, L2, L8: 100 / 3
        ("Course A", "EUR", Decimal("300.00"), Decimal("200.00"), Decimal("100.00"), 3, Decimal("33.33")),
        # A USD: 120 - 20, one payer
        ("Course A", "USD", Decimal("120.00"), Decimal("20.00"), Decimal("100.00"), 1, Decimal("100.00")),
        # C EUR: 50 + 80 - 50 (chargeback), payers L1, L2: 80 / 2
        ("Course C", "EUR", Decimal("130.00"), Decimal("50.00"), Decimal("80.00"), 2, Decimal("40.00")),
    ]  # fmt: skip


def test_revenue_by_month_counts_sales_and_refunds_in_their_own_months(world, admin_user):
    rows = table(build_report(filters=Q1, viewer=admin_user, now=NOW), "revenue_by_month").rows
    assert [(r["month"], r["currency"], r["gross"], r["refunds"], r["net"], r["paying_learners"],
             r["revenue_per_learner"]) for r in rows] == [
        # Jan: sales L1 (31 Jan 23:30) + L8 (20 Jan) = 200; refund of L4's December sale 100; payers L1, L8
        ("2026-01", "EUR", Decimal("200.00"), Decimal("100.00"), Decimal("100.00"), 2, Decimal("50.00")),
        # Feb: sales L2 in A (1 Feb 00:00) 100 + L2 in C 80 = 180; L8's January sale refunded 100; payer L2 once
        ("2026-02", "EUR", Decimal("180.00"), Decimal("100.00"), Decimal("80.00"), 1, Decimal("80.00")),
        # Mar: C's 50 sold and lost to a chargeback in the same month; payer L1
        ("2026-03", "EUR", Decimal("50.00"), Decimal("50.00"), Decimal("0.00"), 1, Decimal("0.00")),
        ("2026-01", "USD", Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), 0, None),
        ("2026-02", "USD", Decimal("120.00"), Decimal("0.00"), Decimal("120.00"), 1, Decimal("120.00")),
        # the partial refund lands in March (its Stripe event), not in February (the sale)
        ("2026-03", "USD", Decimal("0.00"), Decimal("20.00"), Decimal("-20.00"), 0, None),
    ]  # fmt: skip


def test_trainers_table(world, admin_user, trainer, other_trainer):
    report = build_report(filters=Q1, viewer=admin_user, now=NOW)
    rows = {row["trainer_id"]: row for row in table(report, "trainers").rows}
    assert [c.key for c in table(report, "trainers").columns] == [
        "trainer", "courses", "learners", "completion_rate", "average_score", "attendance_rate",
        "net_revenue_eur", "net_revenue_usd",
    ]  # fmt: skip
    assert [(c.label, c.currency) for c in table(report, "trainers").columns if c.kind == "money"] == [
        ("Net revenue (EUR)", "EUR"),
        ("Net revenue (USD)", "USD"),
    ]
    assert rows[trainer.pk] == {
        "trainer_id": trainer.pk,
        "trainer": trainer.display_name,
        "courses": 2,  # A and D
        "learners": 4,  # L1, L2, L3, L8
        "completion_rate": 25.0,  # 1 / 4 (D adds nothing)
        "average_score": 65.0,  # (80 + 50) / 2
        "attendance_rate": 66.7,  # 2 / 3
        "net_revenue_eur": Decimal("100.00"),  # 300 - 200
        "net_revenue_usd": Decimal("100.00"),  # 120 - 20
    }
    assert rows[other_trainer.pk] == {
        "trainer_id": other_trainer.pk,
        "trainer": other_trainer.display_name,
        "courses": 1,
        "learners": 2,
        "completion_rate": 50.0,
        "average_score": 90.0,
        "attendance_rate": 50.0,
        "net_revenue_eur": Decimal("80.00"),  # 130 - 50
        "net_revenue_usd": None,  # no money moved in USD
    }


def test_series_are_monthly_with_every_month_of_the_range(world, admin_user):
    report = build_report(filters=Q1, viewer=admin_user, now=NOW)
    enrolments = chart(report, "enrolments_completions")
    assert enrolments.labels == ["2026-01", "2026-02", "2026-03"]
    # Jan: e2, e8, C's L1; Feb: e3, C's L2. Completions: e1 in Jan, C's L1 in Mar.
    assert enrolments.lines == {"Enrolments": [3, 2, 0], "Completions": [1, 0, 1]}
    eur = chart(report, "revenue_eur")
    assert eur.unit == "EUR"
    assert eur.lines == {"Gross": [200, 180, 50], "Refunds": [100, 100, 50], "Net": [100, 80, 0]}
    assert chart(report, "revenue_usd").lines == {"Gross": [0, 120, 0], "Refunds": [0, 0, 20], "Net": [0, 120, -20]}


def test_series_are_weekly_up_to_eight_weeks(world, admin_user):
    report = build_report(filters=Filters(start=date(2026, 1, 1), end=date(2026, 1, 31)), viewer=admin_user, now=NOW)
    enrolments = chart(report, "enrolments_completions")
    # weeks start on Monday: 29 Dec holds 1 Jan
    assert enrolments.labels == ["2025-12-29", "2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"]
    # C's L1 on 2 Jan, e2 on 5 Jan, e8 on 20 Jan; e1 completed 15 Jan
    assert enrolments.lines == {"Enrolments": [1, 1, 0, 1, 0], "Completions": [0, 0, 1, 0, 0]}
    # L8 on 20 Jan, L1 on 31 Jan 23:30; L4's refund on 10 Jan
    assert chart(report, "revenue_eur").lines["Gross"] == [0, 0, 0, 100, 100]
    assert chart(report, "revenue_eur").lines["Refunds"] == [0, 100, 0, 0, 0]
    assert table(report, "revenue_by_month").rows[0]["month"] == "2026-01"


@pytest.mark.parametrize("viewer_zone", ["UTC", "Asia/Tokyo", "America/Los_Angeles"])
def test_month_boundaries_are_utc(world, admin_user, viewer_zone):
    # The middleware activates the viewer's own zone; the buckets must not follow it.
    with timezone.override(viewer_zone):
        january = build_report(
            filters=Filters(start=date(2026, 1, 1), end=date(2026, 1, 31)), viewer=admin_user, now=NOW
        )
        february = build_report(
            filters=Filters(start=date(2026, 2, 1), end=date(2026, 2, 28)), viewer=admin_user, now=NOW
        )
        by_month = table(
            build_report(filters=Filters(start=date(2026, 1, 1), end=date(2026, 2, 28)), viewer=admin_user, now=NOW),
            "revenue_by_month",
        ).rows
    assert {(row["month"], row["gross"]) for row in by_month if row["currency"] == "EUR"} == {
        ("2026-01", Decimal("200.00")),
        ("2026-02", Decimal("180.00")),
    }
    # January: L8's 100 + L1's 100 paid at 23:30 UTC on the 31st
    assert kpi(january, "gross_revenue_eur").value == Decimal("200.00")
    # February: L2's 100 paid at 00:00 UTC on the 1st + C's 80
    assert kpi(february, "gross_revenue_eur").value == Decimal("180.00")


def test_a_refund_counts_in_its_own_period_and_the_sale_in_its_own(world, admin_user):
    # L4 bought in December 2025 and was refunded on 10 January 2026.
    december = build_report(filters=Filters(start=date(2025, 12, 1), end=date(2025, 12, 31)), viewer=admin_user)
    assert values(december)["gross_revenue_eur"] == Decimal("100.00")
    assert values(december)["refunds_eur"] == Decimal("0.00")
    january = build_report(filters=Filters(start=date(2026, 1, 1), end=date(2026, 1, 31)), viewer=admin_user, now=NOW)
    assert values(january)["refunds_eur"] == Decimal("100.00")
    # 200 sold - 100 refunded for December's sale
    assert values(january)["net_revenue_eur"] == Decimal("100.00")


def test_an_empty_period_has_no_figures_and_divides_by_nothing(world, admin_user):
    # Before any enrollment or order: (a later empty month would still count the enrollments active in it)
    report = build_report(filters=Filters(start=date(2020, 1, 1), end=date(2020, 1, 31)), viewer=admin_user, now=NOW)
    figures = values(report)
    for key in ("completion_rate", "average_progress", "pass_rate", "average_score", "attendance_rate",
                "gross_revenue_eur", "refunds_eur", "net_revenue_eur", "revenue_per_learner_eur"):  # fmt: skip
        assert figures[key] is None, key
        assert kpi(report, key).display == "—"
    assert figures["enrolments"] == figures["completions"] == figures["learners"] == 0
    assert figures["active_learners_7d"] == figures["active_learners_30d"] == 0
    assert chart(report, "enrolments_completions").lines == {"Enrolments": [0] * 5, "Completions": [0] * 5}
    assert table(report, "revenue_by_course").rows == []
    assert table(report, "revenue_by_month").rows == []
    assert {row["course"] for row in table(report, "courses").rows} == {"Course A", "Course C", "Course D"}


def test_no_course_at_all(db, admin_user):
    report = build_report(filters=Q1, viewer=admin_user, now=NOW)
    assert values(report)["completion_rate"] is None
    assert values(report)["gross_revenue_eur"] is None  # the default currency, shown as "—"
    assert all(t.rows == [] for t in report.tables)
    assert report.scope_label == "All courses (no course matches)"


# --- scoping ---------------------------------------------------------------------------------------------


def test_a_trainer_sees_only_their_courses(world, trainer):
    report = build_report(filters=Q1, viewer=trainer, now=NOW)
    figures = values(report)
    assert figures["completion_rate"] == 25.0  # A only: 1 / 4
    assert figures["learners"] == 4
    assert figures["active_learners_7d"] == 2  # L3 (lesson in A), L8; L1's and L2's visits were in C
    assert figures["active_learners_30d"] == 3  # + L4 (submitted in A)
    assert figures["gross_revenue_eur"] == Decimal("300.00")
    assert figures["revenue_per_learner_eur"] == Decimal("33.33")  # 100 / 3
    assert {row["course"] for row in table(report, "courses").rows} == {"Course A", "Course D"}
    assert [row["trainer_id"] for row in table(report, "trainers").rows] == [trainer.pk]
    assert report.scope_label == f"Courses taught by {trainer.display_name} (2 courses)"


@pytest.mark.parametrize("asked", ["course", "trainer"])
def test_a_trainer_asking_for_another_trainer_s_numbers_gets_nothing(world, trainer, other_trainer, asked):
    filters = (
        Filters(start=Q1.start, end=Q1.end, course_ids=(world["c"].pk,))
        if asked == "course"
        else Filters(start=Q1.start, end=Q1.end, trainer_id=other_trainer.pk)
    )
    report = build_report(filters=filters, viewer=trainer, now=NOW)
    figures = values(report)
    assert figures["learners"] == figures["enrolments"] == figures["completions"] == 0
    assert figures["active_learners_30d"] == 0
    assert figures["completion_rate"] is figures["average_score"] is figures["attendance_rate"] is None
    assert figures["gross_revenue_eur"] is None
    assert all(table.rows == [] for table in report.tables)
    assert all(value == 0 for chart in report.charts for line in chart.lines.values() for value in line)
    assert "no course matches" in report.scope_label


def test_filters_narrow_an_admin_s_view(world, admin_user, other_trainer):
    by_course = build_report(
        filters=Filters(start=Q1.start, end=Q1.end, course_ids=(world["c"].pk,)), viewer=admin_user
    )
    assert values(by_course)["completion_rate"] == 50.0
    by_trainer = build_report(
        filters=Filters(start=Q1.start, end=Q1.end, trainer_id=other_trainer.pk), viewer=admin_user
    )
    assert values(by_trainer)["gross_revenue_eur"] == Decimal("130.00")
    assert f"trainer {other_trainer.display_name}" in by_trainer.scope_label


def test_a_learner_sees_nothing(world, learner):
    with pytest.raises(PermissionDenied):
        build_report(filters=Q1, viewer=learner)


# --- cost ------------------------------------------------------------------------------------------------


def _populate(course, learners: int, start: int):
    for n in range(start, start + learners):
        user = UserFactory(role="learner")
        enroll(user, course, at(2026, 1, 1 + n % 28), progress=n % 100, seen=at(2026, 3, 30))
        order(user, course, "EUR" if n % 2 else "USD", 10, at(2026, 2, 1 + n % 27), refunded=n % 3)


def test_the_query_count_does_not_grow_with_rows(catalogue, trainer, admin_user, django_assert_max_num_queries):
    course = make_course(catalogue, title="Busy", trainer=trainer, with_revisions=False)
    _populate(course, 5, 0)
    build_report(filters=Q1, viewer=admin_user, now=NOW)  # warm up (content types, caches)
    with CaptureQueriesContext(connection) as five:
        build_report(filters=Q1, viewer=admin_user, now=NOW)
    _populate(course, 45, 5)
    with django_assert_max_num_queries(len(five)):
        report = build_report(filters=Q1, viewer=admin_user, now=NOW)
    assert values(report)["learners"] == 50


# --- shape and formatting --------------------------------------------------------------------------------


def test_every_row_has_every_column_and_every_figure_its_written_definition(world, admin_user):
    report = build_report(filters=Q1, viewer=admin_user, now=NOW)
    for t in report.tables:
        assert t.definition
        assert t.rows, t.key
        for row in t.rows:
            assert {c.key for c in t.columns} <= set(row), t.key
    # The definitions are lazy translations (read in the report's language): compare their text.
    definitions = {str(value) for name, value in vars(kpis).items() if name.isupper() and isinstance(value, Promise)}
    assert all(k.definition in definitions for k in report.kpis)
    assert [c.key for c in report.charts] == ["enrolments_completions", "revenue_eur", "revenue_usd"]
    assert all(len(line) == len(c.labels) for c in report.charts for line in c.lines.values())


def test_a_course_without_trainer_has_its_own_row(catalogue, admin_user):
    make_course(catalogue, title="Orphan", with_revisions=False)
    rows = table(build_report(filters=Q1, viewer=admin_user, now=NOW), "trainers").rows
    assert [(r["trainer_id"], r["trainer"], r["courses"], r["completion_rate"]) for r in rows] == [
        (None, "No trainer", 1, None)
    ]


@pytest.mark.parametrize(
    ("value", "kind", "currency", "shown"),
    [
        (None, "percent", "", "—"),
        (33.3, "percent", "", "33.3 %"),
        (Decimal("1234.5"), "money", "EUR", "€1,234.50"),
        (Decimal("-20"), "money", "USD", "-$20.00"),
        (Decimal("7"), "money", "CHF", "7.00 CHF"),
        (12345, "int", "", "12,345"),
        ("Course A", "text", "", "Course A"),
    ],
)
def test_format_value(value, kind, currency, shown):
    assert format_value(value, kind, currency) == shown
