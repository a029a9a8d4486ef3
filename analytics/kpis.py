"""The figures of the analytics dashboard and reports, computed once per request as a Report.

The database counts and sums (analytics.selectors: grouped rows, one per course and time bucket at most);
pandas joins them, fills the empty buckets, and computes the ratios. Each definition below is written once
and travels with its figure (Kpi.definition, Table.definition) to the dashboard's help text and every export.

Conventions of the Report produced here:
- percentages are on a 0–100 scale, rounded to one decimal; None where the ratio has no denominator;
- money is Decimal with 2 places, always with its currency (a "currency" column, or the currency in the
  KPI key and the column label): amounts in different currencies are never added together;
- time buckets are calendar months ("2026-01"), or ISO weeks labelled by their Monday ("2026-01-05") when
  the range spans 8 weeks or less; all in UTC.
"""

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from lms_site.formatting import format_value
from lms_site.replicas import replica_reads

from . import selectors
from .report import Column, Filters, Kpi, Report, Series, Table

# --- definitions (written once) --------------------------------------------------------------------------

PERIOD = gettext_lazy("Dates are calendar days in UTC; the first and the last day are included.")
IN_PERIOD = gettext_lazy(
    "An enrollment is active or completed in the period when it started on or before the last day, had not "
    "been completed before the first day, and had not ended (learner left, or payment refunded) before the "
    "first day; enrollments still awaiting payment never count."
)
COMPLETION_RATE = format_lazy(
    "{} {}",
    gettext_lazy(
        "Completion rate = enrollments completed in the period ÷ enrollments active or completed in the period."
    ),
    IN_PERIOD,
)
ENROLMENTS = gettext_lazy(
    "Enrolments = enrollments that started in the period (those awaiting payment are not counted)."
)
COMPLETIONS = gettext_lazy("Completions = enrollments completed in the period, whatever their status today.")
LEARNERS = gettext_lazy(
    "Learners = distinct people with an enrollment active or completed in the period (a person in two courses "
    "counts once)."
)
ACTIVE_LEARNERS_7 = gettext_lazy(
    "Active learners (7 days) = distinct learners who completed a lesson, submitted an assessment or were last "
    "seen in a course (their most recent recorded activity) during the 7 days ending with the period's last day."
)
ACTIVE_LEARNERS_30 = gettext_lazy(
    "Active learners (30 days) = distinct learners who completed a lesson, submitted an assessment or were last "
    "seen in a course (their most recent recorded activity) during the 30 days ending with the period's last day."
)
AVERAGE_PROGRESS = gettext_lazy(
    "Average progress = mean course progress (share of the course's lessons completed, as it stands today) of "
    "the enrollments active in the period that are still active (neither completed nor ended)."
)
PASS_RATE = gettext_lazy(
    "Pass rate = graded attempts that passed ÷ graded attempts, over assessment attempts submitted in the "  # noqa: S105
    "period (attempts still waiting for an essay grade are left out)."
)
AVERAGE_SCORE = gettext_lazy("Average score = mean percentage score of the graded attempts submitted in the period.")
ATTENDANCE_RATE = gettext_lazy(
    "Attendance rate = attendances recorded as present or late ÷ booked seats, over the live sessions held in "
    "the period (ended in the period, not cancelled)."
)
GROSS_REVENUE = gettext_lazy(
    "Gross revenue = amount charged on the orders paid in the period, counted in the month of the payment; "
    "per currency (amounts in different currencies are never added together)."
)
REFUNDS = gettext_lazy(
    "Refunds = money given back in the period, whenever the sale was: a full refund on its date, a lost "
    "chargeback (the whole charge) on its date, a partial refund on the arrival of the order's latest Stripe "
    "refund event; per currency."
)
NET_REVENUE = gettext_lazy("Net revenue = gross revenue − refunds of the period, per currency.")
REVENUE_PER_LEARNER = gettext_lazy(
    "Revenue per learner = net revenue ÷ paying learners (distinct learners with an order paid in the period), "
    "per currency."
)

