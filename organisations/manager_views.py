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
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from billing import gateway
from billing import services as billing_services
from lms_site.files import private_file_response
from lms_site.htmx import personal, sign_in_first

from . import selectors, services
from .forms import BuySeatsForm, OrganisationForm


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


@require_GET
@manager_view
def assignments(request, *, organisation):
    context = {"tab": "assignments", "assignments": selectors.current_assignments(organisation=organisation)}
    return _page(request, organisation, "organisations/manager/assignments.html", context)
