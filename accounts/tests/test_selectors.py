import pytest

from accounts.selectors import email_taken, user_for_sign_in, username_taken
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_sign_in_lookup_matches_username_or_email_in_any_case_when_only_one_account_fits():
    user = UserFactory(username="learner2", email="learner2@example.com")
    for login in ("learner2", "LEARNER2", "learner2@example.com", "Learner2@Example.com"):
        assert user_for_sign_in(login=login) == user


def test_an_exact_match_wins_and_an_ambiguous_case_variant_names_nobody():
    # Possible only between columns: one account's username is another's e-mail address.
    by_username = UserFactory(username="sam@example.com", email="first@example.com")
    by_email = UserFactory(username="second", email="Sam@example.com")
    assert user_for_sign_in(login="sam@example.com") == by_username
    assert user_for_sign_in(login="Sam@example.com") == by_email
    assert user_for_sign_in(login="SAM@EXAMPLE.COM") is None


@pytest.mark.parametrize("login", ["", "nobody", "x" * 255, "x" * 50_000, "%", "_", "learner%"])
def test_sign_in_lookup_finds_nobody_for_unknown_overlong_or_wildcard_logins(login):
    UserFactory(username="learner2")
    assert user_for_sign_in(login=login) is None


def test_taken_checks_ignore_case_cross_columns_and_skip_the_account_itself():
    user = UserFactory(username="learner2", email="l2@example.com")
    assert username_taken(username="LEARNER2")
    assert username_taken(username="L2@Example.com")  # a username that is someone's e-mail address
    assert email_taken(email="L2@EXAMPLE.COM")
    assert not username_taken(username="Learner2", exclude_pk=user.pk)
    assert not email_taken(email="l2@example.com", exclude_pk=user.pk)
    assert not username_taken(username="learner3")
