"""Who may open a team's pages: only its current managers. Anyone else gets 404 (nothing says it exists)."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from organisations import services

from .factories import make_manager, make_member, make_organisation

pytestmark = pytest.mark.django_db

PAGES = ["dashboard", "members", "seats", "assignments"]


@pytest.mark.parametrize("page", PAGES)
def test_only_the_organisations_current_managers_open_its_pages(client, page, admin_user, trainer):
    org = make_organisation()
    other = make_organisation()
    manager = make_manager(org)
    other_manager = make_manager(other)
    former = make_manager(org)
    services.remove_member(membership=former)
    url = reverse(f"organisations:{page}", args=[org.slug])

    assert client.get(url).status_code == 302  # signed out: to sign in first
    for user in (make_member(org).user, other_manager.user, former.user, UserFactory(), trainer, admin_user):
        client.force_login(user)
        assert client.get(url).status_code == 404, user
    client.force_login(manager.user)
    response = client.get(url)
    assert response.status_code == 200 and org.name in response.content.decode()
    assert "private" in response["Cache-Control"]
    client.force_login(other_manager.user)
    assert client.get(reverse(f"organisations:{page}", args=["no-such-team"])).status_code == 404
