"""Trainers' attendance, admins' orders and organisations: what they return, their filters, the seat adjustment
through the organisations service (ledger line written; a refused adjustment writes nothing), query counts."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from accounts.tests.factories import UserFactory
from api.tests.conftest import make_token
from billing.models import Order, OrderKind, OrderLine, OrderStatus
from courses.tests.factories import make_course
from organisations import services as organisation_services
from organisations.models import MemberRole, SeatChange, SeatChangeReason, SeatPool
from organisations.tests.factories import make_manager, make_member, make_organisation
from scheduling import services as scheduling_services
from scheduling.tests.factories import attend, enrolled_learner, make_session


@pytest.fixture
def admin_reader(admin_user):
    return make_token(admin_user)


@pytest.fixture
def admin_writer(admin_user):
    return make_token(admin_user, scope="write")


def _all_items(api_get, token, path, **params):
    seen, cursor = [], None
    while True:
        body = api_get(path, token, **params, **({"cursor": cursor} if cursor else {})).json()
        seen.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


# Attendance


def test_attendance_lists_each_sessions_booked_learners_with_their_status(api_get, course, trainer):
    first, second = make_session(course, by=trainer, weeks=2)
    present, absent, unmarked = (enrolled_learner(course, last_name=name) for name in ("Ames", "Baker", "Cole"))
    attend(first, present, by=trainer)
    attend(first, absent, by=trainer, status="absent")
    scheduling_services.book_seat(session=first, user=unmarked, now=first.starts_at - timedelta(days=7))
    body = api_get(f"/courses/{course.pk}/attendance", make_token(trainer), limit=1).json()
    [session] = body["items"]
    assert session["id"] == first.pk and body["next_cursor"]
    assert [(row["user_id"], row["attendance"], row["booked"]) for row in session["learners"]] == [
        (present.pk, "present", True),
        (absent.pk, "absent", True),
        (unmarked.pk, None, True),
    ]
    rest = api_get(f"/courses/{course.pk}/attendance", make_token(trainer), cursor=body["next_cursor"]).json()
    assert [item["id"] for item in rest["items"]] == [second.pk] and rest["next_cursor"] is None
    assert rest["items"][0]["learners"] == []


def test_attendance_is_only_for_the_courses_trainer_and_admins(api_get, course, trainer, other_trainer, admin_user):
    make_session(course, by=trainer)
    path = f"/courses/{course.pk}/attendance"
    assert api_get(path, make_token(other_trainer)).status_code == 404
    assert api_get(path, make_token(admin_user)).status_code == 200
    assert api_get("/courses/999999/attendance", make_token(admin_user)).status_code == 404


def test_attendance_queries_do_not_grow_with_sessions_or_learners(
    api_get, course, trainer, django_assert_max_num_queries
):
    token = make_token(trainer)
    sessions = make_session(course, by=trainer, weeks=2)
    attend(sessions[0], enrolled_learner(course), by=trainer)
    with django_assert_max_num_queries(9):
        api_get(f"/courses/{course.pk}/attendance", token)
    more = make_session(course, by=trainer, weeks=6, starts_at=datetime(2027, 3, 3, 17, tzinfo=UTC))
    for session in [*sessions, *more]:
        for _ in range(3):
            attend(session, enrolled_learner(course), by=trainer)
    with django_assert_max_num_queries(9):
        body = api_get(f"/courses/{course.pk}/attendance", token).json()
    assert len(body["items"]) == 8 and sum(len(item["learners"]) for item in body["items"]) == 25


# Orders


def _order(user, course=None, *, status=OrderStatus.PAID, amount="49.00", lines=(), **fields):
    order = Order.objects.create(
        user=user,
        course=course,
        kind=OrderKind.SEATS if lines else OrderKind.COURSE,
        status=status,
        amount=Decimal(amount),
        currency="EUR",
        **fields,
    )
    for line_course, quantity in lines:
        OrderLine.objects.create(
            order=order,
            course=line_course,
            quantity=quantity,
            unit_price=line_course.price,
            amount=line_course.price * quantity,
        )
    return order


@pytest.fixture
def paid_course(catalogue, trainer):
    return make_course(catalogue, title="Paid course", trainer=trainer, price=Decimal("30.00"), modules=0)


def test_orders_show_amounts_as_strings_and_seat_order_lines(api_get, admin_reader, learner, course, paid_course):
    single = _order(learner, course, discount=Decimal("4.50"))
    seats = _order(learner, amount="90.00", lines=[(paid_course, 3)])
    [one] = [row for row in api_get("/admin/orders", admin_reader).json()["items"] if row["id"] == single.pk]
    assert (one["amount"], one["discount"], one["total"], one["currency"]) == ("49.00", "4.50", "44.50", "EUR")
    assert one["lines"] == [] and one["course_id"] == course.pk and one["username"] == learner.username
    detail = api_get(f"/admin/orders/{seats.pk}", admin_reader).json()
    assert detail["kind"] == "seats" and detail["course_id"] is None
    assert detail["lines"] == [
        {
            "course_id": paid_course.pk,
            "course_title": "Paid course",
            "quantity": 3,
            "unit_price": "30.00",
            "amount": "90.00",
        }
    ]
    assert api_get("/admin/orders/999999", admin_reader).status_code == 404


def test_order_filters(api_get, admin_reader, learner, other_learner, course, paid_course):
    with time_machine.travel(datetime(2026, 1, 10, 12, tzinfo=UTC), tick=False):
        january = _order(learner, course)
    with time_machine.travel(datetime(2026, 2, 10, 12, tzinfo=UTC), tick=False):
        refunded = _order(other_learner, course, status=OrderStatus.REFUNDED)
        seats = _order(other_learner, amount="60.00", lines=[(paid_course, 2)])

    def ids(**params):
        return sorted(row["id"] for row in _all_items(api_get, admin_reader, "/admin/orders", limit=1, **params))

    assert ids() == sorted([january.pk, refunded.pk, seats.pk])
    assert ids(status="refunded") == [refunded.pk]
    assert ids(user_id=other_learner.pk) == sorted([refunded.pk, seats.pk])
    assert ids(course_id=course.pk) == sorted([january.pk, refunded.pk])
    assert ids(course_id=paid_course.pk) == [seats.pk]
    assert ids(kind="seats") == [seats.pk]
    assert ids(created_since="2026-02-01T00:00:00Z") == sorted([refunded.pk, seats.pk])
    assert ids(created_until="2026-02-01T00:00:00+01:00") == [january.pk]
    assert ids(created_since="2026-01-10T12:00:00", created_until="2026-01-10T12:00:01") == [january.pk]
    assert api_get("/admin/orders", admin_reader, status="nonsense").status_code == 422
    assert api_get("/admin/orders", admin_reader, created_since="yesterday").status_code == 422
    far = api_get("/admin/orders", admin_reader, created_since="0001-01-01T00:00:00+05:00")
    assert far.status_code == 422 and far["Content-Type"] == "application/problem+json"


def test_order_list_queries_do_not_grow_with_rows(
    api_get, admin_reader, learner, course, paid_course, django_assert_max_num_queries
):
    _order(learner, course)
    _order(learner, amount="30.00", lines=[(paid_course, 1)])
    with django_assert_max_num_queries(10):
        api_get("/admin/orders", admin_reader)
    for _ in range(8):
        _order(UserFactory(), course)
        _order(UserFactory(), amount="60.00", lines=[(paid_course, 2)])
    with django_assert_max_num_queries(10):
        assert len(api_get("/admin/orders", admin_reader).json()["items"]) == 18


# Organisations


@pytest.fixture
def acme(paid_course):
    org = make_organisation("Acme")
    organisation_services.change_seats(
        organisation=org, course=paid_course, delta=3, reason=SeatChangeReason.ADMIN, note="first seats"
    )
    manager = make_manager(org, email="boss@acme.example")
    member = make_member(org)
    organisation_services.assign_course(membership=member, course=paid_course)
    gone = make_member(org)
    organisation_services.remove_member(membership=gone)
    return org, manager, member


def test_organisations_list_and_detail_with_seats_and_members(api_get, admin_reader, acme, paid_course):
    org, manager, member = acme
    listed = api_get("/admin/organisations", admin_reader).json()["items"]
    assert [(row["id"], row["member_count"]) for row in listed] == [(org.pk, 2)]
    detail = api_get(f"/admin/organisations/{org.pk}", admin_reader).json()
    assert detail["member_count"] == 2 and detail["slug"] == org.slug
    assert detail["seat_pools"] == [
        {"course_id": paid_course.pk, "course_title": "Paid course", "total": 3, "used": 1, "free": 2}
    ]
    members = _all_items(api_get, admin_reader, f"/admin/organisations/{org.pk}/members", limit=1)
    assert [(row["user_id"], row["role"]) for row in members] == [
        (manager.user_id, MemberRole.MANAGER),
        (member.user_id, MemberRole.MEMBER),
    ]
    assert members[0]["email"] == "boss@acme.example"
    assert api_get("/admin/organisations/999999", admin_reader).status_code == 404
    assert api_get("/admin/organisations/999999/members", admin_reader).status_code == 404


def test_organisation_queries_do_not_grow_with_rows(
    api_get, admin_reader, acme, paid_course, catalogue, django_assert_max_num_queries
):
    org = acme[0]
    paths = ["/admin/organisations", f"/admin/organisations/{org.pk}", f"/admin/organisations/{org.pk}/members"]
    for path in paths:
        with django_assert_max_num_queries(9):
            assert api_get(path, admin_reader).status_code == 200
    for n in range(4):
        make_organisation()
        other = make_course(catalogue, title=f"Seats {n}", price=Decimal("10.00"), modules=0, with_revisions=False)
        organisation_services.change_seats(
            organisation=org, course=other, delta=2, reason=SeatChangeReason.ADMIN, note="more"
        )
        make_member(org)
    for path in paths:
        with django_assert_max_num_queries(9):
            assert api_get(path, admin_reader).status_code == 200


def test_adjusting_seats_writes_a_ledger_line(api_send, admin_user, admin_writer, acme, paid_course):
    org = acme[0]
    response = api_send(
        "post",
        f"/admin/organisations/{org.pk}/seats",
        admin_writer,
        {"course_id": paid_course.pk, "delta": 5, "reason": "Renewal"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["delta"] == 5 and body["reason"] == "Renewal"
    assert body["pool"] == {
        "course_id": paid_course.pk,
        "course_title": "Paid course",
        "total": 8,
        "used": 1,
        "free": 7,
    }
    change = SeatChange.objects.get(pk=body["id"])
    assert (change.delta, change.reason, change.note, change.by) == (5, SeatChangeReason.ADMIN, "Renewal", admin_user)
    taken = api_send(
        "post",
        f"/admin/organisations/{org.pk}/seats",
        admin_writer,
        {"course_id": paid_course.pk, "delta": -7, "reason": "Unused"},
    )
    assert taken.status_code == 201 and taken.json()["pool"]["free"] == 0


def test_a_refused_adjustment_writes_nothing(api_send, admin_writer, acme, paid_course, course):
    org = acme[0]
    path = f"/admin/organisations/{org.pk}/seats"
    before = SeatChange.objects.count()
    # Two of three seats are free; the third is assigned and stays with its member.
    too_many = api_send("post", path, admin_writer, {"course_id": paid_course.pk, "delta": -3, "reason": "Cut"})
    assert too_many.status_code == 409 and too_many["Content-Type"] == "application/problem+json"
    assert "Only 2 of these seats are free" in too_many.json()["detail"]
    for body, status in [
        ({"course_id": paid_course.pk, "delta": 2, "reason": "   "}, 422),  # the service wants a reason
        ({"course_id": paid_course.pk, "delta": 2}, 422),
        ({"course_id": paid_course.pk, "delta": 0, "reason": "Nothing"}, 422),
        ({"course_id": paid_course.pk, "delta": 10_001, "reason": "Too many"}, 422),
        ({"course_id": course.pk, "delta": 2, "reason": "Free course"}, 422),
        ({"course_id": 999_999, "delta": 2, "reason": "No course"}, 404),
    ]:
        response = api_send("post", path, admin_writer, body)
        assert response.status_code == status, (body, response.content)
    assert (
        api_send(
            "post",
            "/admin/organisations/999999/seats",
            admin_writer,
            {"course_id": paid_course.pk, "delta": 1, "reason": "x"},
        ).status_code
        == 404
    )
    assert SeatChange.objects.count() == before
    assert SeatPool.objects.get(organisation=org, course=paid_course).seats == 3
    assert not SeatPool.objects.filter(course=course).exists()
