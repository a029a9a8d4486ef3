"""The read side of analytics: which courses a viewer may see, and the grouped rows the KPIs are computed from.

Every selector takes `courses`, a CoursePage queryset already restricted to what the viewer may see and asked
for (courses_in_scope), and uses it as a subquery, so the number of queries never depends on the number of
courses or rows (attempts are filtered by the ids of the assessments in scope, found from page paths, and
recent_activity takes course ids: see there why).
Counting and summing happen in the database (values().annotate(): one row per course and time bucket at
most, or per active learner); analytics.kpis reads those rows into pandas CHUNK_SIZE rows at a time
(read_frame) for the ratios, pivots and time series. No model instance is ever loaded, and memory grows with
the number of courses and months, not with the number of enrollments, progress rows or orders.
pandas is imported in read_frame, not here: web workers import this module for the scope checks and should
not carry pandas until a report is actually built.
"""

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias, TypeGuard

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    Func,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek
from django.utils import timezone
from wagtail.models import Page

from accounts.models import User
from assessments.models import AssessmentPage, Attempt, AttemptStatus
from billing.models import Order, StripeEvent
from courses.models import Category, CoursePage
from learning.models import Enrollment, EnrollmentStatus, LessonProgress
from scheduling.models import ATTENDED, Attendance, Booking, BookingStatus, LiveSession

from .report import Filters

if TYPE_CHECKING:
    import pandas as pd

# Rows read from the database per round trip: bounds the memory a read holds whatever the table size.
CHUNK_SIZE = 5000

# Statuses of an enrollment that no longer gives access; their cancelled_at is when access ended.
ENDED_STATUSES = (EnrollmentStatus.CANCELLED, EnrollmentStatus.REFUNDED)

MONTH = "month"
WEEK = "week"

# What the selectors below mostly return: a values() queryset, one dict per grouped row.
Rows: TypeAlias = QuerySet[Any, dict[str, Any]]


# --- who sees what --------------------------------------------------------------------------------------


def can_see_analytics(user: User | AnonymousUser | None) -> TypeGuard[User]:
    """Admins (every course) and trainers (their own courses); never learners, banned or inactive accounts.
    The dashboard, its menu item, the exports and the reports all ask this one question."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and not user.is_banned
        and (user.is_superuser or user.is_trainer)
    )


def visible_courses(*, viewer: User | AnonymousUser | None) -> QuerySet[CoursePage] | None:
    """The courses whose figures the viewer may see, as a queryset (None: all, for admins). A trainer sees
    the courses they teach, possibly none; anybody else (learners, anonymous, banned) raises PermissionDenied:
    they may see no figure at all, not even an empty dashboard."""
    if not can_see_analytics(viewer):
        raise PermissionDenied("Analytics are for trainers and admins.")
    if viewer.is_superuser:
        return None
    taught: QuerySet[CoursePage] = CoursePage.objects.originals().filter(trainer=viewer)
    return taught


def visible_course_ids(*, viewer: User | AnonymousUser | None) -> list[int] | None:
    """visible_courses as ids: None for all (admins), the ids of the courses a trainer teaches, and
    PermissionDenied for anybody else."""
    courses = visible_courses(viewer=viewer)
    return None if courses is None else list(courses.order_by("pk").values_list("pk", flat=True))


def courses_in_scope(*, filters: Filters, viewer: User | AnonymousUser | None) -> QuerySet[CoursePage]:
    """The courses the report covers: the filters, always intersected with what the viewer may see, so no
    course id or trainer id in the filters can widen it."""
    visible = visible_courses(viewer=viewer)
    courses: QuerySet[CoursePage] = CoursePage.objects.originals() if visible is None else visible
    if filters.course_ids:
        courses = courses.filter(pk__in=filters.course_ids)
    if filters.category_id is not None:
        courses = courses.filter(category_id=filters.category_id)
    if filters.trainer_id is not None:
        courses = courses.filter(trainer_id=filters.trainer_id)
    return courses


def course_rows(*, courses: QuerySet[CoursePage]) -> Rows:
    """One row per course in scope with what the tables show about it."""
    return courses.order_by("title", "pk").values(
        "pk",
        "title",
        "path",
        "currency",
        "trainer_id",
        "trainer__first_name",
        "trainer__last_name",
        "trainer__username",
        "category__name",
    )


# --- reading into pandas ---------------------------------------------------------------------------------


def read_frame(rows: Rows) -> "pd.DataFrame":
    """A values() queryset as a DataFrame, fetched CHUNK_SIZE rows at a time (Django's converters applied:
    Decimal money, aware datetimes). The columns exist even when no row does."""
    query = rows.query
    import pandas as pd

    columns = [*query.extra_select, *query.values_select, *query.annotation_select]
    frames, batch = [], []
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        batch.append(row)
        if len(batch) == CHUNK_SIZE:
            frames.append(pd.DataFrame.from_records(batch, columns=columns))
            batch = []
    if batch or not frames:
        frames.append(pd.DataFrame.from_records(batch, columns=columns))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


# --- time ------------------------------------------------------------------------------------------------


def period_bounds(filters: Filters) -> tuple[datetime, datetime]:
    """[start, end) in UTC: the first day's midnight to the midnight after the last day (days inclusive)."""
    start = datetime.combine(filters.start, time.min, tzinfo=UTC)
    end = datetime.combine(filters.end + timedelta(days=1), time.min, tzinfo=UTC)
    return start, max(start, end)


