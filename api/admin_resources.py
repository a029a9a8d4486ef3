"""Administrators' operations on orders and organisations (resources.py holds the rest of the admin group).

Orders are read-only here: money moves only through billing's verified webhook path and the admin's refund
screen. Seats change only through organisations.services.change_seats, the function the admin's "Adjust
seats" screen calls, so the ledger line and the rule that seats in use stay with their members hold here too.
"""

from datetime import UTC, datetime
from decimal import Decimal

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status

from billing.models import Order, OrderKind, OrderLine, OrderStatus
from courses.models import CoursePage
from organisations import selectors as organisation_selectors
from organisations import services as organisation_services
from organisations.models import MemberRole, Membership, Organisation, SeatChangeReason

from .auth import require_admin, require_write
from .pagination import paginate
from .problems import ERRORS, Problem
from .resources import ID, MAX_ID, PageParams
from .services import ApiError
from .v1 import api

# Orders


class OrderLineOut(Schema):
    course_id: int
    course_title: str
    quantity: int
    unit_price: str
    amount: str


class OrderOut(Schema):
    id: int
    kind: OrderKind
    status: OrderStatus
    user_id: int
    username: str
    course_id: int | None = Field(description="The course bought; null for a seat order (see lines).")
    course_title: str | None
    currency: str
    amount: str = Field(description="The price at checkout, before the coupon's discount.")
    discount: str
    total: str = Field(description="What the buyer was asked to pay.")
    amount_paid: str | None = Field(description="What the payment provider reports was charged.")
    amount_refunded: str
    coupon_code: str
    payment_method: str
    created_at: datetime
    paid_at: datetime | None
    refunded_at: datetime | None
    lines: list[OrderLineOut] = Field(description="The courses and seats of a seat order; empty otherwise.")


class OrderPage(Schema):
    items: list[OrderOut]
    next_cursor: str | None


class OrderFilters(PageParams):
    status: OrderStatus | None = None
    kind: OrderKind | None = None
    user_id: int | None = Field(None, ge=1, le=MAX_ID)
    course_id: int | None = Field(None, ge=1, le=MAX_ID, description="The course bought, or one of a seat order's.")
    created_since: datetime | None = Field(None, description="ISO 8601; without an offset, UTC.")
    created_until: datetime | None = Field(None, description="ISO 8601, exclusive; without an offset, UTC.")


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _order(order: Order) -> dict:
    return {
        "id": order.pk,
        "kind": order.kind,
        "status": order.status,
        "user_id": order.user_id,
        "username": order.user.username,
        "course_id": order.course_id,
        "course_title": order.course.title if order.course else None,
        "currency": order.currency,
        "amount": _money(order.amount),
        "discount": _money(order.discount),
        "total": _money(order.total),
        "amount_paid": _money(order.amount_paid),
        "amount_refunded": _money(order.amount_refunded),
        "coupon_code": order.coupon_code,
        "payment_method": order.payment_method,
        "created_at": order.created_at,
        "paid_at": order.paid_at,
        "refunded_at": order.refunded_at,
        "lines": [
            {
                "course_id": line.course_id,
                "course_title": line.course.title,
                "quantity": line.quantity,
                "unit_price": _money(line.unit_price),
                "amount": _money(line.amount),
            }
            for line in order.lines.all()
        ],
    }


def _orders():
    return Order.objects.select_related("user", "course").prefetch_related("lines__course")


class Refused(ApiError):
    status_code = 422


def _moment(value: datetime) -> datetime:
    """An aware moment in UTC; a time that has none (the year 1 with a positive offset) is refused."""
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise Refused("The date is out of range.") from None


@api.get("/admin/orders", response={200: OrderPage, **ERRORS}, tags=["admin"], summary="List orders")
def list_orders(request, params: Query[OrderFilters]):
    require_admin(request)
    orders = _orders()
    if params.status:
        orders = orders.filter(status=params.status)
    if params.kind:
        orders = orders.filter(kind=params.kind)
    if params.user_id:
        orders = orders.filter(user_id=params.user_id)
    if params.course_id:
        on_a_line = OrderLine.objects.filter(course_id=params.course_id).values("order_id")
        orders = orders.filter(Q(course_id=params.course_id) | Q(pk__in=on_a_line))
    if params.created_since:
        orders = orders.filter(created_at__gte=_moment(params.created_since))
    if params.created_until:
        orders = orders.filter(created_at__lt=_moment(params.created_until))
    items, next_cursor = paginate(orders, cursor=params.cursor, limit=params.limit)
    return {"items": [_order(order) for order in items], "next_cursor": next_cursor}


@api.get("/admin/orders/{order_id}", response={200: OrderOut, **ERRORS}, tags=["admin"], summary="An order")
def get_order(request, order_id: int = ID):
    require_admin(request)
    order = _orders().filter(pk=order_id).first()
    if order is None:
        raise Http404(_("No such order."))
    return _order(order)


# Organisations


class OrganisationOut(Schema):
    id: int
    name: str
    slug: str
    member_count: int = Field(description="Current members, managers included.")
    created_at: datetime


class OrganisationPage(Schema):
    items: list[OrganisationOut]
    next_cursor: str | None


