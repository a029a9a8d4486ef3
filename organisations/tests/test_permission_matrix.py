"""Every team URL against every kind of visitor, with two organisations: only a current manager of the
organisation gets anything but 404 (or the sign-in page), and even they get 404 for the other organisation's
members, groups, invitations, orders and assignments."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from billing.models import Order, OrderKind, OrderStatus
from organisations import services
from organisations.models import OrganisationOrder

from .conftest import give_seats
from .factories import make_manager, make_member, make_organisation

pytestmark = pytest.mark.django_db

# name, kwargs (objects of the organisation filled in per test), method
URLS = [
    ("dashboard", {}, "get"),
    ("dashboard_export", {"fmt": "csv"}, "get"),
    ("members", {}, "get"),
    ("set_role", {"membership_id": "member"}, "post"),
    ("remove_member", {"membership_id": "member"}, "post"),
    ("create_group", {}, "post"),
    ("add_to_group", {"group_id": "group"}, "post"),
    ("remove_from_group", {"group_id": "group", "membership_id": "member"}, "post"),
    ("invite", {}, "get"),
    ("resend", {"invitation_id": "invitation"}, "post"),
    ("withdraw", {"invitation_id": "invitation"}, "post"),
    ("import_csv", {}, "get"),
    ("import_confirm", {}, "post"),
    ("seats", {}, "get"),
    ("buy_seats", {}, "post"),
    ("invoice", {"order_id": "order"}, "get"),
    ("assignments", {}, "get"),
    ("assignment_due_date", {"assignment_id": "assignment"}, "post"),
    ("assignment_release", {"assignment_id": "assignment"}, "post"),
]


def team(paid_course, name):
    org = make_organisation(name)
    manager = make_manager(org)
    member = make_member(org)
    group = services.create_group(organisation=org, name="Sales")
    services.add_to_group(group=group, membership=member)
    invitation = services.invite(organisation=org, email=f"new@{org.slug}.example", by=manager.user)
    give_seats(org, paid_course, 2)
    assignment = services.assign_course(membership=member, course=paid_course)
    order = Order.objects.create(
        user=manager.user, kind=OrderKind.SEATS, amount="10.00", currency="EUR", status=OrderStatus.PAID
    )
    order.paid_at = order.created_at
    order.save()
    OrganisationOrder.objects.create(organisation=org, order=order)
    objects = {"member": member, "group": group, "invitation": invitation, "assignment": assignment, "order": order}
    return org, manager, member, objects


def url_of(name, org, kwargs, objects):
    args = {key: (objects[value].pk if value in objects else value) for key, value in kwargs.items()}
    return reverse(f"organisations:{name}", kwargs={"slug": org.slug, **args})


@pytest.mark.parametrize(("name", "kwargs", "method"), URLS, ids=[url[0] for url in URLS])
def test_only_the_organisations_managers_reach_its_pages_and_only_its_own_rows(
    client, name, kwargs, method, paid_course, trainer, admin_user
):
    org_a, manager_a, member_a, objects_a = team(paid_course, "Alpha")
    org_b, manager_b, _, objects_b = team(paid_course, "Beta")
    url = url_of(name, org_a, kwargs, objects_a)
    send = getattr(client, method)

    response = send(url)
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]  # signed out

    for user in (manager_b.user, member_a.user, UserFactory(), trainer, admin_user):
        client.force_login(user)
        # Admins keep every order's invoice at hand (they refund orders in the admin); nothing else of a team.
        expected = 200 if name == "invoice" and user == admin_user else 404
        assert send(url).status_code == expected, (name, user)

    client.force_login(manager_a.user)
    response = send(url)
    assert response.status_code < 500 and response.status_code != 404, (name, response.status_code)
    if any(value in objects_a for value in kwargs.values()):
        # The other organisation's row, through this organisation's address: as if it did not exist.
        foreign = url_of(name, org_a, kwargs, objects_b)
        assert send(foreign).status_code == 404, name