def truncate(field: str, bucket: str) -> Func:
    truncation = TruncWeek if bucket == WEEK else TruncMonth
    return truncation(field, tzinfo=UTC)


def _between(field: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


# --- enrollments -----------------------------------------------------------------------------------------


def enrollments_in_period(*, courses: QuerySet[CoursePage], start: datetime, end: datetime) -> QuerySet[Enrollment]:
    """Enrollments active or completed in [start, end): started before the end, not completed before the
    start, not ended (left or refunded) before the start; never those still awaiting payment."""
    ended_before = Q(status__in=ENDED_STATUSES) & (Q(cancelled_at__isnull=True) | Q(cancelled_at__lt=start))
    return (
        Enrollment.objects.filter(course_id__in=courses.values("pk"), enrolled_at__lt=end)
        .exclude(status=EnrollmentStatus.PENDING_PAYMENT)
        .exclude(completed_at__lt=start)
        .exclude(ended_before)
    )


def enrollment_summary_by_course(*, courses: QuerySet[CoursePage], start: datetime, end: datetime) -> Rows:
    """Per course: enrollments in the period, those completed in it, those still active and their progress."""
    active = Q(status=EnrollmentStatus.ACTIVE)
    return (
        enrollments_in_period(courses=courses, start=start, end=end)
        .order_by()
        .values("course_id")
        .annotate(
            learners=Count("pk"),
            completed=Count("pk", filter=_between("completed_at", start, end)),
            active=Count("pk", filter=active),
            progress_sum=Sum("progress_percent", filter=active),
        )
    )


def distinct_learners(*, courses: QuerySet[CoursePage], start: datetime, end: datetime) -> int:
    return enrollments_in_period(courses=courses, start=start, end=end).values("user_id").distinct().count()


def learners_by_trainer(*, courses: QuerySet[CoursePage], start: datetime, end: datetime) -> Rows:
    """Distinct learners per trainer (a learner in two of a trainer's courses counts once)."""
    return (
        enrollments_in_period(courses=courses, start=start, end=end)
        .order_by()
        .values(trainer_id=F("course__trainer_id"))
        .annotate(learners=Count("user_id", distinct=True))
    )


def enrolments_over_time(*, courses: QuerySet[CoursePage], start: datetime, end: datetime, bucket: str) -> Rows:
    """Enrollments started in the period per course and time bucket (awaiting payment not counted)."""
    return (
        Enrollment.objects.filter(_between("enrolled_at", start, end), course_id__in=courses.values("pk"))
        .exclude(status=EnrollmentStatus.PENDING_PAYMENT)
        .order_by()
        .values("course_id", period=truncate("enrolled_at", bucket))
        .annotate(n=Count("pk"))
    )


def completions_over_time(*, courses: QuerySet[CoursePage], start: datetime, end: datetime, bucket: str) -> Rows:
    """Enrollments completed in the period per course and time bucket, whatever their status now."""
    return (
        Enrollment.objects.filter(_between("completed_at", start, end), course_id__in=courses.values("pk"))
        .order_by()
        .values("course_id", period=truncate("completed_at", bucket))
        .annotate(n=Count("pk"))
    )


def recent_activity(*, course_ids: list[int], assessment_ids: list[int], since: datetime, until: datetime) -> Rows:
    """Per learner and source, their latest lesson completion, assessment submission and recorded visit in
    [since, until) (one UNION ALL query; kpis keeps each learner's latest moment). One window serves several
    counts: the learners active in the last 7 days are those whose latest moment is in the last 7.

    Courses come as ids, not as a subquery: MariaDB otherwise starts from the courses and looks up every
    progress row of every enrollment. And completing a lesson always moves Enrollment.last_activity_at to that
    moment (learning.services), which never goes back, so only enrollments last active since the window's
    start can hold a completion in it: that narrows the 2 million progress rows to a few enrollments' rows."""
    lessons = (
        LessonProgress.objects.filter(
            _between("completed_at", since, until),
            enrollment__course_id__in=course_ids,
            enrollment__last_activity_at__gte=since,
        )
        .order_by()
        .values(learner=F("enrollment__user_id"))
        .annotate(last=Max("completed_at"))
    )
    attempts = (
        Attempt.objects.filter(
            _between("submitted_at", since, until), assessment_id__in=assessment_ids, status=AttemptStatus.SUBMITTED
        )
        .order_by()
        .values(learner=F("user_id"))
        .annotate(last=Max("submitted_at"))
    )
    visits = (
        Enrollment.objects.filter(_between("last_activity_at", since, until), course_id__in=course_ids)
        .order_by()
        .values(learner=F("user_id"))
        .annotate(last=Max("last_activity_at"))
    )
    return lessons.union(attempts, visits, all=True)


# --- assessments -----------------------------------------------------------------------------------------


def assessment_courses(*, course_paths: dict[str, int]) -> dict[int, int]:
    """assessment id -> course id for the assessments below the given courses (course page path -> course id).

    One query reads every assessment's page path; its course is the course whose path is a prefix of it
    (the page tree's materialised path), found here by dictionary look-ups. AssessmentPage.course would cost
    a query per assessment, and doing the prefix match in SQL is a correlated subquery per row."""
    lengths = sorted({len(path) for path in course_paths}, reverse=True)
    found: dict[int, int] = {}
    if not lengths:
        return found
    rows = AssessmentPage.objects.filter(depth__gt=min(lengths) // Page.steplen).order_by().values_list("pk", "path")
    for pk, path in rows.iterator(chunk_size=CHUNK_SIZE):
        course_id = next((course_paths[path[:n]] for n in lengths if path[:n] in course_paths), None)
        if course_id is not None:
            found[pk] = course_id
    return found


def attempt_stats_by_assessment(*, assessment_ids: list[int], start: datetime, end: datetime) -> Rows:
    """Per assessment: submitted, graded attempts in the period, how many passed, and their summed percent."""
    return (
        Attempt.objects.filter(
            _between("submitted_at", start, end),
            assessment_id__in=assessment_ids,
            status=AttemptStatus.SUBMITTED,
            passed__isnull=False,
            percent__isnull=False,
        )
        .order_by()
        .values("assessment_id")
        .annotate(graded=Count("pk"), passed_count=Count("pk", filter=Q(passed=True)), percent_sum=Sum("percent"))
    )


# --- live sessions ---------------------------------------------------------------------------------------


def sessions_held(
    *, courses: QuerySet[CoursePage], start: datetime, end: datetime, now: datetime | None = None
) -> QuerySet[LiveSession]:
    """Sessions held in the period: ended in [start, end), already over, not cancelled (as scheduling counts)."""
    now = now or timezone.now()
    return LiveSession.objects.filter(
        _between("ends_at", start, min(end, now + timedelta(microseconds=1))),
        course_id__in=courses.values("pk"),
        cancelled_at__isnull=True,
    )


def booked_seats_by_course(
    *, courses: QuerySet[CoursePage], start: datetime, end: datetime, now: datetime | None = None
) -> Rows:
    held = sessions_held(courses=courses, start=start, end=end, now=now)
    return (
        Booking.objects.filter(session__in=held, status=BookingStatus.BOOKED)
        .order_by()
        .values(course_id=F("session__course_id"))
        .annotate(booked=Count("pk"))
    )


def attended_by_course(
    *, courses: QuerySet[CoursePage], start: datetime, end: datetime, now: datetime | None = None
) -> Rows:
    held = sessions_held(courses=courses, start=start, end=end, now=now)
    return (
        # values() rows are dicts, so the "attended" count never meets the Attendance.attended property.
        Attendance.objects.filter(session__in=held, status__in=ATTENDED)  # type: ignore[no-redef]
        .order_by()
        .values(course_id=F("session__course_id"))
        .annotate(attended=Count("pk"))
    )


# --- money -----------------------------------------------------------------------------------------------

MONEY: "DecimalField[Decimal, Decimal]" = DecimalField(max_digits=12, decimal_places=2)


def _charged() -> Coalesce:
    # amount_paid is what Stripe reports was charged; orders paid without that report fall back to the price.
    return Coalesce("amount_paid", "amount", output_field=MONEY)


def refund_moment() -> Coalesce:
    """When an order's money went back: a full refund's date, else a lost chargeback's date, else (a partial
    refund, which keeps the order paid and records no date) the latest applied charge.refunded event's
    arrival, else (no event stored, e.g. imported data) the payment date."""
    latest_refund_event = (
        StripeEvent.objects.filter(order_id=OuterRef("pk"), type="charge.refunded", outcome="applied")
        .order_by("-received_at")
        .values("received_at")[:1]
    )
    return Coalesce("refunded_at", "dispute_lost_at", Subquery(latest_refund_event), "paid_at")


def refund_amount() -> Case:
    """A lost chargeback takes the whole charge back; otherwise what Stripe reports was refunded."""
    return Case(When(dispute_lost_at__isnull=False, then=_charged()), default=F("amount_refunded"), output_field=MONEY)


def _orders(courses: QuerySet[CoursePage]) -> QuerySet[Order]:
    return Order.objects.filter(course_id__in=courses.values("pk"), paid_at__isnull=False).order_by()


def sales(*, courses: QuerySet[CoursePage], start: datetime, end: datetime, bucket: str) -> Rows:
    """Gross per course, currency and time bucket of the payment date."""
    return (
        _orders(courses)
        .filter(_between("paid_at", start, end))
        .values("course_id", "currency", period=truncate("paid_at", bucket))
        .annotate(gross=Sum(_charged()))
    )


def refunds(*, courses: QuerySet[CoursePage], start: datetime, end: datetime, bucket: str) -> Rows:
    """Money returned per course, currency and time bucket of the refund (see refund_moment)."""
    return (
        _orders(courses)
        .filter(Q(amount_refunded__gt=0) | Q(dispute_lost_at__isnull=False))
        .annotate(refund_at=refund_moment())
        .filter(_between("refund_at", start, end))
        .values("course_id", "currency", period=truncate("refund_at", bucket))
        .annotate(refunds=Sum(refund_amount()))
    )


def paying_learners(*, courses: QuerySet[CoursePage], start: datetime, end: datetime, by: Iterable[str]) -> Rows:
    """Distinct learners with an order paid in the period, grouped by `by` among course_id, currency and
    month (the payment's month)."""
    by = list(by)
    grouping = {"month": truncate("paid_at", MONTH)} if "month" in by else {}
    rows: Rows = (
        _orders(courses)
        .filter(_between("paid_at", start, end))
        .values(*[name for name in by if name != "month"], **grouping)
        .annotate(payers=Count("user_id", distinct=True))
    )
    return rows


# --- labels ----------------------------------------------------------------------------------------------


def trainer_name(*, trainer_id: int) -> str | None:
    row = get_user_model().objects.filter(pk=trainer_id).values("first_name", "last_name", "username").first()
    return person_name(row["first_name"], row["last_name"], row["username"]) if row else None


def category_name(*, category_id: int) -> str | None:
    return Category.objects.filter(pk=category_id).values_list("name", flat=True).first()


def person_name(first_name: str | None, last_name: str | None, username: str | None) -> str:
    """As User.display_name: the full name, or the username."""
    return f"{first_name or ''} {last_name or ''}".strip() or (username or "")
