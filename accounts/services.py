import zoneinfo

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.views.decorators.debug import sensitive_variables

from . import selectors
from .models import Role, User

# The group each role maps to; their permissions are set up in migrations/0002_role_groups.py.
ROLE_GROUPS = {
    Role.LEARNER: "Learners",
    Role.TRAINER: "Trainers",
    Role.ADMIN: "Administrators",
}


class AccountError(Exception):
    """A rule about accounts was broken; the message is meant for the person who broke it."""


def sync_role_groups(*, user: User) -> None:
    """Put the user in their role's group and take them out of the other role groups."""
    wanted = ROLE_GROUPS[Role(user.role)]
    other_role_groups = user.groups.filter(name__in=ROLE_GROUPS.values()).exclude(name=wanted)
    user.groups.remove(*other_role_groups)
    group, _ = Group.objects.get_or_create(name=wanted)
    user.groups.add(group)


@sensitive_variables("password")
def register_learner(
    *, username: str, email: str, password: str, first_name: str = "", last_name: str = "", time_zone: str = "UTC"
) -> User:
    email = email.strip().lower()
    if selectors.email_taken(email=email):
        raise AccountError("An account with this e-mail address already exists.")
    if selectors.username_taken(username=username):
        raise AccountError("A user with that username already exists. Usernames ignore upper and lower case.")
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        time_zone=time_zone,
        role=Role.LEARNER,
    )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Two sign-ups raced for the same e-mail or username (in any case); the unique constraints decided.
        raise AccountError("That e-mail address or username was just taken. Please choose another.") from None
    return user


@transaction.atomic
def change_role(*, user: User, role: Role) -> User:
    user.role = role
    user.save(update_fields=["role", "is_superuser", "is_staff"])
    return user


@transaction.atomic
def ban_user(*, user: User, banned_by: User) -> User:
    if user.pk == banned_by.pk:
        raise AccountError("You cannot ban your own account.")
    user.is_banned = True
    user.save(update_fields=["is_banned"])
    return user


@transaction.atomic
def unban_user(*, user: User) -> User:
    user.is_banned = False
    user.save(update_fields=["is_banned"])
    return user


@transaction.atomic
def update_profile(*, user: User, first_name: str, last_name: str, time_zone: str) -> User:
    if time_zone not in zoneinfo.available_timezones():
        raise AccountError("Choose a time zone from the list.")
    user.first_name, user.last_name, user.time_zone = first_name.strip(), last_name.strip(), time_zone
    user.save(update_fields=["first_name", "last_name", "time_zone"])
    return user
