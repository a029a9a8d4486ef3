"""The invitation link: who may accept it, and every way it is refused (a 4xx page, nothing written)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from organisations import services
from organisations.models import Invitation, MemberRole, Membership

from .factories import make_member

pytestmark = pytest.mark.django_db


def link(invitation) -> str:
    return reverse("organisations:accept", args=[services.invitation_token(invitation)])


def invite(org, manager, email="new@example.com", **fields):
    return services.invite(organisation=org, email=email, by=manager.user, **fields)


def nothing_written(org, invitation, email):
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not Membership.objects.filter(organisation=org, user__email__iexact=email).exists()


def sign_up_data(**fields):
    data = {
        "first_name": "Nia",
        "last_name": "New",
        "username": "nia",
        "email": "attacker@example.com",  # a disabled field: the invited address is used whatever is posted
        "password1": "a-long-and-unusual-pass-42",
        "password2": "a-long-and-unusual-pass-42",
    }
    return {**data, **fields}


class TestSignedIn:
    def test_the_invited_address_accepts_with_a_post_and_lands_on_the_dashboard(self, client, org, manager):
        user = UserFactory(email="new@example.com")
        group = services.create_group(organisation=org, name="Sales")
        invitation = invite(org, manager, role=MemberRole.MANAGER, groups=[group])
        client.force_login(user)

        page = client.get(link(invitation))
        body = page.content.decode()
        assert page.status_code == 200 and "Acme" in body and "new@example.com" in body
        assert not Membership.objects.filter(user=user).exists()  # GET writes nothing

        response = client.post(link(invitation))
        assert response.status_code == 302 and response["Location"] == reverse("learning:dashboard")
        membership = Membership.objects.get(organisation=org, user=user)
        assert membership.role == MemberRole.MANAGER and list(membership.groups.all()) == [group]

        # The link works once.
        again = client.post(link(invitation))
        assert again.status_code == 400 and "already been used" in again.content.decode()

    def test_another_address_is_told_and_nothing_is_written(self, client, org, manager):
        invitation = invite(org, manager)
        client.force_login(UserFactory(email="someone.else@example.com"))
        for response in (client.get(link(invitation)), client.post(link(invitation))):
            assert response.status_code == 403
            body = response.content.decode()
            assert "new@example.com" in body and reverse("accounts:sign_out") in body
        nothing_written(org, invitation, "someone.else@example.com")

    def test_a_banned_account_cannot_accept(self, client, org, manager):
        user = UserFactory(email="new@example.com", is_banned=True)
        invitation = invite(org, manager)
        client.force_login(user)  # the middleware signs a banned account out: it arrives as a visitor
        response = client.post(link(invitation))
        assert response.status_code == 302 and response["Location"] == reverse("accounts:sign_in")
        client.logout()
        response = client.get(link(invitation))
        assert response.status_code == 403 and "suspended" in response.content.decode()
        assert client.post(link(invitation), sign_up_data()).status_code == 403
        nothing_written(org, invitation, "new@example.com")

    def test_a_banned_account_is_refused_by_the_service_too(self, org, manager):
        user = UserFactory(email="new@example.com", is_banned=True)
        invitation = invite(org, manager)
        with pytest.raises(services.NotAllowed):
            services.accept_invitation(invitation=invitation, user=user)
        nothing_written(org, invitation, "new@example.com")


class TestRefusedLinks:
    def test_an_altered_or_made_up_token_is_a_400(self, client, org, manager):
        invitation = invite(org, manager)
        token = services.invitation_token(invitation)
        client.force_login(UserFactory(email="new@example.com"))
        for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "x:y", "a" * 300 + ":b", ":"):
            response = client.post(reverse("organisations:accept", args=[bad]))
            assert response.status_code == 400, bad
        nothing_written(org, invitation, "new@example.com")

    def test_expired_used_withdrawn_and_replaced_links_are_refused(self, client, org, manager):
        user = UserFactory(email="new@example.com")
        client.force_login(user)
        expired = invite(org, manager)
        Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
        response = client.post(link(expired))
        assert response.status_code == 400 and "expired" in response.content.decode()

        replaced = invite(org, manager)
        newer = invite(org, manager)  # replaces it
        assert client.post(link(replaced)).status_code == 400

        services.withdraw_invitation(invitation=newer)
        response = client.post(link(newer))
        assert response.status_code == 400 and "withdrawn" in response.content.decode()
        nothing_written(org, newer, "new@example.com")

    def test_the_token_of_another_invitation_row_is_refused(self, client, org, manager):
        invitation = invite(org, manager)
        Invitation.objects.filter(pk=invitation.pk).update(nonce="changed")  # as if the link were for an old nonce
        client.force_login(UserFactory(email="new@example.com"))
        assert client.post(link(invitation)).status_code == 400


class TestSignedOut:
    def test_an_existing_account_signs_in_first_and_comes_back(self, client, org, manager):
        UserFactory(email="new@example.com")
        invitation = invite(org, manager)
        page = client.get(link(invitation))
        assert page.status_code == 200
        sign_in = reverse("accounts:sign_in")
        assert sign_in in page.content.decode() and "next=" in page.content.decode()
        response = client.post(link(invitation))
        assert response.status_code == 302 and response["Location"] == f"{sign_in}?next={link(invitation)}"
        # Signing in with that `next` comes back to the link.
        credentials = {"username": "new@example.com", "password": PASSWORD}
        response = client.post(f"{sign_in}?next={link(invitation)}", credentials)
        assert response.status_code == 302 and response["Location"] == link(invitation)
        nothing_written(org, invitation, "new@example.com")

    def test_sign_up_creates_exactly_one_account_and_membership(self, client, org, manager):
        invitation = invite(org, manager, first_name="Nia")
        page = client.get(link(invitation))
        assert page.status_code == 200 and 'name="password1"' in page.content.decode()

        response = client.post(link(invitation), sign_up_data())
        assert response.status_code == 302 and response["Location"] == reverse("learning:dashboard")
        user = User.objects.get(username="nia")
        assert user.email == "new@example.com"  # the invited address, not the posted one
        assert not User.objects.filter(email="attacker@example.com").exists()
        assert Membership.objects.filter(organisation=org, user=user, removed_at__isnull=True).count() == 1
        invitation.refresh_from_db()
        assert invitation.accepted_by == user
        assert client.get(reverse("learning:dashboard")).wsgi_request.user == user  # signed in

        # Posting the form again (a double click, a replay) makes no second account.
        client.logout()
        again = client.post(link(invitation), sign_up_data(username="nia2"))
        assert again.status_code == 400
        assert User.objects.filter(email__iexact="new@example.com").count() == 1

    def test_an_invalid_sign_up_writes_nothing(self, client, org, manager):
        invitation = invite(org, manager)
        response = client.post(link(invitation), sign_up_data(password2="something-else-entirely"))
        assert response.status_code == 400
        assert not User.objects.filter(username="nia").exists()
        nothing_written(org, invitation, "new@example.com")

    def test_sign_up_is_throttled_like_accounts_sign_up(self, client, org, manager, settings):
        settings.ACCOUNTS_THROTTLE = {**settings.ACCOUNTS_THROTTLE, "sign_up_address": (1, 600)}
        invitation = invite(org, manager)
        assert client.post(link(invitation), sign_up_data(password2="mismatch-mismatch")).status_code == 400
        response = client.post(link(invitation), sign_up_data())
        assert response.status_code == 429
        assert not User.objects.filter(username="nia").exists()

    def test_an_invitation_that_turns_out_unusable_leaves_no_account(self, client, org, manager, monkeypatch):
        invitation = invite(org, manager)

        def refuse(**kwargs):
            raise services.InvitationRefused("refused")

        monkeypatch.setattr(services, "accept_invitation", refuse)
        response = client.post(link(invitation), sign_up_data())
        assert response.status_code == 400
        assert not User.objects.filter(username="nia").exists()


def test_the_accept_url_does_not_shadow_a_team_called_invitations(client):
    from .factories import make_manager, make_organisation

    org = make_organisation(slug="invitations")
    manager = make_manager(org)
    client.force_login(manager.user)
    assert client.get(reverse("organisations:members", args=["invitations"])).status_code == 200
    assert client.get(reverse("organisations:seats", args=["invitations"])).status_code == 200


def test_a_current_member_is_not_invited_again(org, manager):
    member = make_member(org, email="Member@Example.com")
    with pytest.raises(services.OrganisationError, match="already a member"):
        services.invite(organisation=org, email="member@example.com", by=manager.user)
    assert member
