"""The trainer's side of live sessions on the site: the roster with attendance marking, the check-in code with
its QR code, and a course's attendance report (page and CSV).

Every view is for whoever manages the session's course (services.can_manage: its trainer and admins); others
get 403 and visitors are sent to sign in. The services check again before they write. Times show in the
viewer's own time zone (accounts.middleware.UserTimeZoneMiddleware).
"""

import csv
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.models import CoursePage
from lms_site.htmx import partial_on_htmx, personal, refuse, sign_in_first
from lms_site.spreadsheets import text_cell

from . import selectors, services
from .models import AttendanceStatus, LiveSession

NOT_STAFF = gettext_lazy("Only the course's trainer and admins take attendance and see its reports.")
# Big enough to scan from the back of a room off a projector, small enough for a laptop screen.
QR_SCALE = 8


def _managed_session(request, session_id: int) -> LiveSession:
    session = get_object_or_404(LiveSession.objects.select_related("course"), pk=session_id)
    if not services.can_manage(user=request.user, course=session.course):
        raise PermissionDenied(NOT_STAFF)
    return session


def _managed_course(request, course_id: int) -> CoursePage:
    course = get_object_or_404(CoursePage, pk=course_id)
    if not services.can_manage(user=request.user, course=course):
        raise PermissionDenied(NOT_STAFF)
    return course


def percent(rate: float | None, places: int = 0) -> str:
    """A rate (0–1) as a percentage rounded half up, "—" when there is nothing to count."""
    if rate is None:
        return "—"
    exponent = Decimal(1).scaleb(-places)
    return f"{(Decimal(rate) * 100).quantize(exponent, rounding=ROUND_HALF_UP)}%"


# Roster ---------------------------------------------------------------------------------------------------------


@dataclass
class RosterSummary:
    learners: int
    counts: dict[str, int]

    @property
    def unmarked(self) -> int:
        return self.learners - sum(self.counts.values())


def _summary(rows) -> RosterSummary:
    counts = dict.fromkeys(AttendanceStatus.values, 0)
    for row in rows:
        if row.attendance is not None:
            counts[row.attendance.status] += 1
    return RosterSummary(learners=len(rows), counts=counts)


def _roster_context(request, session: LiveSession, rows, *, notice: str = "") -> dict:
    now = timezone.now()
    opens_at = services.attendance_opens_at(session)
    summary = _summary(rows)
    can_mark = services.attendance_open(session=session, user=request.user, now=now)
    return {
        "session": session,
        "course": session.course,
        "rows": rows,
        "summary": summary,
        "statuses": AttendanceStatus.choices,
        "can_mark": can_mark,
        # Only booked learners are ever unmarked (a row without a seat exists because it was marked).
        "can_mark_all": can_mark and summary.unmarked > 0,
        "marking_opens_at": opens_at,
        "marking_closes_at": services.attendance_closes_at(session=session, user=request.user),
        "has_started": now >= opens_at,
        "correction_days": services.TRAINER_CORRECTIONS_FOR.days,
        "zone_name": request.user.tzinfo.key,
        "notice": notice,
    }


@require_GET
def roster(request, session_id: int):
    if not request.user.is_authenticated:
        return sign_in_first(request, request.get_full_path())
    session = _managed_session(request, session_id)
    context = _roster_context(request, session, selectors.roster(session=session))
    template = partial_on_htmx(request, "scheduling/trainer/roster.html", "roster-table")
    return personal(TemplateResponse(request, template, context))


