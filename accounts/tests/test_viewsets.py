import pytest
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def new_user_data(**overrides):
    data = {
        "username": "newtrainer",
        "email": "newtrainer@example.com",
        "first_name": "New",
        "last_name": "Trainer",
        "password1": "a-long-unusual-passphrase",
        "password2": "a-long-unusual-passphrase",
        "role": "trainer",
    }
    return data | overrides


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"username": "Learner2"}, "username", "Usernames ignore upper and lower case"),
        ({"email": "Learner2@Example.com"}, "email", "E-mail addresses ignore upper and lower case"),
        ({"first_name": "x" * 151}, "first_name", "at most 150"),
        ({"email": "a" * 250 + "@example.com"}, "email", "at most 254"),
    ],
)
def test_admin_user_creation_refuses_case_variants_and_overlong_values(client, admin_user, overrides, field, message):
    UserFactory(username="learner2", email="learner2@example.com")
    client.force_login(admin_user)
    response = client.post(reverse("wagtailusers_users:add"), new_user_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert not User.objects.filter(first_name="New").exists()


def test_admin_user_edit_refuses_another_accounts_username_in_another_case_but_not_its_own(client, admin_user):
    UserFactory(username="learner2", email="learner2@example.com")
    user = UserFactory(username="someone", email="someone@example.com")
    client.force_login(admin_user)
    data = {
        "username": "LEARNER2",
        "email": "SOMEONE@example.com",
        "first_name": "Some",
        "last_name": "One",
        "role": "learner",
        "is_active": "on",
    }
    response = client.post(reverse("wagtailusers_users:edit", args=(user.pk,)), data)
    assert response.status_code == 200
    assert "Usernames ignore upper and lower case" in " ".join(response.context["form"].errors["username"])

    response = client.post(reverse("wagtailusers_users:edit", args=(user.pk,)), data | {"username": "Someone"})
    assert response.status_code == 302, response.context["form"].errors
    user.refresh_from_db()
    assert (user.username, user.email) == ("Someone", "SOMEONE@example.com")
