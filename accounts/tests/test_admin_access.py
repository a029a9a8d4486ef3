"""The site header's "Admin" link follows `has_perm("wagtailadmin.access_admin")` at the next request, however the
permission was given or taken (a group, the user's own permissions, a group's permissions), without asking the
database on every page (accounts.selectors.may_access_admin)."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.selectors import ADMIN_PERMISSION, may_access_admin
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADMIN_LINK = re.compile(r'<a [^>]*href="/admin/"[^>]*>Admin</a>')


def shows_admin_link(client) -> bool:
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    return bool(ADMIN_LINK.search(response.content.decode()))


def access_admin() -> Permission:
    return Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    assert not shows_admin_link(client)  # and the answer is now kept
    return learner


def test_a_learner_put_in_the_editors_group_sees_the_link_at_the_next_request_and_loses_it_when_taken_out(
    client, signed_in
):
    editors = Group.objects.get(name="Editors")
    signed_in.groups.add(editors)
    assert shows_admin_link(client)
    signed_in.groups.remove(editors)
    assert not shows_admin_link(client)
    # The same from the group's side.
    editors.user_set.add(signed_in)
    assert shows_admin_link(client)
    editors.user_set.remove(signed_in)
    assert not shows_admin_link(client)
    editors.user_set.add(signed_in)
    editors.user_set.clear()
    assert not shows_admin_link(client)


def test_a_group_given_or_refused_the_permission_changes_the_link_of_its_members(client, signed_in):
    reviewers = Group.objects.create(name="Reviewers")
    signed_in.groups.add(reviewers)
    assert not shows_admin_link(client)
    reviewers.permissions.add(access_admin())
    assert shows_admin_link(client)
    access_admin().group_set.remove(reviewers)
    assert not shows_admin_link(client)
    reviewers.permissions.add(access_admin())
    assert shows_admin_link(client)
    reviewers.delete()
    assert not shows_admin_link(client)


def test_a_permission_given_to_the_user_directly_counts_too(client, signed_in):
    signed_in.user_permissions.add(access_admin())
    assert shows_admin_link(client)
    access_admin().user_set.remove(signed_in)
    assert not shows_admin_link(client)


def test_a_role_change_moves_the_link_with_the_role_group(client, signed_in):
    signed_in.role = "trainer"
    signed_in.save()
    assert shows_admin_link(client)
    signed_in.role = "learner"
    signed_in.save()
    assert not shows_admin_link(client)


@pytest.mark.parametrize("role", ["learner", "trainer", "admin"])
def test_the_answer_is_djangos_for_every_role_and_kept_without_queries(role):
    user = UserFactory(role=role)
    expected = user.has_perm(ADMIN_PERMISSION)
    assert may_access_admin(user=UserFactory._meta.model.objects.get(pk=user.pk)) is expected
    fresh = UserFactory._meta.model.objects.get(pk=user.pk)  # no permission cache of its own
    with CaptureQueriesContext(connection) as captured:
        assert may_access_admin(user=fresh) is expected
    assert captured.captured_queries == []


def test_a_warm_page_asks_nothing_about_permissions_and_wagtails_bar_only_for_those_it_shows_to(client, signed_in):
    with CaptureQueriesContext(connection) as captured:
        body = client.get(reverse("accounts:profile")).content.decode()
    assert not [q["sql"] for q in captured.captured_queries if "auth_permission" in q["sql"]]
    assert "<wagtail-userbar" not in body and "Admin</a>" not in body

    signed_in.groups.add(Group.objects.get(name="Editors"))
    body = client.get(reverse("accounts:profile")).content.decode()
    assert "<wagtail-userbar" in body and ADMIN_LINK.search(body)