@require_POST
def mark(request, session_id: int, user_id: int):
    """One learner's attendance from a roster button; htmx gets that learner's row (and the counts) back."""
    roster_url = reverse("scheduling:roster", args=[session_id])
    if not request.user.is_authenticated:
        return sign_in_first(request, roster_url)
    session = _managed_session(request, session_id)
    learner = get_object_or_404(get_user_model(), pk=user_id)
    status, note = request.POST.get("status", ""), request.POST.get("note", "").strip()
    error = None
    try:
        services.mark_attendance(session=session, user=learner, status=status, by=request.user, note=note)
    except services.SchedulingError as refused:
        error = refused
    if not request.htmx:
        if error is None:
            label = AttendanceStatus(status).label.lower()
            messages.success(
                request, gettext("%(name)s is marked %(status)s.") % {"name": learner.display_name, "status": label}
            )
        else:
            messages.error(request, str(error))
        return redirect(roster_url)
    rows = selectors.roster(session=session)
    row = next((row for row in rows if row.user.pk == learner.pk), None)
    if row is None:  # neither booked nor ever marked (the service refused): no row to show
        assert error is not None
        target = f"roster-row-{learner.pk}"
        return refuse(request, str(error), status=error.status_code, back_url=roster_url, target=target)
    context = _roster_context(request, session, rows) | {"row": row, "error": str(error) if error else ""}
    template = "scheduling/trainer/roster.html#mark-response"
    return personal(TemplateResponse(request, template, context, status=error.status_code if error else 200))


@require_POST
def mark_all(request, session_id: int):
    """ "Mark all present": every booked learner not yet marked. htmx gets the roster table back."""
    roster_url = reverse("scheduling:roster", args=[session_id])
    if not request.user.is_authenticated:
        return sign_in_first(request, roster_url)
    session = _managed_session(request, session_id)
    try:
        marked = services.mark_all_present(session=session, by=request.user)
    except services.SchedulingError as refused:
        if not request.htmx:
            messages.error(request, str(refused))
            return redirect(roster_url)
        context = _roster_context(request, session, selectors.roster(session=session)) | {"table_error": str(refused)}
        template = "scheduling/trainer/roster.html#roster-table"
        return personal(TemplateResponse(request, template, context, status=refused.status_code))
    if marked:
        notice = ngettext(
            "%(count)d learner is marked present.", "%(count)d learners are marked present.", len(marked)
        ) % {"count": len(marked)}
    else:
        notice = gettext("Everybody was already marked; nothing changed.")
    if not request.htmx:
        messages.success(request, notice)
        return redirect(roster_url)
    context = _roster_context(request, session, selectors.roster(session=session), notice=notice)
    return personal(TemplateResponse(request, "scheduling/trainer/roster.html#roster-table", context))


# Check-in code --------------------------------------------------------------------------------------------------


def _check_in_context(request, session: LiveSession, *, renewed: bool = False) -> dict:
    query = urlencode({"code": session.check_in_code})
    check_in_url = request.build_absolute_uri(f"{reverse('scheduling:check_in', args=[session.pk])}?{query}")
    qr = segno.make(check_in_url, error="m")
    return {
        "session": session,
        "course": session.course,
        "check_in_url": check_in_url,
        # segno writes the SVG itself from the URL: nothing in it comes from user input unescaped.
        "qr_svg": mark_safe(  # noqa: S308
            qr.svg_inline(
                scale=QR_SCALE,
                title=gettext("QR code to check in to %(title)s") % {"title": session.title},
                svgclass="mx-auto",
            )
        ),
        "opens_at": session.starts_at - services.CHECK_IN_OPENS_BEFORE,
        "window_open": services.check_in_window_open(session=session),
        "has_ended": timezone.now() >= session.ends_at,
        "renewed": renewed,
        "zone_name": request.user.tzinfo.key,
    }


@require_http_methods(["GET", "POST"])
def check_in_code(request, session_id: int):
    """The code to show the room (and its QR code); a POST replaces it, so the old one stops working."""
    code_url = reverse("scheduling:check_in_code", args=[session_id])
    if not request.user.is_authenticated:
        return sign_in_first(request, code_url)
    session = _managed_session(request, session_id)
    if request.method == "POST":
        session = services.new_check_in_code_for(session=session, by=request.user)
        if not request.htmx:
            messages.success(request, gettext("A new check-in code is ready; the old one no longer works."))
            return redirect(code_url)
        context = _check_in_context(request, session, renewed=True)
        return personal(TemplateResponse(request, "scheduling/trainer/check_in_code.html#code-panel", context))
    template = partial_on_htmx(request, "scheduling/trainer/check_in_code.html", "code-panel")
    return personal(TemplateResponse(request, template, _check_in_context(request, session)))


