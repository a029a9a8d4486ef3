"""Organisations in the Wagtail admin: admins only, and every change through the services' rules."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from organisations import services
from organisations.models import Membership, Organisation, SeatChange, SeatChangeReason, SeatPool

from .conftest import give_seats
from .factories import make_member

pytestmark = pytest.mark.django_db

INDEXES = [
    "organisations_admin:index",
    "organisation_members_admin:index",
    "organisation_assignments_admin:index",
    "organisation_seats_admin:index",
    "organisation_seat_changes_admin:index",
]


@pytest.mark.parametrize("name", INDEXES)
def test_only_admins_open_the_organisation_screens(client, name, org, manager, trainer, admin_user):
    url = reverse(name)
    for user in (manager.user, trainer, UserFactory()):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code in (302, 403), (user, response.status_code)
    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code == 200
    if name == "organisations_admin:index":
        assert org.name in response.content.decode()


def test_adding_a_member_goes_through_the_rules(client, org, admin_user):
    client.force_login(admin_user)
    url = reverse("organisation_members_admin:add")
    banned = UserFactory(is_banned=True)
    response = client.post(url, {"organisation": org.pk, "user": banned.pk, "role": "member"})
    assert response.status_code == 200 and not Membership.objects.filter(user=banned).exists()
    person = UserFactory()
    response = client.post(url, {"organisation": org.pk, "user": person.pk, "role": "manager"})
    assert response.status_code == 302
    assert Membership.objects.get(user=person).is_manager


def test_removing_the_last_manager_is_refused_and_a_member_leaves_with_seats_freed(
    client, org, manager, paid_course, admin_user
):
    client.force_login(admin_user)
    response = client.post(reverse("organisation_members_admin:remove", args=[manager.pk]), follow=True)
    manager.refresh_from_db()
    assert manager.removed_at is None and "at least one manager" in response.content.decode()

    member = make_member(org)
    give_seats(org, paid_course, 1)
    services.assign_course(membership=member, course=paid_course)
    client.post(reverse("organisation_members_admin:remove", args=[member.pk]))
    member.refresh_from_db()
    assert member.removed_at is not None
    assert services.seats_in_use(organisation_id=org.pk, course_id=paid_course.pk) == 0


def test_a_role_change_keeps_a_manager(client, org, manager, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("organisation_members_admin:edit", args=[manager.pk]), {"role": "member"})
    assert response.status_code == 200
    manager.refresh_from_db()
    assert manager.role == "manager"


def test_seat_adjustments_are_audited_and_never_take_seats_in_use(client, org, member, paid_course, admin_user):
    give_seats(org, paid_course, 2)
    services.assign_course(membership=member, course=paid_course)
    pool = SeatPool.objects.get()
    url = reverse("organisation_seats_admin:adjust", args=[pool.pk])
    client.force_login(admin_user)
    assert "1 in use" in client.get(url).content.decode()

    for bad in ({"delta": "3", "note": ""}, {"delta": "0", "note": "x"}, {"delta": "many", "note": "x"}):
        assert client.post(url, bad).status_code == 200
    response = client.post(url, {"delta": "-2", "note": "Contract shrank"})
    assert response.status_code == 200 and "Only 1 of these seats are free" in response.content.decode()
    pool.refresh_from_db()
    assert pool.seats == 2

    assert client.post(url, {"delta": "5", "note": "Goodwill after the outage"}).status_code == 302
    pool.refresh_from_db()
    assert pool.seats == 7
    change = SeatChange.objects.filter(reason=SeatChangeReason.ADMIN).first()
    assert (change.delta, change.note, change.by) == (5, "Goodwill after the outage", admin_user)
    assert "Goodwill after the outage" in client.get(reverse("organisation_seat_changes_admin:index")).content.decode()


def test_a_trainer_cannot_adjust_seats(client, org, paid_course, trainer):
    give_seats(org, paid_course, 2)
    client.force_login(trainer)
    url = reverse("organisation_seats_admin:adjust", args=[SeatPool.objects.get().pk])
    assert client.post(url, {"delta": "5", "note": "more"}).status_code in (302, 403)
    assert SeatPool.objects.get().seats == 2


def test_an_organisation_cannot_take_an_address_of_the_site(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("organisations_admin:add"), {"name": "New", "slug": "new"})
    assert response.status_code == 200 and not Organisation.objects.filter(slug="new").exists()
    assert client.post(reverse("organisations_admin:add"), {"name": "Newco", "slug": "newco"}).status_code == 302
