import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import selectors
from .models import OPTIONAL_NOTIFICATIONS, Notification, Role, SentNotification, User
from .tasks import send_account_email

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


def render_email(*, template: str, context: dict[str, Any], user: User) -> tuple[str, str]:
    """Subject and plain-text body of `{template}_subject.txt` and `{template}.txt`, with times in the
    recipient's zone. Plain text is rendered without HTML escaping: a title "Q&A" or a name "O'Brien" must
    not reach anyone as "Q&amp;A" or "O&#x27;Brien"."""
    context = {"site_url": settings.WAGTAILADMIN_BASE_URL, **context, "user": user}
    with timezone.override(user.tzinfo):
        subject = "".join(_render_text(f"{template}_subject.txt", context).splitlines())
        body = _render_text(f"{template}.txt", context)
    return subject.strip(), body


def _render_text(name: str, context: dict[str, Any]) -> str:
    # The DjangoTemplates backend's template wraps the engine's; the stubs know only the backend-neutral one.
    rendered: str = get_template(name).template.render(Context(context, autoescape=False))  # type: ignore[attr-defined]
    return rendered


def claim_notification(*, user: User, kind: Notification, key: str) -> bool:
    """True once per (user, kind, key), and only when the user wants this kind of e-mail.

    The claim is written in the caller's transaction: if that rolls back, so does the claim, and an e-mail
    queued with delay_on_commit is never sent either."""
    if not user.email or not user.wants(kind):
        return False
    try:
        with transaction.atomic():
            SentNotification.objects.create(user=user, kind=kind, key=key[:150])
    except IntegrityError:
        return False
    return True


# Set by seed_demo: the demo's own enrolments, grades and bookings are recorded as notified, not mailed.
_quiet: ContextVar[bool] = ContextVar("quiet_notifications", default=False)


@contextmanager
def quiet_notifications() -> Iterator[None]:
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def notify(*, user: User, kind: Notification, key: str, template: str, context: dict[str, Any]) -> bool:
    """Queues one notification e-mail for an event, through the account e-mail task, after the current
    transaction commits. Returns False when it was sent before or the user turned this kind off."""
    if not claim_notification(user=user, kind=kind, key=key):
        return False
    if _quiet.get():
        return True
    subject, body = render_email(template=template, context=context, user=user)
    send_account_email.delay_on_commit(subject=subject, body=body, to=[user.email])
    return True


def update_notification_preferences(*, user: User, wanted: list[str]) -> User:
    """Turns the optional notifications on (listed in `wanted`) or off; receipts are always sent."""
    user.muted_notifications = sorted(kind for kind in OPTIONAL_NOTIFICATIONS if kind not in wanted)
    user.save(update_fields=["muted_notifications"])
    return user