# Joined when read (format_lazy), so each definition is in the language of whoever reads the report.
COURSES_TABLE = format_lazy("{} {} {} {} {} {}", COMPLETION_RATE, AVERAGE_PROGRESS, PASS_RATE, AVERAGE_SCORE,
                            ATTENDANCE_RATE, PERIOD)  # fmt: skip
REVENUE_TABLE = format_lazy("{} {} {} {} {}", GROSS_REVENUE, REFUNDS, NET_REVENUE, REVENUE_PER_LEARNER, PERIOD)
TRAINERS_TABLE = format_lazy(
    "{} {} {} {} {} {} {}",
    gettext_lazy("Per trainer, over the courses they teach:"),
    LEARNERS,
    COMPLETION_RATE,
    AVERAGE_SCORE,
    ATTENDANCE_RATE,
    NET_REVENUE,
    PERIOD,
)

# When the range spans this many days or fewer, the time series are weekly instead of monthly.
WEEKLY_UP_TO_DAYS = 56

CENT = Decimal("0.01")


# --- small numeric helpers -------------------------------------------------------------------------------


def _ratio(numerator, denominator) -> float | None:
    """numerator / denominator as a percentage with one decimal; None when there is nothing to divide by."""
    if denominator is None or pd.isna(denominator) or not denominator:
        return None
    return round(float(numerator) * 100 / float(denominator), 1)


def _mean(total, count) -> float | None:
    if count is None or pd.isna(count) or not count:
        return None
    return round(float(total) / float(count), 1)


def _cents(value) -> int:
    return 0 if value is None or (isinstance(value, float) and pd.isna(value)) else int(Decimal(value) * 100)


def _money(cents) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(CENT)


def _per_learner(net_cents, payers) -> Decimal | None:
    if payers is None or pd.isna(payers) or not payers:
        return None
    return (Decimal(int(net_cents)) / 100 / int(payers)).quantize(CENT, ROUND_HALF_UP)


def _int(value) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


# --- time buckets ----------------------------------------------------------------------------------------

LABEL_FORMATS = {selectors.MONTH: "%Y-%m", selectors.WEEK: "%Y-%m-%d"}


def time_buckets(filters: Filters) -> tuple[str, list[str]]:
    """The series' granularity and its labels, every bucket of the range (empty ones included)."""
    if filters.end < filters.start:
        return selectors.MONTH, []
    if (filters.end - filters.start).days + 1 <= WEEKLY_UP_TO_DAYS:
        first = filters.start - timedelta(days=filters.start.weekday())
        return selectors.WEEK, [d.strftime("%Y-%m-%d") for d in pd.date_range(first, filters.end, freq="7D")]
    return selectors.MONTH, month_labels(filters)


def month_labels(filters: Filters) -> list[str]:
    if filters.end < filters.start:
        return []
    return [d.strftime("%Y-%m") for d in pd.date_range(filters.start.replace(day=1), filters.end, freq="MS")]


def _with_labels(frame: pd.DataFrame, bucket: str) -> pd.DataFrame:
    """Replaces the database's truncated datetimes (UTC) by bucket labels."""
    frame = frame.copy()
    if frame.empty:
        frame["period"] = pd.Series(dtype="str")
    else:
        frame["period"] = pd.to_datetime(frame["period"], utc=True).dt.strftime(LABEL_FORMATS[bucket])
    return frame


# --- the report ------------------------------------------------------------------------------------------


@replica_reads()  # figures a few seconds old are fine; every query runs before this returns
def build_report(*, filters: Filters, viewer, now: datetime | None = None) -> Report:
    """Every figure of the dashboard for what `viewer` may see and asked for (raises PermissionDenied for a
    viewer who may see none: see selectors.visible_course_ids)."""
    courses = selectors.courses_in_scope(filters=filters, viewer=viewer)
    start, end = selectors.period_bounds(filters)
    bucket, labels = time_buckets(filters)
    months = month_labels(filters)

    course_frame, over_time, assessment_ids = _course_frame(courses, start, end, bucket, now)
    money = _money_frames(courses, start, end, bucket)
    currencies = _currencies(course_frame, money)

    report = Report(filters=filters, scope_label=_scope_label(filters, viewer, len(course_frame)))
    report.kpis = _kpis(courses, course_frame, money, currencies, assessment_ids, start, end)
    report.charts = _charts(over_time, money, bucket, labels)
    report.tables = [
        _courses_table(course_frame),
        _revenue_by_course_table(course_frame, money),
        _revenue_by_month_table(money, months),
        _trainers_table(course_frame, money, currencies, courses, start, end),
    ]
    return report