# Attendance report ----------------------------------------------------------------------------------------------


@dataclass
class AttendanceReport:
    course: CoursePage
    sessions: list
    learners: list
    rate: float | None
    required: int | None

    def meets(self, row) -> bool | None:
        """Whether a learner's attendance reaches the course's requirement (None: no requirement, nothing held)."""
        if not self.required or not row.held:
            return None
        return row.attended * 100 >= self.required * row.held


def _report(course: CoursePage) -> AttendanceReport:
    return AttendanceReport(
        course=course,
        sessions=selectors.session_report(course=course),
        learners=selectors.learner_report(course=course),
        rate=selectors.course_attendance_rate(course=course),
        required=course.required_attendance_percent,
    )


@require_GET
def attendance_report(request, course_id: int):
    if not request.user.is_authenticated:
        return sign_in_first(request, request.get_full_path())
    course = _managed_course(request, course_id)
    report = _report(course)
    context = {
        "course": course,
        "report": report,
        "course_rate": percent(report.rate),
        "sessions": [(row, percent(row.rate)) for row in report.sessions],
        "learners": [(row, percent(row.rate), report.meets(row)) for row in report.learners],
        "zone_name": request.user.tzinfo.key,
    }
    return personal(TemplateResponse(request, "scheduling/trainer/attendance_report.html", context))


def _rate_cell(rate: float | None) -> str:
    return percent(rate, places=1).removesuffix("%").replace("—", "")


def csv_header() -> list[str]:
    """The attendance CSV's header row, in the language of whoever downloads it."""
    return [
        # Translators: course, session and learner are the values of this column; keep them as they are.
        gettext("Row (course: the course's totals | session: one held session | learner: one enrolled learner)"),
        gettext("Session starts (ISO 8601, viewer's time zone)"),
        gettext("Session"),
        gettext("Learner"),
        gettext("Email"),
        gettext("Booked seats"),
        gettext("Present"),
        gettext("Late"),
        gettext("Absent"),
        gettext("Excused"),
        gettext("Attended (present + late)"),
        gettext("Held sessions"),
        gettext("Attendance rate % (attended / booked seats; learner: attended / held sessions)"),
        gettext("Required attendance %"),
        gettext("Meets requirement"),
    ]


@require_GET
def attendance_csv(request, course_id: int):
    """The report's figures in one table: a course row, then one row per held session, then one per learner;
    the first column says which, and the header row says which columns each kind fills."""
    if not request.user.is_authenticated:
        return sign_in_first(request, request.get_full_path())
    course = _managed_course(request, course_id)
    report = _report(course)
    zone = request.user.tzinfo
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="attendance-{course.slug}.csv"'
    writer = csv.writer(response)
    header = csv_header()
    writer.writerow(header)

    def writerow(line):  # every row as wide as the header, so spreadsheets line the columns up
        writer.writerow(line + [""] * (len(header) - len(line)))

    required = "" if report.required is None else report.required
    booked = sum(row.booked for row in report.sessions)
    totals = {status: sum(getattr(row, status) for row in report.sessions) for status in AttendanceStatus.values}
    course_line = ["course", "", "", "", "", booked, *totals.values(), totals["present"] + totals["late"]]
    writerow(course_line + [len(report.sessions), _rate_cell(report.rate), required])
    for row in report.sessions:
        starts = row.session.starts_at.astimezone(zone).isoformat()
        counts = [row.booked, row.present, row.late, row.absent, row.excused, row.attended]
        writerow(["session", starts, text_cell(row.session.title), "", "", *counts, "", _rate_cell(row.rate)])
    for row in report.learners:
        meets = report.meets(row)
        line: list[object] = ["learner", "", "", text_cell(row.user.display_name), text_cell(row.user.email)]
        line += ["", "", "", "", "", row.attended, row.held, _rate_cell(row.rate), required]
        writerow(line + ["" if meets is None else (gettext("yes") if meets else gettext("no"))])
    return personal(response)
