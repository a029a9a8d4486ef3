"""The team dashboard's grid as CSV or XLSX, written by analytics' export writers (analytics/exports).

The writers take an analytics `Report`; the grid becomes one: a few KPIs (members, assignments, completed,
overdue, certificates) and one table with a row per member and assigned course. The file is built in the
request, not by analytics' ExportJob task: that job rebuilds its report from analytics `Filters` (dates,
courses, a trainer) with `kpis.build_report`, which knows nothing of organisations, and lives on the admin's
analytics dashboard. A team's grid is a few thousand rows at most (members × assigned courses), which the
writers stream into a spooled temporary file in well under a second.
"""

import tempfile
from datetime import date

from django.http import FileResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .models import Organisation
from .selectors import TeamGrid

SPOOL_BYTES = 4 * 1024 * 1024
FORMATS = ("csv", "xlsx")


def grid_report(*, organisation: Organisation, grid: TeamGrid, today: date | None = None):
    from analytics.report import Column, Filters, Kpi, Report, Table

    today = today or timezone.localdate()
    cells = grid.cells
    scope = _("Team: %(name)s") % {"name": organisation.name}
    if grid.group is not None:
        scope += " · " + _("group %(name)s") % {"name": grid.group.name}
    if grid.course is not None:
        scope += " · " + _("course %(title)s") % {"title": grid.course.title}

    def count(key: str, label: str, value: int, definition: str) -> Kpi:
        return Kpi(key=key, label=label, value=value, display=str(value), definition=definition)

    kpis = [
        count("members", _("Members"), len(grid.rows), _("Current members shown.")),
        count("assignments", _("Assignments"), len(cells), _("Current assignments of the members shown.")),
        count("completed", _("Completed"), sum(c.completed for c in cells), _("Assigned courses completed.")),
        count("overdue", _("Overdue"), len(grid.overdue), _("Past their due date and not completed.")),
        count("certificates", _("Certificates"), sum(c.certified for c in cells), _("Valid certificates issued.")),
    ]
    columns = [
        Column("member", _("Member")),
        Column("email", _("E-mail")),
        Column("course", _("Course")),
        Column("group", _("Group")),
        Column("due_on", _("Due date"), "date"),
        Column("progress", _("Progress"), "percent"),
        Column("completed", _("Completed")),
        Column("overdue", _("Overdue")),
        Column("certificate", _("Certificate issued")),
    ]
    yes, no = _("yes"), _("no")
    rows = []
    for row in grid.rows:
        user = row.membership.user
        for cell in row.cells:
            if cell is None:
                continue
            rows.append(
                {
                    "member": user.get_full_name() or user.username,
                    "email": user.email,
                    "course": cell.assignment.course.title,
                    "group": cell.assignment.group.name if cell.assignment.group else "",
                    "due_on": cell.assignment.due_on,
                    "progress": cell.progress,
                    "completed": yes if cell.completed else no,
                    "overdue": yes if cell.overdue else no,
                    "certificate": yes if cell.certified else no,
                }
            )
    table = Table(
        key="team_progress",
        title=_("Team progress"),
        columns=columns,
        rows=rows,
        definition=_("One row per member and assigned course."),
    )
    return Report(filters=Filters(start=today, end=today), scope_label=scope, kpis=kpis, tables=[table])


def grid_file_response(*, organisation: Organisation, grid: TeamGrid, fmt: str) -> FileResponse:
    # Loaded here: the XLSX writer brings openpyxl, which a web worker loads only when someone exports.
    from analytics.exports import EXPORT_TYPES

    export_type = EXPORT_TYPES[fmt]
    today = timezone.localdate()
    report = grid_report(organisation=organisation, grid=grid, today=today)
    # FileResponse closes the file once it is sent, so no context manager here.
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    export_type.write(report, spool)
    spool.seek(0)
    filename = f"{slugify(organisation.slug) or 'team'}-progress-{today:%Y-%m-%d}.{export_type.extension}"
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=export_type.content_type)