# --- per course ------------------------------------------------------------------------------------------

COURSE_COUNTS = ["learners", "completed", "active", "progress_sum", "enrolments", "completions", "graded",
                 "passed_count", "percent_sum", "booked", "attended"]  # fmt: skip


def _course_frame(courses, start, end, bucket, now) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], list[int]]:
    """One row per course in scope with every count the KPIs need (courses without learners keep zeros),
    the enrolments and completions per course and time bucket for the charts, and the assessments in scope."""
    frame = selectors.read_frame(selectors.course_rows(courses=courses)).rename(columns={"pk": "course_id"})
    no_trainer = _("No trainer")
    frame["trainer"] = [
        selectors.person_name(first, last, username) if pd.notna(trainer_id) else no_trainer
        for trainer_id, first, last, username in zip(
            frame["trainer_id"],
            frame["trainer__first_name"],
            frame["trainer__last_name"],
            frame["trainer__username"],
            strict=True,
        )
    ]
    frame["category"] = frame["category__name"].fillna("")

    summary = selectors.read_frame(selectors.enrollment_summary_by_course(courses=courses, start=start, end=end))
    enrolled = selectors.read_frame(
        selectors.enrolments_over_time(courses=courses, start=start, end=end, bucket=bucket)
    )
    completed = selectors.read_frame(
        selectors.completions_over_time(courses=courses, start=start, end=end, bucket=bucket)
    )
    course_paths = dict(zip(frame["path"], frame["course_id"], strict=True))
    assessment_course = selectors.assessment_courses(course_paths=course_paths)
    attempts = _attempts_by_course(assessment_course, start, end)
    booked = selectors.read_frame(selectors.booked_seats_by_course(courses=courses, start=start, end=end, now=now))
    attended = selectors.read_frame(selectors.attended_by_course(courses=courses, start=start, end=end, now=now))

    per_course = [
        summary.set_index("course_id"),
        enrolled.groupby("course_id")["n"].sum().rename("enrolments"),
        completed.groupby("course_id")["n"].sum().rename("completions"),
        attempts,
        booked.set_index("course_id"),
        attended.set_index("course_id"),
    ]
    frame = frame.set_index("course_id")
    for part in per_course:
        frame = frame.join(part, how="left")
    for column in COURSE_COUNTS:
        values = frame[column].map(_float_or_zero)
        frame[column] = values if column in ("progress_sum", "percent_sum") else values.astype("int64")
    over_time = {"enrolled": _with_labels(enrolled, bucket), "completed": _with_labels(completed, bucket)}
    return frame.reset_index(), over_time, sorted(assessment_course)


def _float_or_zero(value) -> float:
    return 0.0 if value is None or pd.isna(value) else float(value)


def _attempts_by_course(assessment_course: dict[int, int], start, end) -> pd.DataFrame:
    """Attempt counts per course: grouped per assessment in the database, mapped to courses here."""
    stats = selectors.read_frame(
        selectors.attempt_stats_by_assessment(assessment_ids=sorted(assessment_course), start=start, end=end)
    )
    stats["course_id"] = stats["assessment_id"].map(assessment_course)
    stats["percent_sum"] = stats["percent_sum"].map(_float_or_zero)
    return stats.groupby("course_id")[["graded", "passed_count", "percent_sum"]].sum()


# --- money -----------------------------------------------------------------------------------------------

MONEY_KEYS = ["course_id", "currency", "period"]


