import importlib

import pytest
from django.core.management.base import CommandError
from django.db import connection, models
from django.test.utils import isolate_apps

migration = importlib.import_module("accounts.migrations.0004_case_insensitive_unique_username_email")


class OneModelApps:
    """What RunPython hands the function, reduced to the one model it asks for."""

    def __init__(self, model):
        self.model = model

    def get_model(self, app_label, model_name):
        assert (app_label, model_name) == ("accounts", "User")
        return self.model


@pytest.fixture
def users_table_before_the_constraint(transactional_db, django_db_serialized_rollback):
    """A table shaped like accounts_user before 0004: username and e-mail without case-insensitive uniqueness.

    The real table already has the constraint, and MariaDB's case-insensitive collation would refuse these
    rows in a plain unique column too; a scratch table lets the collision check meet real colliding rows
    on every backend. Creating a table needs a real transaction (SQLite refuses schema changes inside the
    test's atomic block); serialized rollback puts back the migrated rows (site, home page, content types)
    that the flush after a transactional test removes, so the tests after this one find them.
    """
    with isolate_apps("accounts"):

        class LegacyUser(models.Model):
            username = models.CharField(max_length=150)
            email = models.CharField(max_length=254)

            class Meta:
                app_label = "accounts"
                db_table = "accounts_test_legacy_user"

            def __str__(self):
                return self.username

    with connection.schema_editor() as editor:
        editor.create_model(LegacyUser)
    yield LegacyUser
    with connection.schema_editor() as editor:
        editor.delete_model(LegacyUser)


def test_migration_stops_with_the_list_of_colliding_usernames_and_emails(users_table_before_the_constraint):
    LegacyUser = users_table_before_the_constraint
    LegacyUser.objects.bulk_create(
        [
            LegacyUser(username="learner2", email="a@example.com"),
            LegacyUser(username="Learner2", email="b@example.com"),
            LegacyUser(username="carol", email="Dup@Example.com"),
            LegacyUser(username="dave", email="dup@example.com"),
            LegacyUser(username="erin", email="erin@example.com"),
        ]
    )
    with pytest.raises(CommandError) as raised:
        migration.refuse_case_collisions(OneModelApps(LegacyUser), None)
    message = str(raised.value)
    assert "usernames: 'Learner2', 'learner2'" in message
    assert "e-mail addresses: 'Dup@Example.com', 'dup@example.com'" in message
    assert "erin" not in message and "carol" not in message
    assert "Rename or merge" in message and "migrate" in message


def test_migration_passes_when_nothing_collides(users_table_before_the_constraint):
    LegacyUser = users_table_before_the_constraint
    LegacyUser.objects.bulk_create(
        [LegacyUser(username="learner1", email="a@example.com"), LegacyUser(username="learner2", email="b@example.com")]
    )
    migration.refuse_case_collisions(OneModelApps(LegacyUser), None)  # no error


def test_the_check_runs_before_the_constraints_are_added():
    operations = migration.Migration.operations
    assert operations[0].code is migration.refuse_case_collisions
    assert {type(operation).__name__ for operation in operations[1:]} == {"AddField", "AddConstraint"}
