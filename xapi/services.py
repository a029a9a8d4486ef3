"""The write side of xAPI: recording statements in the sender's transaction, and sending the due ones to the LRS
in batches, with retries for a day.

Off unless XAPI_LRS_ENDPOINT is set: then nothing is written. Sending is at least once; the statement ids are
stable, and an LRS keeps the first statement of an id, so a repeat stores nothing twice."""

import json
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from .models import Statement, StatementStatus
from .statements import site_url

logger = logging.getLogger(__name__)

XAPI_VERSION = "1.0.3"
# Connect, read: an LRS that does not answer soon is tried again later, it never holds a worker long.
TIMEOUT = (3, 10)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
RETRY_WINDOW = timedelta(hours=24)
# While a batch is being sent, no other sender takes its rows: longer than a batch sent statement by statement.
LEASE = timedelta(minutes=5)
# Batches one run sends at most, and the time after which it starts no other: the rest waits for the next run
# (beat's, every minute), so a slow LRS never takes a run past the task's time limit (50 s).
BATCHES_PER_RUN = 10
RUN_SECONDS = 30
# Answers that say "later": the statements are sent again. None is no answer (refused, timed out).
RETRY_LATER = frozenset({408, 429})
# Answers to a batch that may be about one of its statements (the LRS rejects a whole batch for one bad or
# conflicting statement): the batch is sent again statement by statement, to keep the good ones.
ONE_MAY_SPOIL = frozenset({400, 409, 413})


class XapiError(Exception):
    """A rule of xAPI sending was broken; the message is for the admin."""

    status_code = 400


class NotRetryable(XapiError):
    status_code = 409


def is_on() -> bool:
    return bool(settings.XAPI_LRS_ENDPOINT)


def statement_id(key: str) -> uuid.UUID:
    """The statement's id: the same event always gets the same one. The site's address is part of it, so two
    sites sending to one LRS never share ids."""
    return uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, site_url()), key)


@dataclass(frozen=True)
class Draft:
    """One statement to record: `key` names the event for good ("lesson-completed:12"); `build` gets the id and
    returns the body (called only when xAPI is on)."""

    key: str
    verb: str
    user: Any
    build: Callable[[str], dict[str, Any]]


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the n-th failure, at most an hour."""
    wait: timedelta = FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 10)
    return min(wait, LONGEST_WAIT)


def record(drafts: Sequence[Draft]) -> int:
    """Writes the statements, in the caller's transaction, and queues the sender for after it commits (a
    rolled-back change sends nothing). One insert whatever the number; an id already recorded (a replayed signal)
    is skipped. Returns how many were offered. A statement that cannot be built is logged and left out: the
    learner's action never fails because of xAPI."""
    from .tasks import send_statements  # tasks imports this module

    if not is_on() or not drafts:
        return 0
    now = timezone.now()
    rows = []
    for draft in drafts:
        identifier = statement_id(draft.key)
        try:
            body = json.loads(json.dumps(draft.build(str(identifier)), cls=DjangoJSONEncoder))
        except Exception:  # a statement is not worth the learner's action
            logger.exception("xAPI statement %s could not be built", draft.key)
            continue
        rows.append(
            Statement(
                statement_id=identifier,
                key=draft.key[:120],
                verb=draft.verb,
                user=draft.user,
                body=body,
                created_at=now,
                next_attempt_at=now,
                give_up_at=now + RETRY_WINDOW,
            )
        )
    if not rows:
        return 0
    Statement.objects.bulk_create(rows, ignore_conflicts=True)
    send_statements.delay_on_commit()
    return len(rows)