def _money_moves(courses, start, end, bucket) -> pd.DataFrame:
    """Gross and refunds in cents per course, currency and time bucket (sales by payment date, refunds by
    refund date: a refund in a later month than its sale lands in its own month)."""
    sold = _with_labels(
        selectors.read_frame(selectors.sales(courses=courses, start=start, end=end, bucket=bucket)), bucket
    )
    returned = _with_labels(
        selectors.read_frame(selectors.refunds(courses=courses, start=start, end=end, bucket=bucket)), bucket
    )
    sold["gross_cents"] = sold["gross"].map(_cents).astype("int64")
    sold["refunds_cents"] = 0
    returned["gross_cents"] = 0
    returned["refunds_cents"] = returned["refunds"].map(_cents).astype("int64")
    columns = [*MONEY_KEYS, "gross_cents", "refunds_cents"]
    moves = pd.concat([sold[columns], returned[columns]], ignore_index=True)
    moves[["gross_cents", "refunds_cents"]] = moves[["gross_cents", "refunds_cents"]].astype("int64")
    return moves.groupby(MONEY_KEYS, as_index=False)[["gross_cents", "refunds_cents"]].sum()


def _payers(courses, start, end, by: list[str]) -> dict:
    frame = selectors.read_frame(selectors.paying_learners(courses=courses, start=start, end=end, by=by))
    if "month" in by:
        frame = _with_labels(frame.rename(columns={"month": "period"}), selectors.MONTH).rename(
            columns={"period": "month"}
        )
    keys = list(zip(*(frame[name] for name in by), strict=True)) if len(by) > 1 else list(frame[by[0]])
    return dict(zip(keys, frame["payers"], strict=True))


def _money_frames(courses, start, end, bucket) -> dict:
    by_month = _money_moves(courses, start, end, selectors.MONTH)
    by_bucket = by_month if bucket == selectors.MONTH else _money_moves(courses, start, end, bucket)
    totals = ["gross_cents", "refunds_cents"]
    return {
        "by_course": by_month.groupby(["course_id", "currency"], as_index=False)[totals].sum(),
        "by_month": by_month.groupby(["period", "currency"], as_index=False)[totals].sum(),
        "by_currency": by_month.groupby("currency")[totals].sum(),
        "by_bucket": by_bucket.groupby(["period", "currency"], as_index=False)[totals].sum(),
        "payers": _payers(courses, start, end, ["currency"]),
        "payers_by_course": _payers(courses, start, end, ["course_id", "currency"]),
        "payers_by_month": _payers(courses, start, end, ["month", "currency"]),
    }


def _currencies(course_frame: pd.DataFrame, money: dict) -> list[str]:
    """The currencies money moved in, then those of the courses in scope (figures shown as "—")."""
    found = set(money["by_currency"].index) | set(course_frame["currency"])
    return sorted(found) or [settings.LMS_DEFAULT_CURRENCY]


# --- KPIs ------------------------------------------------------------------------------------------------


def _kpi(key: str, label: str, value, kind: str, definition, currency: str = "") -> Kpi:
    # str(): the report holds text in the language it is built in (a worker speaks the requester's).
    return Kpi(
        key=key, label=label, value=value, display=format_value(value, kind, currency), definition=str(definition)
    )


def _active_learners(course_ids: list[int], assessment_ids: list[int], end: datetime) -> tuple[int, int]:
    """Learners active in the 7 and the 30 days before the end, from one read of the 30-day window."""
    if not course_ids:
        return 0, 0
    window = selectors.recent_activity(
        course_ids=course_ids, assessment_ids=assessment_ids, since=end - timedelta(days=30), until=end
    )
    activity = selectors.read_frame(window)
    if activity.empty:
        return 0, 0
    latest = pd.to_datetime(activity["last"], utc=True).groupby(activity["learner"]).max()
    return int((latest >= pd.Timestamp(end - timedelta(days=7))).sum()), len(latest)


