"""The manager's side of an organisation, on the site (not the Wagtail admin): the team dashboard, members and
invitations, seats and their orders, assignments. Every view takes the organisation's slug and answers 404 to
anyone who does not manage it now, so nothing tells an outsider which organisations exist."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lms_site.htmx import partial_on_htmx, personal
from lms_site.inputs import read_id

from . import exports, selectors, services
from .forms import AssignForm, DueDateForm


def manager_view(view):
    """Signs the visitor in first, then finds the organisation they manage at `slug` (404 otherwise) and passes
    it to the view as `organisation`."""

    @login_required
    @wraps(view)
    def wrapper(request, slug: str, *args, **kwargs):
        organisation = selectors.managed_organisation(user=request.user, slug=slug)
        if organisation is None:
            raise Http404("No organisation you manage here.")
        return personal(view(request, *args, organisation=organisation, **kwargs))

    return wrapper


def _page(request, organisation, template: str, context: dict | None = None, *, status: int = 200):
    return TemplateResponse(request, template, {"organisation": organisation, **(context or {})}, status=status)


# The team dashboard (members × courses, overdue, certificates, exports) ---------------------------------------


def _grid(request, organisation):
    """The grid for the filters in the query string; an id that is not one filters to nothing, not an error."""
    group, course = request.GET.get("group", ""), request.GET.get("course", "")
    return selectors.team_grid(
        organisation=organisation,
        group_id=(read_id(group) or 0) if group else None,
        course_id=(read_id(course) or 0) if course else None,
    )


@require_GET
@manager_view
def dashboard(request, *, organisation):
    grid = _grid(request, organisation)
    context = {"tab": "dashboard", "grid": grid, "filter_query": request.GET.urlencode()}
    template = partial_on_htmx(request, "organisations/manager/dashboard.html", "team-grid")
    return _page(request, organisation, template, context)


@require_GET
@manager_view
def dashboard_export(request, fmt: str, *, organisation):
    if fmt not in exports.FORMATS:
        raise Http404("No such export format.")
    return exports.grid_file_response(organisation=organisation, grid=_grid(request, organisation), fmt=fmt)


# Members, groups, invitations and CSV import ------------------------------------------------------------------


@require_GET
@manager_view
def members(request, *, organisation):
    context = {"tab": "members", "memberships": selectors.current_memberships(organisation=organisation)}
    return _page(request, organisation, "organisations/manager/members.html", context)


# Seats and seat orders ----------------------------------------------------------------------------------------


@require_GET
@manager_view
def seats(request, *, organisation):
    context = {"tab": "seats", "seat_counts": selectors.seat_counts(organisation=organisation)}
    return _page(request, organisation, "organisations/manager/seats.html", context)


# Assignments --------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@manager_view
def assignments(request, *, organisation):
    """The organisation's current assignments, and the form that assigns a course to members or a group."""
    form = AssignForm(request.POST if request.method == "POST" else None, organisation=organisation)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = services.assign_course_to_many(
                    organisation=organisation,
                    course=data["course"],
                    memberships=data["memberships"] or None,
                    group=data["group"],
                    due_on=data["due_on"],
                    by=request.user,
                )
            except services.OrganisationError as error:
                form.add_error(None, str(error))
                status = error.status_code
            else:
                count = len(result.assignments)
                messages.success(
                    request,
                    ngettext(
                        "“%(course)s” is assigned to %(count)d person.",
                        "“%(course)s” is assigned to %(count)d people.",
                        count,
                    )
                    % {"course": data["course"].title, "count": count},
                )
                return redirect("organisations:assignments", organisation.slug)
    context = {
        "tab": "assignments",
        "form": form,
        "assignments": selectors.assignment_list(organisation=organisation),
    }
    return _page(request, organisation, "organisations/manager/assignments.html", context, status=status)


def _assignment_or_404(organisation, assignment_id: int):
    assignment = selectors.assignment_of(organisation=organisation, assignment_id=assignment_id)
    if assignment is None:
        raise Http404("No such assignment in this organisation.")
    return assignment


@require_POST
@manager_view
def assignment_due_date(request, assignment_id: int, *, organisation):
    assignment = _assignment_or_404(organisation, assignment_id)
    form = DueDateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the due date as a date, or leave it empty."))
        return redirect("organisations:assignments", organisation.slug)
    try:
        services.change_due_date(assignment=assignment, due_on=form.cleaned_data["due_on"])
    except services.OrganisationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The due date of “%(course)s” for %(name)s is changed.")
            % {"course": assignment.course.title, "name": assignment.membership.user.get_full_name()},
        )
    return redirect("organisations:assignments", organisation.slug)


@require_POST
@manager_view
def assignment_release(request, assignment_id: int, *, organisation):
    assignment = _assignment_or_404(organisation, assignment_id)
    services.release_assignment(assignment=assignment)
    messages.success(
        request,
        _("“%(course)s” is released from %(name)s: the seat is free again, and their progress is kept.")
        % {"course": assignment.course.title, "name": assignment.membership.user.get_full_name()},
    )
    return redirect("organisations:assignments", organisation.slug)
