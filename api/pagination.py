"""Cursor pagination: rows in primary-key order, the cursor an opaque token naming the last id seen, so a
page never repeats or skips rows when others are added or removed in between (unlike page numbers)."""

import base64
from typing import Any

from django.db.models import QuerySet

from .services import ApiError

DEFAULT_LIMIT = 25
MAX_LIMIT = 100


class BadCursor(ApiError):
    status_code = 422


def _decode(cursor: str) -> int:
    try:
        value = int(base64.urlsafe_b64decode(cursor.encode("ascii") + b"==").decode("ascii"))
    except (ValueError, UnicodeError):
        raise BadCursor("The cursor is not valid.") from None
    if not 0 <= value < 2**63:
        raise BadCursor("The cursor is not valid.")
    return value


def _encode(pk: int) -> str:
    return base64.urlsafe_b64encode(str(pk).encode("ascii")).decode("ascii").rstrip("=")


def paginate(queryset: QuerySet[Any], *, cursor: str | None, limit: int) -> tuple[list[Any], str | None]:
    """One page of queryset after the cursor, and the cursor of the next page (None on the last)."""
    limit = max(1, min(limit, MAX_LIMIT))
    queryset = queryset.order_by("pk")
    if cursor:
        queryset = queryset.filter(pk__gt=_decode(cursor))
    rows = list(queryset[: limit + 1])
    if len(rows) > limit:
        return rows[:limit], _encode(rows[limit - 1].pk)
    return rows, None