def _kpis(courses, frame, money: dict, currencies: list[str], assessment_ids, start, end) -> list[Kpi]:
    total = frame[COURSE_COUNTS].sum()
    learners = selectors.distinct_learners(courses=courses, start=start, end=end) if len(frame) else 0
    active_7, active_30 = _active_learners([int(pk) for pk in frame["course_id"]], assessment_ids, end)
    kpis = [
        _kpi("completion_rate", _("Completion rate"), _ratio(total["completed"], total["learners"]), "percent",
             COMPLETION_RATE),
        _kpi("enrolments", _("Enrolments"), int(total["enrolments"]), "int", ENROLMENTS),
        _kpi("completions", _("Completions"), int(total["completions"]), "int", COMPLETIONS),
        _kpi("learners", _("Learners"), learners, "int", LEARNERS),
        _kpi("active_learners_7d", _("Active learners (7 days)"), active_7, "int", ACTIVE_LEARNERS_7),
        _kpi("active_learners_30d", _("Active learners (30 days)"), active_30, "int", ACTIVE_LEARNERS_30),
        _kpi("average_progress", _("Average progress"), _mean(total["progress_sum"], total["active"]), "percent",
             AVERAGE_PROGRESS),
        _kpi("pass_rate", _("Pass rate"), _ratio(total["passed_count"], total["graded"]), "percent", PASS_RATE),
        _kpi("average_score", _("Average score"), _mean(total["percent_sum"], total["graded"]), "percent",
             AVERAGE_SCORE),
        _kpi("attendance_rate", _("Attendance rate"), _ratio(total["attended"], total["booked"]), "percent",
             ATTENDANCE_RATE),
    ]  # fmt: skip
    by_currency = money["by_currency"]
    for currency in currencies:
        moved = currency in by_currency.index
        gross = int(by_currency.at[currency, "gross_cents"]) if moved else None
        refunded = int(by_currency.at[currency, "refunds_cents"]) if moved else None
        net = gross - refunded if gross is not None and refunded is not None else None
        suffix = currency.lower()
        # "(EUR)" stays last in each label: exports read a money column's currency from there.
        named = {"currency": currency}
        kpis += [
            _kpi(f"gross_revenue_{suffix}", _("Gross revenue (%(currency)s)") % named, _money_or_none(gross), "money",
                 GROSS_REVENUE, currency),
            _kpi(f"refunds_{suffix}", _("Refunds (%(currency)s)") % named, _money_or_none(refunded), "money", REFUNDS,
                 currency),
            _kpi(f"net_revenue_{suffix}", _("Net revenue (%(currency)s)") % named, _money_or_none(net), "money",
                 NET_REVENUE, currency),
            _kpi(f"revenue_per_learner_{suffix}", _("Revenue per learner (%(currency)s)") % named,
                 _per_learner(net, money["payers"].get(currency)) if moved else None, "money", REVENUE_PER_LEARNER,
                 currency),
        ]  # fmt: skip
    return kpis


def _money_or_none(cents: int | None) -> Decimal | None:
    return None if cents is None else _money(cents)


# --- charts ----------------------------------------------------------------------------------------------


def _per_label(frame: pd.DataFrame, column: str, labels: list[str]) -> list[float]:
    if frame.empty:
        return [0.0] * len(labels)
    return [float(v) for v in frame.groupby("period")[column].sum().reindex(labels, fill_value=0)]


def _charts(over_time: dict[str, pd.DataFrame], money: dict, bucket: str, labels: list[str]) -> list[Series]:
    weekly = bucket == selectors.WEEK
    charts = [
        Series(
            key="enrolments_completions",
            title=_("Enrolments and completions per week") if weekly else _("Enrolments and completions per month"),
            labels=labels,
            lines={
                _("Enrolments"): _per_label(over_time["enrolled"], "n", labels),
                _("Completions"): _per_label(over_time["completed"], "n", labels),
            },
        )
    ]
    by_bucket = money["by_bucket"]
    for currency in sorted(set(by_bucket["currency"])):
        moves = by_bucket[by_bucket["currency"] == currency]
        gross_cents = _per_label(moves, "gross_cents", labels)
        refunds_cents = _per_label(moves, "refunds_cents", labels)
        # From whole cents, so that the net never shows float noise such as 0.30000000000000004.
        gross, refunded = [c / 100 for c in gross_cents], [c / 100 for c in refunds_cents]
        net = [(g - r) / 100 for g, r in zip(gross_cents, refunds_cents, strict=True)]
        charts.append(
            Series(
                key=f"revenue_{currency.lower()}",
                title=(_("Revenue per week (%(currency)s)") if weekly else _("Revenue per month (%(currency)s)"))
                % {"currency": currency},
                labels=labels,
                lines={_("Gross"): gross, _("Refunds"): refunded, _("Net"): net},
                kind="bar",
                unit=currency,
            )
        )
    return charts


