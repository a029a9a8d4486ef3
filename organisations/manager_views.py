"""The manager's side of an organisation, on the site (not the Wagtail admin): the team dashboard, members and
invitations, seats and their orders, assignments. Every view takes the organisation's slug and answers 404 to
anyone who does not manage it now, so nothing tells an outsider which organisations exist."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from billing import gateway
from billing import services as billing_services
from lms_site.files import private_file_response
from lms_site.htmx import partial_on_htmx, personal, sign_in_first
from lms_site.inputs import read_id

from . import csv_import, exports, forms, selectors, services
from .forms import AssignForm, BuySeatsForm, DueDateForm, OrganisationForm
from .models import MemberRole


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


def _back(organisation, anchor: str = ""):
    return redirect(reverse("organisations:members", args=[organisation.slug]) + anchor)


def _members_page(request, organisation, *, status: int = 200, **forms_):
    context = {
        "tab": "members",
        **selectors.members_page(organisation=organisation),
        "group_form": forms_.get("group_form") or forms.GroupForm(),
        "role_choices": MemberRole.choices,
        "now": timezone.now(),
    }
    return _page(request, organisation, "organisations/manager/members.html", context, status=status)


@require_GET
@manager_view
def members(request, *, organisation):
    return _members_page(request, organisation)


def _after_own_change(request, organisation, membership):
    """Where a manager lands after changing their own membership: the page if they still manage it."""
    if selectors.managed_organisation(user=request.user, slug=organisation.slug) is None:
        return redirect("learning:dashboard")
    return _back(organisation, "#members")


@require_POST
@manager_view
def set_role(request, *, organisation, membership_id: int):
    membership = selectors.member(organisation=organisation, membership_id=membership_id)
    if membership is None:
        raise Http404("No such member.")
    form = forms.RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role from the list."))
        return _back(organisation, "#members")
    try:
        services.set_role(membership=membership, role=form.cleaned_data["role"])
    except services.OrganisationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(name)s is now a %(role)s.")
            % {"name": _name(membership.user), "role": MemberRole(form.cleaned_data["role"]).label.lower()},
        )
    return _after_own_change(request, organisation, membership)


@require_http_methods(["GET", "POST"])
@manager_view
def remove_member(request, *, organisation, membership_id: int):
    """GET asks to confirm (and says what removing does); POST removes."""
    membership = selectors.member(organisation=organisation, membership_id=membership_id)
    if membership is None:
        raise Http404("No such member.")
    if request.method == "GET":
        context = {"tab": "members", "membership": membership, "name": _name(membership.user)}
        return _page(request, organisation, "organisations/manager/remove_member.html", context)
    try:
        services.remove_member(membership=membership)
    except services.OrganisationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(name)s was removed from the team.") % {"name": _name(membership.user)})
    return _after_own_change(request, organisation, membership)


@require_POST
@manager_view
def create_group(request, *, organisation):
    form = forms.GroupForm(request.POST)
    if not form.is_valid():
        return _members_page(request, organisation, status=400, group_form=form)
    try:
        group = services.create_group(organisation=organisation, name=form.cleaned_data["name"])
    except services.OrganisationError as error:
        form.add_error("name", str(error))
        return _members_page(request, organisation, status=400, group_form=form)
    messages.success(request, _("The group “%(name)s” was created.") % {"name": group.name})
    return _back(organisation, "#groups")


@require_POST
@manager_view
def add_to_group(request, *, organisation, group_id: int):
    group = selectors.group(organisation=organisation, group_id=group_id)
    if group is None:
        raise Http404("No such group.")
    form = forms.GroupMemberForm(request.POST, organisation=organisation)
    if not form.is_valid():
        messages.error(request, _("Choose a current member to add."))
        return _back(organisation, "#groups")
    membership = form.cleaned_data["membership"]
    try:
        services.add_to_group(group=group, membership=membership, by=request.user)
    except services.OrganisationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("%(name)s is in “%(group)s”.") % {"name": _name(membership.user), "group": group.name}
        )
    return _back(organisation, "#groups")


@require_POST
@manager_view
def remove_from_group(request, *, organisation, group_id: int, membership_id: int):
    group = selectors.group(organisation=organisation, group_id=group_id)
    membership = selectors.member(organisation=organisation, membership_id=membership_id)
    if group is None or membership is None:
        raise Http404("No such group or member.")
    services.remove_from_group(group=group, membership=membership)
    messages.success(
        request,
        _("%(name)s left “%(group)s”; the courses the group gave them stay until you release them.")
        % {"name": _name(membership.user), "group": group.name},
    )
    return _back(organisation, "#groups")


@require_http_methods(["GET", "POST"])
@manager_view
def invite(request, *, organisation):
    form = forms.InviteForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = services.invite_and_email(
                organisation=organisation,
                email=data["email"],
                by=request.user,
                role=data["role"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                groups=list(data["groups"]),
            )
        except services.OrganisationError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, _("An invitation was sent to %(email)s.") % {"email": invitation.email})
            return _back(organisation, "#invitations")
    context = {"tab": "members", "form": form, "days": services.INVITATION_DAYS}
    status = 400 if form.errors else 200
    return _page(request, organisation, "organisations/manager/invite.html", context, status=status)


@require_POST
@manager_view
def resend_invitation(request, *, organisation, invitation_id: int):
    invitation = selectors.open_invitation(organisation=organisation, invitation_id=invitation_id)
    if invitation is None:
        raise Http404("No open invitation here.")
    try:
        new = services.resend_invitation(invitation=invitation, by=request.user)
    except services.OrganisationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("A new link was sent to %(email)s; the old one no longer works.") % {"email": new.email}
        )
    return _back(organisation, "#invitations")


@require_POST
@manager_view
def withdraw_invitation(request, *, organisation, invitation_id: int):
    invitation = selectors.open_invitation(organisation=organisation, invitation_id=invitation_id)
    if invitation is None:
        raise Http404("No open invitation here.")
    services.withdraw_invitation(invitation=invitation)
    message = _("The invitation for %(email)s was withdrawn: its link no longer works.")
    messages.success(request, message % {"email": invitation.email})
    return _back(organisation, "#invitations")


# The preview carries the checked rows to the confirmation signed (nobody can add a row the preview did not
# show) and compressed, for this organisation and this manager, for an hour; the confirmation checks them again.
_IMPORT_SALT = "organisations.csv_import"
_IMPORT_MAX_AGE = 60 * 60


def _import_payload(organisation, user, rows) -> str:
    data = {"o": organisation.pk, "u": user.pk, "r": [row.as_list() for row in rows]}
    return signing.dumps(data, salt=_IMPORT_SALT, compress=True)


def _import_rows(organisation, user, payload: str) -> list[csv_import.ImportRow] | None:
    try:
        data = signing.loads(payload, salt=_IMPORT_SALT, max_age=_IMPORT_MAX_AGE)
        if data["o"] != organisation.pk or data["u"] != user.pk:
            return None
        return [csv_import.ImportRow.from_list(values) for values in data["r"]]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def _checked(organisation, rows):
    return csv_import.check(rows, **selectors.import_context(organisation=organisation))


@require_http_methods(["GET", "POST"])
@manager_view
def import_csv(request, *, organisation):
    """GET: the upload form. POST: the file read and checked, every row shown with its errors; nothing written."""
    form = forms.ImportUploadForm(request.POST or None, request.FILES or None)
    context = {"tab": "members", "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            rows = csv_import.read(form.cleaned_data["file"].read(csv_import.MAX_BYTES + 1))
        except csv_import.CsvFileError as error:
            form.add_error("file", str(error))
        else:
            return _import_preview(request, organisation, _checked(organisation, rows))
    status = 400 if form.errors else 200
    return _page(request, organisation, "organisations/manager/import.html", context, status=status)


def _import_preview(request, organisation, rows, *, status: int = 200):
    errors = csv_import.has_errors(rows)
    context = {
        "tab": "members",
        "rows": rows,
        "has_errors": errors,
        "error_rows": sum(1 for row in rows if row.errors),
        "payload": "" if errors else _import_payload(organisation, request.user, rows),
    }
    return _page(
        request, organisation, "organisations/manager/import_preview.html", context, status=400 if errors else status
    )


@require_POST
@manager_view
def import_confirm(request, *, organisation):
    """Invites everyone the preview listed, checked again against the organisation as it is now."""
    form = forms.ImportConfirmForm(request.POST)
    rows = _import_rows(organisation, request.user, form.data.get("payload", "")) if form.is_valid() else None
    if rows is None:
        messages.error(request, _("The preview expired or was altered. Upload the file again."))
        return redirect("organisations:import_csv", organisation.slug)
    rows = _checked(organisation, rows)
    if csv_import.has_errors(rows):
        return _import_preview(request, organisation, rows)
    try:
        invitations = services.import_invitations(organisation=organisation, rows=rows, by=request.user)
    except services.OrganisationError as error:
        messages.error(request, str(error))
        return redirect("organisations:import_csv", organisation.slug)
    messages.success(
        request,
        ngettext("%(n)d invitation was sent.", "%(n)d invitations were sent.", len(invitations))
        % {"n": len(invitations)},
    )
    return _back(organisation, "#invitations")


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


# Seats and seat orders ----------------------------------------------------------------------------------------


def _seats_page(request, organisation, form: BuySeatsForm, *, status: int = 200):
    orders = list(selectors.seat_orders(organisation=organisation))
    context = {
        "tab": "seats",
        "seat_counts": selectors.seat_counts(organisation=organisation),
        "orders": orders,
        "form": form,
        "courses": [(course, form.typed(course), form.quantity_errors.get(course.pk)) for course in form.courses],
        "simulator": gateway.uses_simulator(),
    }
    return _page(request, organisation, "organisations/manager/seats.html", context, status=status)


@require_GET
@manager_view
def seats(request, *, organisation):
    form = BuySeatsForm(courses=list(selectors.courses_for_sale()))
    return _seats_page(request, organisation, form)


@require_POST
@manager_view
def buy_seats(request, *, organisation):
    """Starts Checkout for seats of several courses (card or bank transfer); the seats arrive with the verified
    payment, on the webhook, never here."""
    form = BuySeatsForm(request.POST, courses=list(selectors.courses_for_sale()))
    if not form.is_valid():
        return _seats_page(request, organisation, form, status=400)
    try:
        order = services.buy_seats(
            organisation=organisation,
            by=request.user,
            lines=form.cleaned_data["lines"],
            payment_method=form.cleaned_data["payment_method"],
            base_url=request.build_absolute_uri("/")[:-1],
        )
    except services.OrganisationError as error:
        form.add_error(None, str(error))
        return _seats_page(request, organisation, form, status=error.status_code)
    return HttpResponseClientRedirect(order.checkout_url) if request.htmx else redirect(order.checkout_url)


@require_GET
@login_required
def invoice(request, slug: str, order_id: int):
    """A seat order's invoice PDF: for the organisation's current managers and admins; 404 for anyone else, and
    for an order that has no invoice (yet)."""
    organisation = selectors.organisation_for_invoice(user=request.user, slug=slug)
    order = selectors.seat_order(organisation=organisation, order_id=order_id) if organisation else None
    from billing import invoices, receipts  # ReportLab: loaded on an invoice request, not at start-up

    if order is None or not invoices.has_invoice(order):
        raise Http404("No invoice for this order.")
    try:
        response = private_file_response(
            request,
            storage=receipts.receipt_storage(),
            name=billing_services.stored_invoice(order=order),
            content_type="application/pdf",
            filename=invoices.invoice_filename(order),
        )
    except FileNotFoundError:  # replaced by a newer version between the check and the answer
        raise Http404("This invoice is being replaced; try again.") from None
    return personal(response)


# Buying for a team: a new organisation, its first manager the person creating it ------------------------------


@require_http_methods(["GET", "POST"])
def create_organisation(request):
    if not request.user.is_authenticated:
        return sign_in_first(request, request.path)
    form = OrganisationForm(request.POST or None, initial={"billing_email": request.user.email})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                organisation = services.create_organisation(user=request.user, **form.cleaned_data)
            except services.OrganisationError as error:
                form.add_error(None, str(error))
                status = error.status_code
            else:
                messages.success(request, _("Your team is ready. Choose the seats you need."))
                return redirect("organisations:seats", slug=organisation.slug)
        else:
            status = 400
    context = {"form": form, "managed": list(selectors.managed_organisations(user=request.user).order_by("name")[:10])}
    return personal(TemplateResponse(request, "organisations/create.html", context, status=status))


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
