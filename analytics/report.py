"""The shapes every analytics output shares: the dashboard renders them, each export format writes them.

kpis.build_report(filters=..., viewer=...) -> Report is the one place the figures are computed; the dashboard
(HTML + SVG charts), CSV, XLSX, DOCX and PDF are renderings of the same Report, so they can never disagree.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Filters:
    """What the viewer asked for. Dates are inclusive calendar days in the site's time zone (UTC)."""

    start: date
    end: date
    course_ids: tuple[int, ...] = ()  # empty: every course the viewer may see
    category_id: int | None = None
    trainer_id: int | None = None


@dataclass
class Kpi:
    key: str  # stable, e.g. "completion_rate"
    label: str  # "Completion rate"
    value: float | Decimal | int | None  # None: not defined for this selection (e.g. no learners)
    display: str  # "42.5 %", "€1,234.00", "—"
    definition: str  # the written-once definition, shown as help text


@dataclass
class Column:
    key: str
    label: str
    kind: str = "text"  # text | int | percent | money | date | number
    # Money columns whose every row is in one currency ("Net revenue (USD)" in the trainers table); when empty,
    # a money value is in its row's "currency".
    currency: str = ""


@dataclass
class Table:
    key: str  # e.g. "courses", "trainers", "revenue_by_month"
    title: str
    columns: list[Column]
    rows: list[dict]  # values by column key; None for "not defined"
    definition: str = ""


@dataclass
class Series:
    """One chart: labelled points, optionally several named lines/bars sharing the labels."""

    key: str
    title: str
    labels: list[str]  # x axis, e.g. months "2026-01"
    lines: dict[str, list[float]]  # name -> values, same length as labels
    kind: str = "line"  # line | bar
    unit: str = ""  # "", "%", a currency code


@dataclass
class Report:
    filters: Filters
    scope_label: str  # "All courses" or "Courses taught by Tom Trainer"
    kpis: list[Kpi] = field(default_factory=list)
    charts: list[Series] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