# --- tables ----------------------------------------------------------------------------------------------


def _courses_table(frame: pd.DataFrame) -> Table:
    rows = [
        {
            "course_id": int(row.course_id),
            "course": row.title,
            "trainer": row.trainer,
            "category": row.category,
            "enrolments": int(row.enrolments),
            "learners": int(row.learners),
            "completed": int(row.completed),
            "completion_rate": _ratio(row.completed, row.learners),
            "average_progress": _mean(row.progress_sum, row.active),
            "graded_attempts": int(row.graded),
            "pass_rate": _ratio(row.passed_count, row.graded),
            "average_score": _mean(row.percent_sum, row.graded),
            "booked_seats": int(row.booked),
            "attended": int(row.attended),
            "attendance_rate": _ratio(row.attended, row.booked),
        }
        for row in frame.itertuples(index=False)
    ]
    columns = [
        Column("course", _("Course")),
        Column("trainer", _("Trainer")),
        Column("category", _("Category")),
        Column("enrolments", _("Enrolments"), "int"),
        Column("learners", _("Learners in the period"), "int"),
        Column("completed", _("Completed"), "int"),
        Column("completion_rate", _("Completion rate"), "percent"),
        Column("average_progress", _("Average progress"), "percent"),
        Column("graded_attempts", _("Graded attempts"), "int"),
        Column("pass_rate", _("Pass rate"), "percent"),
        Column("average_score", _("Average score"), "percent"),
        Column("booked_seats", _("Booked seats"), "int"),
        Column("attended", _("Attended"), "int"),
        Column("attendance_rate", _("Attendance rate"), "percent"),
    ]
    definition = f"{ENROLMENTS} {COURSES_TABLE}"
    return Table(key="courses", title=_("Courses"), columns=columns, rows=rows, definition=definition)


def revenue_columns() -> list[Column]:
    """Made per report (not at import), so the labels are in the language the report is built in."""
    return [
        Column("currency", _("Currency")),
        Column("gross", _("Gross"), "money"),
        Column("refunds", _("Refunds"), "money"),
        Column("net", _("Net"), "money"),
        Column("paying_learners", _("Paying learners"), "int"),
        Column("revenue_per_learner", _("Revenue per learner"), "money"),
    ]


def _revenue_row(gross_cents, refunds_cents, payers) -> dict:
    net = int(gross_cents) - int(refunds_cents)
    return {
        "gross": _money(gross_cents),
        "refunds": _money(refunds_cents),
        "net": _money(net),
        "paying_learners": _int(payers),
        "revenue_per_learner": _per_learner(net, payers),
    }


def _revenue_by_course_table(frame: pd.DataFrame, money: dict) -> Table:
    titles = dict(zip(frame["course_id"], frame["title"], strict=True))
    by_course = money["by_course"].copy()
    by_course["title"] = by_course["course_id"].map(titles)
    rows = [
        {
            "course_id": int(row.course_id),
            "course": row.title,
            "currency": row.currency,
            **_revenue_row(
                row.gross_cents, row.refunds_cents, money["payers_by_course"].get((row.course_id, row.currency))
            ),
        }
        for row in by_course.sort_values(["title", "course_id", "currency"]).itertuples(index=False)
    ]
    return Table(
        key="revenue_by_course",
        title=_("Revenue by course"),
        columns=[Column("course", _("Course")), *revenue_columns()],
        rows=rows,
        definition=str(REVENUE_TABLE),
    )


