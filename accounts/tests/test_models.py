import pytest

from accounts.models import Role, User
from accounts.services import change_role
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def group_names(user):
    return sorted(user.groups.values_list("name", flat=True))


@pytest.mark.parametrize(
    ("role", "superuser", "staff", "group"),
    [
        (Role.LEARNER, False, False, "Learners"),
        (Role.TRAINER, False, True, "Trainers"),
        (Role.ADMIN, True, True, "Administrators"),
    ],
)
def test_role_sets_admin_flags_and_group(role, superuser, staff, group):
    user = UserFactory(role=role)
    assert (user.is_superuser, user.is_staff) == (superuser, staff)
    assert group_names(user) == [group]


def test_role_cannot_disagree_with_superuser_flag():
    user = UserFactory(role=Role.LEARNER)
    user.is_superuser = True
    user.save()
    user.refresh_from_db()
    assert not user.is_superuser


def test_changing_role_moves_the_user_between_groups():
    user = UserFactory(role=Role.LEARNER)
    change_role(user=user, role=Role.TRAINER)
    user.refresh_from_db()
    assert user.is_trainer
    assert group_names(user) == ["Trainers"]
    change_role(user=user, role=Role.LEARNER)
    assert group_names(user) == ["Learners"]


def test_createsuperuser_makes_an_admin():
    user = User.objects.create_superuser("root", "root@example.com", "pw")
    assert user.role == Role.ADMIN and user.is_superuser


def test_trainers_group_reaches_the_admin_but_learners_do_not():
    assert UserFactory(role=Role.TRAINER).has_perm("wagtailadmin.access_admin")
    assert not UserFactory(role=Role.LEARNER).has_perm("wagtailadmin.access_admin")


# Usernames and e-mails are unique whatever their case, and the database itself says so (not only forms).
@pytest.mark.parametrize(
    ("existing", "variant"),
    [
        ({"username": "learner2"}, {"username": "Learner2"}),
        ({"username": "Learner2"}, {"username": "LEARNER2"}),
        ({"email": "sam@example.com"}, {"email": "Sam@Example.COM"}),
    ],
)
def test_database_refuses_a_case_variant_of_a_username_or_email(existing, variant):
    from django.db import IntegrityError, transaction

    UserFactory(**existing)
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(**variant)
    with pytest.raises(IntegrityError), transaction.atomic():
        # Even a write that skips the model (bulk update) meets the constraint.
        other = UserFactory()
        User.objects.filter(pk=other.pk).update(**variant)


def test_lower_cased_columns_follow_updates():
    user = UserFactory(username="MixedCase", email="Mixed@Example.com")
    user.refresh_from_db()
    assert (user.username_lower, user.email_lower) == ("mixedcase", "mixed@example.com")
    User.objects.filter(pk=user.pk).update(username="Renamed")
    user.refresh_from_db()
    assert user.username_lower == "renamed"


def test_full_clean_reports_a_case_variant_as_a_validation_error():
    from django.core.exceptions import ValidationError

    UserFactory(username="learner2", email="learner2@example.com")
    newcomer = User(username="Learner2", email="newcomer@example.com", password="x")  # noqa: S106
    # SQLite: the lower-cased column's constraint speaks; MariaDB's collation already equates the usernames.
    with pytest.raises(ValidationError, match="already exists"):
        newcomer.full_clean()
