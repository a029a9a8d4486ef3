"""The manager's members page: roles, removal, groups, invitations; only this organisation's current managers."""

import re

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from learning.models import Enrollment
from organisations import services
from organisations.models import Invitation, MemberRole, Membership

from .conftest import give_seats
from .factories import make_manager, make_member, make_organisation

pytestmark = pytest.mark.django_db


def url(name, org, *args):
    return reverse(f"organisations:{name}", args=[org.slug, *args])


def emailed_invitation(body: str):
    """The invitation whose link the e-mail body carries."""
    token = re.search(r"/organisations/invitations/([^/\s]+)/", body).group(1)
    return services.invitation_from_token(token)


def every_view(org, membership, group, invitation):
    """(name, args, methods that work) of each members-page view."""
    return [
        ("members", [], ["GET"]),
        ("set_role", [membership.pk], ["POST"]),
        ("remove_member", [membership.pk], ["GET", "POST"]),
        ("create_group", [], ["POST"]),
        ("add_to_group", [group.pk], ["POST"]),
        ("remove_from_group", [group.pk, membership.pk], ["POST"]),
        ("invite", [], ["GET", "POST"]),
        ("resend", [invitation.pk], ["POST"]),
        ("withdraw", [invitation.pk], ["POST"]),
        ("import_csv", [], ["GET", "POST"]),
        ("import_confirm", [], ["POST"]),
    ]


def test_only_this_organisations_current_managers_reach_any_members_view(client, admin_user):
    org, other = make_organisation(), make_organisation()
    manager, member = make_manager(org), make_member(org)
    group = services.create_group(organisation=org, name="Sales")
    invitation = services.invite(organisation=org, email="x@example.com", by=manager.user)
    former = make_manager(org)
    services.remove_member(membership=former)
    outsiders = [member.user, make_manager(other).user, former.user, UserFactory(), admin_user]
    for name, args, methods in every_view(org, member, group, invitation):
        target = url(name, org, *args)
        assert getattr(client, methods[0].lower())(target).status_code == 302  # signed out: sign in first
        for user in outsiders:
            client.force_login(user)
            # (A method the view never takes is 405 for anyone, whatever the slug: it tells nothing.)
            for method in methods:
                assert getattr(client, method.lower())(target).status_code == 404, (name, user, method)
        client.logout()
    # Nothing changed.
    member.refresh_from_db()
    assert member.role == MemberRole.MEMBER and member.removed_at is None
    invitation.refresh_from_db()
    assert invitation.is_open and list(group.members.all()) == []


def test_post_only_actions_refuse_get(client, org, manager, member):
    group = services.create_group(organisation=org, name="Sales")
    invitation = services.invite(organisation=org, email="x@example.com", by=manager.user)
    client.force_login(manager.user)
    for name, args, methods in every_view(org, member, group, invitation):
        if methods == ["POST"]:
            assert client.get(url(name, org, *args)).status_code == 405, name
    assert client.get(url("members", org)).status_code == 200
    assert client.post(url("members", org)).status_code == 405


def test_ids_of_another_organisation_are_404(client, org, manager):
    other = make_organisation()
    stranger = make_member(other)
    their_group = services.create_group(organisation=other, name="Theirs")
    their_invitation = services.invite(organisation=other, email="y@example.com", by=None)
    client.force_login(manager.user)
    assert client.post(url("set_role", org, stranger.pk), {"role": "manager"}).status_code == 404
    assert client.post(url("remove_member", org, stranger.pk)).status_code == 404
    assert client.post(url("add_to_group", org, their_group.pk), {"membership": manager.pk}).status_code == 404
    assert client.post(url("withdraw", org, their_invitation.pk)).status_code == 404
    assert client.post(url("resend", org, their_invitation.pk)).status_code == 404
    stranger.refresh_from_db()
    their_invitation.refresh_from_db()
    assert stranger.role == MemberRole.MEMBER and stranger.removed_at is None and their_invitation.is_open
    # A member of another organisation cannot be put in this organisation's group either.
    group = services.create_group(organisation=org, name="Ours")
    response = client.post(url("add_to_group", org, group.pk), {"membership": stranger.pk})
    assert response.status_code == 302 and not group.members.exists()