def _revenue_by_month_table(money: dict, months: list[str]) -> Table:
    by_month = money["by_month"].set_index(["period", "currency"])
    rows = []
    for currency in sorted(set(money["by_month"]["currency"])):
        for month in months:
            found = (month, currency) in by_month.index
            gross = by_month.at[(month, currency), "gross_cents"] if found else 0
            refunded = by_month.at[(month, currency), "refunds_cents"] if found else 0
            payers = money["payers_by_month"].get((month, currency))
            rows.append({"month": month, "currency": currency, **_revenue_row(gross, refunded, payers)})
    return Table(
        key="revenue_by_month",
        title=_("Revenue by month"),
        columns=[Column("month", _("Month")), *revenue_columns()],
        rows=rows,
        definition=str(REVENUE_TABLE),
    )


def _trainers_table(frame: pd.DataFrame, money: dict, currencies: list[str], courses, start, end) -> Table:
    no_trainer = -1
    frame = frame.assign(trainer_key=frame["trainer_id"].fillna(no_trainer).astype("int64"))
    learners = selectors.read_frame(selectors.learners_by_trainer(courses=courses, start=start, end=end))
    learners_of = dict(
        zip(learners["trainer_id"].fillna(no_trainer).astype("int64"), learners["learners"], strict=True)
    )
    revenue = money["by_course"].merge(frame[["course_id", "trainer_key"]], on="course_id")
    revenue["net_cents"] = revenue["gross_cents"] - revenue["refunds_cents"]
    net_of = revenue.groupby(["trainer_key", "currency"])["net_cents"].sum()

    rows = []
    for key, group in frame.groupby("trainer_key", sort=False):
        total = group[COURSE_COUNTS].sum()
        row = {
            "trainer_id": None if key == no_trainer else int(key),
            "trainer": group["trainer"].iloc[0],
            "courses": len(group),
            "learners": _int(learners_of.get(key)),
            "completion_rate": _ratio(total["completed"], total["learners"]),
            "average_score": _mean(total["percent_sum"], total["graded"]),
            "attendance_rate": _ratio(total["attended"], total["booked"]),
        }
        for currency in currencies:
            cents = net_of.get((key, currency))
            row[f"net_revenue_{currency.lower()}"] = None if cents is None else _money(cents)
        rows.append(row)
    rows.sort(key=lambda row: (row["trainer_id"] is None, row["trainer"].lower()))
    columns = [
        Column("trainer", _("Trainer")),
        Column("courses", _("Courses"), "int"),
        Column("learners", _("Learners"), "int"),
        Column("completion_rate", _("Completion rate"), "percent"),
        Column("average_score", _("Average score"), "percent"),
        Column("attendance_rate", _("Attendance rate"), "percent"),
        *[
            Column(f"net_revenue_{c.lower()}", _("Net revenue (%(currency)s)") % {"currency": c}, "money", currency=c)
            for c in currencies
        ],
    ]
    return Table(
        key="trainers",
        title=_("Trainer effectiveness"),
        columns=columns,
        rows=rows,
        definition=str(TRAINERS_TABLE),
    )


# --- scope -----------------------------------------------------------------------------------------------


def _scope_label(filters: Filters, viewer, course_count: int) -> str:
    everything = selectors.visible_courses(viewer=viewer) is None
    base = _("All courses") if everything else _("Courses taught by %(name)s") % {"name": viewer.display_name}
    parts = [base]
    if filters.course_ids:
        selected = len(filters.course_ids)
        parts.append(
            ngettext("%(count)d selected course", "%(count)d selected courses", selected) % {"count": selected}
        )
    if filters.category_id is not None:
        name = selectors.category_name(category_id=filters.category_id) or _("unknown")
        parts.append(_("category %(name)s") % {"name": name})
    if filters.trainer_id is not None:
        name = selectors.trainer_name(trainer_id=filters.trainer_id) or _("unknown")
        parts.append(_("trainer %(name)s") % {"name": name})
    if course_count:
        counted = ngettext("%(count)d course", "%(count)d courses", course_count) % {"count": course_count}
    else:
        counted = _("no course matches")
    return f"{' · '.join(parts)} ({counted})"
