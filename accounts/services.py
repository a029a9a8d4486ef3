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
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables
from wagtail.models import Page

from lms_site import i18n
from lms_site.translated_pages import in_language

from . import selectors
from .models import OPTIONAL_NOTIFICATIONS, ExternalIdentity, Notification, Role, SentNotification, User
from .tasks import send_account_email

# The group each role maps to; their permissions are set up in migrations/0002_role_groups.py.
ROLE_GROUPS = {
    Role.LEARNER: "Learners",
    Role.TRAINER: "Trainers",
    Role.ADMIN: "Administrators",
}


# Said to a banned person who proves who they are, by password or through single sign-on alike.
BANNED_MESSAGE = gettext_lazy("This account has been suspended. Please contact support if you think this is a mistake.")
# The order in which roles outrank each other when a provider's claim names several.
ROLE_RANK = [Role.LEARNER, Role.TRAINER, Role.ADMIN]


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
    *,
    username: str,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    time_zone: str = "UTC",
    language: str = "",
) -> User:
    email = email.strip().lower()
    if selectors.email_taken(email=email):
        raise AccountError(_("An account with this e-mail address already exists."))
    if selectors.username_taken(username=username):
        raise AccountError(_("A user with that username already exists. Usernames ignore upper and lower case."))
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        time_zone=time_zone,
        # The language they signed up in, until they choose another in their profile.
        preferred_language=i18n.supported(language),
        role=Role.LEARNER,
    )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Two sign-ups raced for the same e-mail or username (in any case); the unique constraints decided.
        raise AccountError(_("That e-mail address or username was just taken. Please choose another.")) from None
    return user


@transaction.atomic
def change_role(*, user: User, role: Role) -> User:
    user.role = role
    user.save(update_fields=["role", "is_superuser", "is_staff"])
    return user


@transaction.atomic
def ban_user(*, user: User, banned_by: User) -> User:
    if user.pk == banned_by.pk:
        raise AccountError(_("You cannot ban your own account."))
    user.is_banned = True
    user.save(update_fields=["is_banned"])
    return user


@transaction.atomic
def unban_user(*, user: User) -> User:
    user.is_banned = False
    user.save(update_fields=["is_banned"])
    return user


@transaction.atomic
def update_profile(
    *, user: User, first_name: str, last_name: str, time_zone: str, preferred_language: str | None = None
) -> User:
    if time_zone not in zoneinfo.available_timezones():
        raise AccountError(_("Choose a time zone from the list."))
    if preferred_language is not None and i18n.supported(preferred_language) != preferred_language:
        raise AccountError(_("Choose a language from the list."))
    user.first_name, user.last_name, user.time_zone = first_name.strip(), last_name.strip(), time_zone
    user.preferred_language = preferred_language or user.preferred_language
    user.save(update_fields=["first_name", "last_name", "time_zone", "preferred_language"])
    return user


def render_email(*, template: str, context: dict[str, Any], user: User) -> tuple[str, str]:
    """Subject and plain-text body of `{template}_subject.txt` and `{template}.txt`, in the recipient's language
    and with times in their zone. Plain text is rendered without HTML escaping: a title "Q&A" or a name "O'Brien" must
    not reach anyone as "Q&amp;A" or "O&#x27;Brien"."""
    context = {"site_url": settings.WAGTAILADMIN_BASE_URL, **context, "user": user}
    with timezone.override(user.tzinfo), i18n.speaking_to(user):
        # A course or lesson named in the e-mail by its title in that language, where it is translated.
        context = {name: in_language(value) if isinstance(value, Page) else value for name, value in context.items()}
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


def _role_from_claims(claims: dict[str, Any]) -> Role | None:
    """The role the provider's role claim maps to (the highest if it names several), learner when it maps to
    none, or None when no claim is configured or the token carries none (the account's role then stays)."""
    claim = settings.OIDC_ROLE_CLAIM
    if not claim or claim not in claims:
        return None
    values = claims[claim]
    named = {values} if isinstance(values, str) else {str(value) for value in values or []}
    mapped = [Role(role) for role, values in settings.OIDC_ROLE_VALUES.items() if values & named]
    return max(mapped, key=ROLE_RANK.index, default=Role.LEARNER)


def _username_from_claims(claims: dict[str, Any], email: str) -> str:
    """The provider's preferred username, else the address's local part; a number appended while taken."""
    wanted = str(claims.get("preferred_username") or email.split("@")[0])
    base = "".join(ch for ch in wanted if ch.isalnum() or ch in "@.+-_")[:140] or "learner"
    candidate = base
    while selectors.username_taken(username=candidate) or selectors.email_taken(email=candidate):
        candidate = f"{base}-{get_random_string(4, '0123456789')}"
    return candidate


def _account_for_new_identity(*, claims: dict[str, Any], provider: str) -> User:
    email = str(claims.get("email") or "").strip().lower()
    if not email:
        raise AccountError(
            _("Your %(provider)s account has no e-mail address, which Learnwell needs to find your account.")
            % {"provider": provider}
        )
    # An address the provider never confirmed could be anyone's: matching on it would hand over their account.
    if settings.OIDC_REQUIRE_VERIFIED_EMAIL and claims.get("email_verified") is not True:
        raise AccountError(
            _("Your %(provider)s account's e-mail address is not confirmed. Confirm it there, then try again.")
            % {"provider": provider}
        )
    existing = selectors.user_with_email(email=email)
    if existing is not None:
        return existing
    if not settings.OIDC_CREATE_USERS:
        raise AccountError(
            _("No Learnwell account uses %(email)s. Ask an administrator to create one, then sign in again.")
            % {"email": email}
        )
    user = User(
        username=_username_from_claims(claims, email),
        email=email,
        first_name=str(claims.get("given_name") or "")[:150],
        last_name=str(claims.get("family_name") or "")[:150],
        role=Role.LEARNER,
    )
    user.set_unusable_password()  # they sign in through the provider; a reset e-mail can still set one
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Their first sign-in in another tab made the account a moment ago (or took the username).
        existing = selectors.user_with_email(email=email)
        if existing is None:
            raise AccountError(_("Your account could not be created just now. Please try again.")) from None
        return existing
    return user


def user_from_provider(*, issuer: str, claims: dict[str, Any], provider: str) -> User:
    """The account a verified single sign-on names: by the provider's subject once linked, else by verified e-mail
    address (creating an account when settings allow), with its role taken from the role claim if configured.

    Raises AccountError, with a message for the person, when the account is banned or inactive or cannot be
    found or made. `claims` are the ID token's and the user info's, already verified by accounts.sso.
    """
    subject = str(claims.get("sub") or "")
    if not subject:
        raise AccountError(_("%(provider)s did not say who you are. Please try again.") % {"provider": provider})
    with transaction.atomic():
        identity = ExternalIdentity.objects.select_for_update().filter(issuer=issuer, subject=subject).first()
        user = identity.user if identity is not None else _account_for_new_identity(claims=claims, provider=provider)
        if user.is_banned:
            raise AccountError(str(BANNED_MESSAGE))
        if not user.is_active:
            raise AccountError(_("This account is inactive."))
        if identity is None:
            try:
                with transaction.atomic():
                    ExternalIdentity.objects.create(user=user, issuer=issuer, subject=subject)
            except IntegrityError:
                # The same person's sign-in in another tab linked it a moment ago; that link is the same one.
                pass
        else:
            identity.last_used_at = timezone.now()
            identity.save(update_fields=["last_used_at"])
        role = _role_from_claims(claims)
        if role is not None and role != user.role:
            change_role(user=user, role=role)
    return user