def test_the_page_lists_members_groups_and_invitations_in_a_fixed_number_of_queries(
    client, org, manager, django_assert_max_num_queries
):
    group = services.create_group(organisation=org, name="Sales")
    client.force_login(manager.user)

    def grow(n):
        for _ in range(n):
            membership = make_member(org)
            services.add_to_group(group=group, membership=membership)
            services.invite(organisation=org, email=f"{membership.pk}-i@example.com", by=manager.user, groups=[group])

    grow(2)
    with django_assert_max_num_queries(20) as few:
        client.get(url("members", org))
    grow(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url("members", org))
    body = response.content.decode()
    assert body.count("-i@example.com") >= 17 and "Sales" in body


def test_role_changes_keep_a_manager(client, org, manager, member):
    client.force_login(manager.user)
    response = client.post(url("set_role", org, member.pk), {"role": "manager"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.role == MemberRole.MANAGER
    assert client.post(url("set_role", org, member.pk), {"role": "boss"}).status_code == 302
    member.refresh_from_db()
    assert member.role == MemberRole.MANAGER  # an unknown role changes nothing
    # Demoting the other manager works; demoting the last one is refused with a message.
    client.post(url("set_role", org, member.pk), {"role": "member"})
    response = client.post(url("set_role", org, manager.pk), {"role": "member"}, follow=True)
    manager.refresh_from_db()
    assert manager.role == MemberRole.MANAGER and "at least one manager" in response.content.decode()


def test_demoting_yourself_leaves_the_page(client, org, manager, member):
    services.set_role(membership=member, role=MemberRole.MANAGER)
    client.force_login(manager.user)
    response = client.post(url("set_role", org, manager.pk), {"role": "member"})
    assert response.status_code == 302 and response["Location"] == reverse("learning:dashboard")


def test_removal_is_confirmed_first_and_frees_seats_but_keeps_progress(client, org, manager, member, paid_course):
    give_seats(org, paid_course, 1)
    services.assign_course(membership=member, course=paid_course, by=manager.user)
    client.force_login(manager.user)
    confirm = client.get(url("remove_member", org, member.pk))
    assert confirm.status_code == 200
    body = confirm.content.decode()
    assert "seats" in body and "progress" in body.lower()
    member.refresh_from_db()
    assert member.removed_at is None  # GET removes nothing

    response = client.post(url("remove_member", org, member.pk))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.removed_at is not None
    assert services.seats_in_use(organisation_id=org.pk, course_id=paid_course.pk) == 0
    assert Enrollment.objects.filter(user=member.user, course=paid_course).exists()  # the row and progress stay
    assert client.post(url("remove_member", org, member.pk)).status_code == 404  # no longer a current member


def test_groups_create_add_and_remove(client, org, manager, member):
    client.force_login(manager.user)
    assert client.post(url("create_group", org), {"name": "  Sales  "}).status_code == 302
    group = org.groups.get()
    assert group.name == "Sales"
    response = client.post(url("create_group", org), {"name": "Sales"})
    assert response.status_code == 400 and "already a group" in response.content.decode()
    assert client.post(url("create_group", org), {"name": "x" * 500}).status_code == 400
    assert org.groups.count() == 1

    assert client.post(url("add_to_group", org, group.pk), {"membership": member.pk}).status_code == 302
    assert list(group.members.all()) == [member]
    assert client.post(url("add_to_group", org, group.pk), {"membership": "9" * 30}).status_code == 302
    assert client.post(url("remove_from_group", org, group.pk, member.pk)).status_code == 302
    assert not group.members.exists()


class TestInvitingByEmail:
    def test_the_form_invites_and_emails_the_link(
        self, client, org, manager, mailoutbox, django_capture_on_commit_callbacks
    ):
        group = services.create_group(organisation=org, name="Sales")
        client.force_login(manager.user)
        assert client.get(url("invite", org)).status_code == 200
        data = {"email": "Ada@Example.com", "first_name": "Ada", "last_name": "O'Brien", "role": "member"}
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url("invite", org), {**data, "groups": [group.pk]})
        assert response.status_code == 302
        invitation = Invitation.objects.get(organisation=org)
        assert invitation.email == "Ada@Example.com" and list(invitation.groups.all()) == [group]
        assert len(mailoutbox) == 1
        mail = mailoutbox[0]
        assert mail.to == ["Ada@Example.com"] and "Acme" in mail.subject
        assert emailed_invitation(mail.body) == invitation and "Hello Ada," in mail.body
        assert "&#x27;" not in mail.body and "&amp;" not in mail.subject

    def test_a_current_member_is_refused_with_a_clear_message(self, client, org, manager, member, mailoutbox):
        client.force_login(manager.user)
        response = client.post(url("invite", org), {"email": member.user.email.upper(), "role": "member"})
        assert response.status_code == 400 and "already a member" in response.content.decode()
        assert not Invitation.objects.exists() and not mailoutbox

    def test_bad_input_is_a_400(self, client, org, manager):
        client.force_login(manager.user)
        for data in ({"email": "not-an-address", "role": "member"}, {"email": "a@example.com", "role": "owner"}):
            assert client.post(url("invite", org), data).status_code == 400
        other_group = services.create_group(organisation=make_organisation(), name="Theirs")
        data = {"email": "a@example.com", "role": "member", "groups": [other_group.pk]}
        assert client.post(url("invite", org), data).status_code == 400
        assert not Invitation.objects.exists()

    def test_resend_sends_a_new_link_and_the_old_one_stops_working(
        self, client, org, manager, mailoutbox, django_capture_on_commit_callbacks
    ):
        old = services.invite(organisation=org, email="new@example.com", by=manager.user, first_name="Nia")
        old_link = services.invitation_url(old)
        client.force_login(manager.user)
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(url("resend", org, old.pk)).status_code == 302
        new = Invitation.objects.get(organisation=org, revoked_at__isnull=True)
        assert new.pk != old.pk and new.first_name == "Nia"
        assert len(mailoutbox) == 1 and emailed_invitation(mailoutbox[0].body) == new
        assert old_link.rsplit("/", 2)[1] not in mailoutbox[0].body
        old.refresh_from_db()
        assert old.revoked_at is not None
        assert client.post(url("resend", org, old.pk)).status_code == 404  # no longer open

    def test_withdraw(self, client, org, manager):
        invitation = services.invite(organisation=org, email="new@example.com", by=manager.user)
        client.force_login(manager.user)
        assert client.post(url("withdraw", org, invitation.pk)).status_code == 302
        invitation.refresh_from_db()
        assert invitation.revoked_at is not None
        assert client.post(url("withdraw", org, invitation.pk)).status_code == 404
        assert "new@example.com" not in client.get(url("members", org)).content.decode()
        assert Membership.objects.filter(organisation=org).count() == 1


HOSTILE = [
    "9" * 5000,
    "NaN",
    "-1",
    "9" * 25,
    "x" * 50_000,
    '");DROP TABLE x;--',
    "\x00\x1b",
    "[[[[{",
    "ünï—𝔘\u202e",
    "",
]
FIELDS = ["role", "name", "membership", "email", "first_name", "last_name", "groups", "file", "payload"]


def test_hostile_input_to_every_members_view_is_never_a_5xx(client, org, manager, member):
    group = services.create_group(organisation=org, name="Sales")
    invitation = services.invite(organisation=org, email="x@example.com", by=manager.user)
    client.force_login(manager.user)
    for name, args, _methods in every_view(org, member, group, invitation):
        for value in HOSTILE:
            response = client.post(url(name, org, *args), dict.fromkeys(FIELDS, value))
            assert response.status_code < 500, (name, value[:20])
    for value in HOSTILE + ["a:b", "x" * 5000 + ":" + "y" * 5000]:
        path = "/organisations/invitations/" + re.sub("[/]", "", value) + "/"
        for method in ("get", "post"):
            assert getattr(client, method)(path).status_code < 500, value[:20]