class SeatPoolOut(Schema):
    course_id: int
    course_title: str
    total: int
    used: int = Field(description="Seats held by current assignments.")
    free: int


class OrganisationDetailOut(OrganisationOut):
    billing_contact: str
    billing_email: str
    tax_id: str
    seat_pools: list[SeatPoolOut]


class MemberOut(Schema):
    user_id: int
    username: str
    email: str
    role: MemberRole
    joined_at: datetime


class MemberPage(Schema):
    items: list[MemberOut]
    next_cursor: str | None


class SeatAdjustIn(Schema):
    course_id: int = Field(..., ge=1, le=MAX_ID)
    # The same bounds as the admin's "Adjust seats" form.
    delta: int = Field(..., ge=-10_000, le=10_000, description="Positive adds seats, negative takes free ones back.")
    reason: str = Field(..., min_length=1, max_length=1000, description="Why; kept with the change in the ledger.")


class SeatChangeOut(Schema):
    id: int
    delta: int
    reason: str
    created_at: datetime
    pool: SeatPoolOut


def _organisations():
    return Organisation.objects.annotate(
        member_count=Count("memberships", filter=Q(memberships__removed_at__isnull=True))
    )


def _organisation_row(organisation: Organisation) -> dict:
    return {
        "id": organisation.pk,
        "name": organisation.name,
        "slug": organisation.slug,
        # Annotated by _organisations(), which django-stubs cannot follow.
        "member_count": organisation.member_count,  # type: ignore[attr-defined]
        "created_at": organisation.created_at,
    }


def _pool(count: organisation_selectors.SeatCount) -> dict:
    return {
        "course_id": count.course.pk,
        "course_title": count.course.title,
        "total": count.seats,
        "used": count.in_use,
        "free": count.free,
    }


def _organisation(organisation_id: int) -> Organisation:
    organisation = _organisations().filter(pk=organisation_id).first()
    if organisation is None:
        raise Http404(_("No such organisation."))
    return organisation


@api.get(
    "/admin/organisations", response={200: OrganisationPage, **ERRORS}, tags=["admin"], summary="List organisations"
)
def list_organisations(request, params: Query[PageParams]):
    require_admin(request)
    items, next_cursor = paginate(_organisations(), cursor=params.cursor, limit=params.limit)
    return {"items": [_organisation_row(row) for row in items], "next_cursor": next_cursor}


@api.get(
    "/admin/organisations/{organisation_id}",
    response={200: OrganisationDetailOut, **ERRORS},
    tags=["admin"],
    summary="An organisation with its seats",
)
def get_organisation(request, organisation_id: int = ID):
    require_admin(request)
    organisation = _organisation(organisation_id)
    return {
        **_organisation_row(organisation),
        "billing_contact": organisation.billing_contact,
        "billing_email": organisation.billing_email,
        "tax_id": organisation.tax_id,
        "seat_pools": [_pool(count) for count in organisation_selectors.seat_counts(organisation=organisation)],
    }


@api.get(
    "/admin/organisations/{organisation_id}/members",
    response={200: MemberPage, **ERRORS},
    tags=["admin"],
    summary="An organisation's members",
)
def organisation_members(request, params: Query[PageParams], organisation_id: int = ID):
    require_admin(request)
    organisation = _organisation(organisation_id)
    memberships = Membership.objects.filter(organisation=organisation, removed_at__isnull=True).select_related("user")
    items, next_cursor = paginate(memberships, cursor=params.cursor, limit=params.limit)
    return {
        "items": [
            {
                "user_id": row.user_id,
                "username": row.user.username,
                "email": row.user.email,
                "role": row.role,
                "joined_at": row.joined_at,
            }
            for row in items
        ],
        "next_cursor": next_cursor,
    }


@api.post(
    "/admin/organisations/{organisation_id}/seats",
    response={201: SeatChangeOut, 409: Problem, **ERRORS},
    tags=["admin"],
    summary="Add or take back an organisation's seats",
)
def adjust_seats(request, payload: SeatAdjustIn, organisation_id: int = ID):
    """Like the admin's "Adjust seats" screen: one line in the seat ledger with the reason. Free seats only can
    be taken back (409 otherwise, and nothing changes). Not idempotent: sending it twice changes the seats twice."""
    require_admin(request)
    require_write(request)
    organisation = _organisation(organisation_id)
    course = CoursePage.objects.filter(pk=payload.course_id).first()
    if course is None:
        raise Http404(_("No such course."))
    if not organisation_services.needs_seat(course):
        raise Refused("This course is free: it needs no seats.")
    if payload.delta == 0:
        raise Refused("Enter how many seats to add or take back.")
    change = organisation_services.change_seats(
        organisation=organisation,
        course=course,
        delta=payload.delta,
        reason=SeatChangeReason.ADMIN,
        by=request.auth.user,
        note=payload.reason,
    )
    if change is None:  # only a repeated order's change returns None; an admin's never does
        raise Refused("The seats did not change.")
    [count] = [
        count for count in organisation_selectors.seat_counts(organisation=organisation) if count.course.pk == course.pk
    ]
    return Status(
        201,
        {
            "id": change.pk,
            "delta": change.delta,
            "reason": change.note,
            "created_at": change.created_at,
            "pool": _pool(count),
        },
    )
