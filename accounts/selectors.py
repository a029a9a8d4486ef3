from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
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
