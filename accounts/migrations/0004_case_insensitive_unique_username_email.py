# Usernames and e-mail addresses become unique whatever their case (see User in accounts/models.py for why a
# stored generated column rather than a functional index). Existing case-variant duplicates would make the
# unique constraints fail with an obscure database error halfway through, so the first step looks for them
# and stops with the list of accounts to rename or merge.

import django.db.models.functions.text
from django.core.management.base import CommandError
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower


def case_collisions(User, field_name):
    """Groups of values of field_name that the database considers equal once lower-cased, sorted."""
    # Grouping in the database, not in Python, finds exactly what the new unique index will refuse
    # (SQLite lower-cases ASCII only; MariaDB's collation also equates accents).
    keys = (
        User._default_manager.annotate(key=Lower(field_name))
        .values("key")
        .annotate(count=Count("pk"))
        .filter(count__gt=1)
        .values_list("key", flat=True)
    )
    groups = []
    for key in keys:
        values = (
            User._default_manager.annotate(key=Lower(field_name))
            .filter(key=key)
            .order_by(field_name)
            .values_list(field_name, flat=True)
        )
        groups.append(sorted(values))
    return sorted(groups)


def refuse_case_collisions(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    problems = []
    for field_name, label in (("username", "usernames"), ("email", "e-mail addresses")):
        for group in case_collisions(User, field_name):
            problems.append(f"  {label}: " + ", ".join(repr(value) for value in group))
    if problems:
        raise CommandError(
            "Usernames and e-mail addresses must become unique regardless of case, but these accounts differ "
            "only in case:\n"
            + "\n".join(problems)
            + "\nRename or merge each group so that only one account keeps the value (for example in the admin "
            "under Users, or with `manage.py shell`), then run `manage.py migrate` again. Nothing was changed."
        )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_user_time_zone'),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        migrations.RunPython(refuse_case_collisions, migrations.RunPython.noop, elidable=False),
        migrations.AddField(
            model_name='user',
            name='email_lower',
            field=models.GeneratedField(db_persist=True, expression=django.db.models.functions.text.Lower('email'), output_field=models.CharField(max_length=254)),
        ),
        migrations.AddField(
            model_name='user',
            name='username_lower',
            field=models.GeneratedField(db_persist=True, expression=django.db.models.functions.text.Lower('username'), output_field=models.CharField(max_length=150)),
        ),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.UniqueConstraint(fields=('username_lower',), name='accounts_user_username_ci_unique', violation_error_message='A user with that username already exists (usernames ignore case).'),
        ),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.UniqueConstraint(fields=('email_lower',), name='accounts_user_email_ci_unique', violation_error_message='An account with this e-mail address already exists.'),
        ),
    ]
