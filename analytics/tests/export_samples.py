"""Hand-built Reports for the export tests: every column kind, Unicode names and a formula-like title."""

from datetime import date
from decimal import Decimal

from analytics.report import Column, Filters, Kpi, Report, Series, Table

FORMULA_TITLE = '=HYPERLINK("http://evil.test","Click")'
UNICODE_TITLE = "Zoë’s Ünïcödé course — 学习 Python"
UNICODE_TRAINER = "Łukasz Żółć 李雷"


def sample_report(*, course_rows: int = 3) -> Report:
    courses = [
        {
            "title": UNICODE_TITLE,
            "trainer": UNICODE_TRAINER,
            "learners": 12,
            "completion_rate": 41.7,
            "revenue": Decimal("1234.50"),
            "first_enrolment": date(2026, 1, 15),
        },
        {
            "title": FORMULA_TITLE,
            "trainer": "-Tom Trainer",
            "learners": 3,
            "completion_rate": None,
            "revenue": Decimal("0.00"),
            "first_enrolment": None,
        },
        {
            "title": "Intro to Testing",
            "trainer": "Tom Trainer",
            "learners": 0,
            "completion_rate": 100.0,
            "revenue": Decimal("-20.00"),
            "first_enrolment": date(2026, 3, 1),
        },
    ]
    for number in range(3, course_rows):
        courses.append(
            {
                "title": f"Generated course {number}",
                "trainer": "Tom Trainer",
                "learners": number,
                "completion_rate": number % 100 + 0.5,
                "revenue": Decimal(number) / 4,
                "first_enrolment": date(2026, 2, 1),
            }
        )
    return Report(
        filters=Filters(start=date(2026, 1, 1), end=date(2026, 12, 31)),
        scope_label=f"Courses taught by {UNICODE_TRAINER}",
        kpis=[
            Kpi(
                "completion_rate",
                "Completion rate",
                42.5,
                "42.5 %",
                "Completed enrollments / active + completed enrollments in the period.",
            ),
            Kpi(
                "active_learners_30d", "Active learners (30 days)", 1234, "1,234", "Learners with progress in 30 days."
            ),
            Kpi("net_revenue", "Net revenue", Decimal("1214.50"), "€1,214.50", "Gross revenue minus refunds."),
            Kpi("average_score", "Average score", None, "—", "Mean score of graded attempts."),
        ],
        charts=[
            Series(
                key="enrolments_over_time",
                title="Enrolments and completions",
                labels=["2026-01", "2026-02", "2026-03"],
                lines={"Enrolments": [5, 7, 0], "Completions": [1, 2, 3]},
            ),
            Series(
                key="courses",
                title="Completion rate by course",
                labels=[UNICODE_TITLE, "Intro to Testing"],
                lines={"Completion rate": [41.7, 100.0]},
                kind="bar",
                unit="%",
            ),
        ],
        tables=[
            Table(
                key="courses",
                title="Courses",
                columns=[
                    Column("title", "Course"),
                    Column("trainer", "Trainer"),
                    Column("learners", "Learners", "int"),
                    Column("completion_rate", "Completion rate", "percent"),
                    Column("revenue", "Net revenue", "money"),
                    Column("first_enrolment", "First enrolment", "date"),
                ],
                rows=courses,
                definition="One row per course the viewer may see.",
            ),
            Table(
                key="revenue_by_month",
                title="Revenue by month",
                columns=[Column("month", "Month"), Column("net", "Net", "money"), Column("currency", "Currency")],
                rows=[
                    {"month": "2026-01", "net": Decimal("99.00"), "currency": "USD"},
                    {"month": "2026-02", "net": Decimal("10.10"), "currency": "EUR"},
                ],
            ),
            Table(key="empty", title="Attendance", columns=[Column("session", "Session")], rows=[]),
        ],
    )


OWN_COURSE = "Ünïcödé Python für Anfänger"
OTHER_COURSE = "Other trainer's secret course"
YEAR_2026 = Filters(start=date(2026, 1, 1), end=date(2026, 12, 31))


def two_trainers_courses(catalogue, trainer, other_trainer):
    """A course of `trainer` and one of `other_trainer`, each with an enrolled learner in 2026."""
    from datetime import UTC, datetime

    from accounts.tests.factories import UserFactory
    from courses.tests.factories import make_course
    from learning.models import Enrollment

    own = make_course(catalogue, title=OWN_COURSE, trainer=trainer, with_revisions=False)
    other = make_course(catalogue, title=OTHER_COURSE, trainer=other_trainer, with_revisions=False)
    for course in (own, other):
        Enrollment.objects.create(
            user=UserFactory(role="learner"), course=course, enrolled_at=datetime(2026, 2, 3, tzinfo=UTC)
        )
    return own, other