def _claim(now: datetime) -> list[Statement]:
    """The oldest due statements, at most a batch, taken by this sender: their next attempt moves past the lease,
    so another sender (the sweep, a second task) leaves them alone. The conditional update is the lock: a row
    another sender took meanwhile no longer matches it."""
    ids = list(
        Statement.objects.filter(status=StatementStatus.PENDING, next_attempt_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[: settings.XAPI_BATCH_SIZE]
    )
    if not ids:
        return []
    token = uuid.uuid4()
    Statement.objects.filter(pk__in=ids, status=StatementStatus.PENDING, next_attempt_at__lte=now).update(
        claim=token, next_attempt_at=now + LEASE
    )
    return list(Statement.objects.filter(claim=token).order_by("pk"))


def _statements_url() -> str:
    endpoint = str(settings.XAPI_LRS_ENDPOINT)
    return endpoint.rstrip("/") + "/statements"


def _post(bodies: list[dict[str, Any]]) -> tuple[int | None, str]:
    """(status code, error) of one POST of a batch; never follows a redirect."""
    headers = {
        "Content-Type": "application/json",
        "X-Experience-API-Version": XAPI_VERSION,
        "User-Agent": "Learnwell-xAPI/1",
    }
    try:
        response = requests.post(
            _statements_url(),
            data=json.dumps(bodies, separators=(",", ":")).encode(),
            headers=headers,
            auth=(str(settings.XAPI_LRS_KEY), str(settings.XAPI_LRS_SECRET)),
            timeout=TIMEOUT,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        return None, f"{type(error).__name__}: {error}"[:300]
    if 200 <= response.status_code < 300:
        response.close()
        return response.status_code, ""
    text = " ".join(response.text[:250].split())
    response.close()
    return response.status_code, f"HTTP {response.status_code}: {text}"[:300]


def _settle(rows: list[Statement], *, status_code: int | None, error: str) -> bool:
    """Records the answer for the batch's rows; True when the LRS should be left alone for now (retry later)."""
    now = timezone.now()
    ids = [row.pk for row in rows]
    common = {"last_status_code": status_code, "claim": None, "attempts": F("attempts") + 1}
    if not error or status_code == 409:
        # 409 to one statement: the LRS has a statement of this id already, sent by an earlier attempt whose
        # answer was lost. It keeps the first; this one is through.
        Statement.objects.filter(pk__in=ids).update(
            status=StatementStatus.SENT, sent_at=now, next_attempt_at=None, last_error="", **common
        )
        return False
    if status_code is None or status_code in RETRY_LATER or status_code >= 500:
        with transaction.atomic():
            for row in Statement.objects.select_for_update().filter(pk__in=ids):
                row.attempts += 1
                row.last_status_code, row.last_error, row.claim = status_code, error, None
                if now >= row.give_up_at:
                    row.status, row.next_attempt_at = StatementStatus.FAILED, None
                else:
                    row.next_attempt_at = now + backoff(row.attempts)
                row.save(
                    update_fields=["attempts", "last_status_code", "last_error", "claim", "status", "next_attempt_at"]
                )
        return True
    # Refused for good (a statement the LRS finds invalid, wrong credentials): kept for an admin to look at.
    Statement.objects.filter(pk__in=ids).update(
        status=StatementStatus.FAILED, next_attempt_at=None, last_error=error, **common
    )
    return False


def _send(rows: list[Statement]) -> bool:
    """Sends a batch; True when the LRS did not answer usefully and the run should stop."""
    status_code, error = _post([row.body for row in rows])
    if error and status_code in ONE_MAY_SPOIL and len(rows) > 1:
        # The LRS refused the whole batch for one of its statements: find which, keep the others.
        for row in rows:
            if _send([row]):
                _release([other for other in rows if other.pk > row.pk])
                return True
        return False
    return _settle(rows, status_code=status_code, error=error)


def _release(rows: list[Statement]) -> None:
    """Claimed rows this run did not get to: due again now."""
    if rows:
        Statement.objects.filter(pk__in=[row.pk for row in rows]).update(claim=None, next_attempt_at=timezone.now())


def send_due(*, batches: int = BATCHES_PER_RUN) -> int:
    """Sends the due statements, a batch per POST, oldest first; stops at the first batch the LRS could not take
    (down, overloaded): the rest waits for its retry. Returns how many statements were offered to the LRS."""
    if not is_on():
        return 0
    offered = 0
    started = time.monotonic()
    for _ in range(batches):
        if time.monotonic() - started > RUN_SECONDS:
            break
        rows = _claim(timezone.now())
        if not rows:
            break
        offered += len(rows)
        if _send(rows):
            break
    return offered


def retry_now(*, statement: Statement) -> Statement:
    """An admin sends a failed statement again (after fixing the LRS settings): a new day of retries."""
    from .tasks import send_statements

    now = timezone.now()
    with transaction.atomic():
        changed = Statement.objects.filter(pk=statement.pk, status=StatementStatus.FAILED).update(
            status=StatementStatus.PENDING, next_attempt_at=now, give_up_at=now + RETRY_WINDOW
        )
        if not changed:
            raise NotRetryable(gettext("Only a failed statement can be sent again."))
        send_statements.delay_on_commit()
    statement.refresh_from_db()
    return statement
