"""The manager's side of an organisation, on the site (not the Wagtail admin): the team dashboard, members and
invitations, seats and their orders, assignments. Every view takes the organisation's slug and answers 404 to
anyone who does not manage it now, so nothing tells an outsider which organisations exist."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from lms_site.htmx import personal

from . import selectors


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


@require_GET
@manager_view
def dashboard(request, *, organisation):
    return _page(request, organisation, "organisations/manager/dashboard.html", {"tab": "dashboard"})


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


@require_GET
@manager_view
def assignments(request, *, organisation):
    context = {"tab": "assignments", "assignments": selectors.current_assignments(organisation=organisation)}
    return _page(request, organisation, "organisations/manager/assignments.html", context)
