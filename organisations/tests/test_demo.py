"""The demo team: a manager who can sign in, eight members in two groups, a paid seat order with its invoice,
assignments with some overdue, and a way to buy for a team from the For teams page; added once however often
seed_demo runs."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from billing.models import Order, OrderStatus
from home.demo import TEAMS_PAGE_SLUG
from home.models import HomePage
from organisations.demo import DEMO_MANAGER, DEMO_ORGANISATION
from organisations.models import Assignment, Group, Membership, Organisation, OrganisationOrder, SeatPool

pytestmark = pytest.mark.django_db


def counts():
    return [model.objects.count() for model in (Organisation, Membership, Group, Assignment, OrganisationOrder, Order)]


def test_the_demo_team_is_there_once_and_its_manager_finds_it(client, demo_content):
    organisation = Organisation.objects.get(slug=DEMO_ORGANISATION)
    members = Membership.objects.filter(organisation=organisation, removed_at__isnull=True)
    assert members.count() == 9 and members.filter(role="manager").get().user.username == DEMO_MANAGER[0]
    assert sorted(Group.objects.filter(organisation=organisation).values_list("name", flat=True)) == [
        "Operations",
        "Sales",
    ]
    assert all(group.members.count() == 4 for group in Group.objects.filter(organisation=organisation))
    order = OrganisationOrder.objects.get(organisation=organisation).order
    assert order.status == OrderStatus.PAID  # through the simulator's signed webhook
    assert {(pool.course.slug, pool.seats) for pool in SeatPool.objects.filter(organisation=organisation)} == {
        ("building-web-apps-with-django", 5),
        ("negotiation-skills-for-managers", 5),
    }
    overdue = Assignment.objects.filter(organisation=organisation, due_on__lt=timezone.localdate())
    assert overdue.count() == 4

    before = counts()
    call_command("seed_demo", allow_production=True, verbosity=0)
    assert counts() == before

    assert client.login(username=DEMO_MANAGER[0], password=DEMO_MANAGER[1])
    dashboard = client.get(reverse("learning:dashboard")).content.decode()
    assert reverse("organisations:dashboard", args=[DEMO_ORGANISATION]) in dashboard
    grid = client.get(reverse("organisations:dashboard", args=[DEMO_ORGANISATION])).content.decode()
    assert "Emma" in grid and "Overdue" in grid
    invoice = client.get(reverse("organisations:invoice", args=[DEMO_ORGANISATION, order.pk]))
    assert invoice.status_code == 200 and invoice["Content-Type"] == "application/pdf"

    teams_page = HomePage.objects.originals().get().get_children().get(slug=TEAMS_PAGE_SLUG)
    assert reverse("organisations:create") in client.get(teams_page.url).content.decode()
