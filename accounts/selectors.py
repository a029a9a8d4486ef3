import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import transaction
from django.db.models import CharField, Q, Value
from django.db.models.functions import Lower

# The longest thing anyone signs in with: an e-mail address (usernames stop at 150).
MAX_LOGIN_LENGTH = 254

if TYPE_CHECKING:
    from .models import User


def _folded(value: str) -> Lower:
    # Lower-cased by the database, exactly as the username_lower/email_lower columns were, so the
    # comparison agrees with the unique constraints on every backend (and uses their indexes).
    return Lower(Value(value, output_field=CharField()))


def user_for_sign_in(*, login: str) -> "User | None":
    """The one account that login (a username or an e-mail address) names, or None.

    An exact username wins, then an exact e-mail address; a match that ignores case counts only when it is
    the only candidate. Looking up `username__iexact ... .first()` let a newcomer `Learner2` capture the
    sign-ins of `learner2`.
    """
    if not login or len(login) > MAX_LOGIN_LENGTH:
        return None
    folded = _folded(login)
    candidates = list(
        get_user_model()._default_manager.filter(Q(username_lower=folded) | Q(email_lower=folded)).order_by("pk")
    )
    for candidate in candidates:
        if candidate.username == login:
            return candidate
    for candidate in candidates:
        if candidate.email == login:
            return candidate
    return candidates[0] if len(candidates) == 1 else None


def username_taken(*, username: str, exclude_pk: int | None = None) -> bool:
    """Whether another account has this username in any case, or has it as its e-mail address."""
    folded = _folded(username)
    users = get_user_model()._default_manager.filter(Q(username_lower=folded) | Q(email_lower=folded))
    if exclude_pk is not None:
        users = users.exclude(pk=exclude_pk)
    return users.exists()


def email_taken(*, email: str, exclude_pk: int | None = None) -> bool:
    """Whether another account has this e-mail address in any case, or has it as its username."""
    folded = _folded(email)
    users = get_user_model()._default_manager.filter(Q(email_lower=folded) | Q(username_lower=folded))
    if exclude_pk is not None:
        users = users.exclude(pk=exclude_pk)
    return users.exists()


ADMIN_PERMISSION = "wagtailadmin.access_admin"
# Groups and permissions change through signals (accounts/receivers.py); the timeout only bounds a change made
# without one (a raw SQL fix) and a request that read the old rows while the change was being committed.
ADMIN_ACCESS_SECONDS = 60 * 60
_ADMIN_ACCESS_GENERATION = "accounts:admin-access:generation"


def _admin_access_key(user_pk: object) -> str:
    return f"accounts:admin-access:{user_pk}"


def may_access_admin(*, user: "User | AnonymousUser") -> bool:
    """`user.has_perm("wagtailadmin.access_admin")`, which the site header asks on every page to show "Admin".

    Django answers it with two queries (the user's own permissions, their groups'); the answer is kept per user
    until their groups or permissions, or any group's permissions, change. A superuser's or an inactive user's
    answer comes from the user row alone and is not kept.
    """
    if not user.is_authenticated:
        return False
    if user.is_superuser or not user.is_active:
        return user.has_perm(ADMIN_PERMISSION)
    key = _admin_access_key(user.pk)
    found = cache.get_many([_ADMIN_ACCESS_GENERATION, key])
    generation = found.get(_ADMIN_ACCESS_GENERATION) or _new_admin_access_generation(only_if_missing=True)
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return bool(entry[1])
    allowed = user.has_perm(ADMIN_PERMISSION)
    cache.set(key, (generation, allowed), ADMIN_ACCESS_SECONDS)
    return allowed


def _new_admin_access_generation(*, only_if_missing: bool = False) -> str:
    token = uuid.uuid4().hex
    if not only_if_missing:
        cache.set(_ADMIN_ACCESS_GENERATION, token, timeout=None)
        return token
    # add(): two requests starting a generation at once agree on one of them.
    if cache.add(_ADMIN_ACCESS_GENERATION, token, timeout=None):
        return token
    return str(cache.get(_ADMIN_ACCESS_GENERATION) or token)


def forget_admin_access(*, user_pks: Iterable[object]) -> None:
    """Makes these users' kept answers stale: their groups or their own permissions changed.

    Now, and again on commit: a request that read the old rows while the change was being written would
    otherwise keep their answer.
    """
    keys = [_admin_access_key(pk) for pk in user_pks]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def forget_all_admin_access() -> None:
    """Makes every kept answer stale: a group's permissions changed, a group or a permission went away."""
    _new_admin_access_generation()
    transaction.on_commit(_new_admin_access_generation)


def user_with_email(*, email: str) -> "User | None":
    """The account using this address in any case (the address is unique whatever its case)."""
    users: list[User] = list(get_user_model()._default_manager.filter(email_lower=_folded(email))[:1])
    return users[0] if users else None
