"""xAPI 1.0.3 statements for Learnwell's learning events: who (an account on this site, never an e-mail), did what
(an ADL verb), to which activity (the page's address), with what result, when.

Pure builders: they read the objects the signals pass and return JSON-ready dicts; services stores and sends them."""

from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.urls import reverse

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"
# cmi5's progress extension: the percentage (0-100, an integer) of the course done.
PROGRESS_EXTENSION = "https://w3id.org/xapi/cmi5/result/extensions/progress"

# Verb ids of the ADL vocabulary, with the display the LRS shows (xAPI data, not interface text: not translated).
VERBS = {
    name: {"id": f"{ADL_VERBS}{name}", "display": {"en-US": name}}
    for name in ("registered", "launched", "completed", "progressed", "scored", "passed", "failed", "attended")
}
COURSE, LESSON, ASSESSMENT, MEETING = "course", "lesson", "assessment", "meeting"


def site_url() -> str:
    """The site's public address (SITE_URL), the home of learners' accounts and the base of activity ids."""
    return str(settings.WAGTAILADMIN_BASE_URL).rstrip("/") + "/"


def _language() -> str:
    return str(settings.LANGUAGE_CODE)


def actor(user: Any) -> dict[str, Any]:
    """The learner as an account on this site: the LRS learns their name and id here, not their e-mail."""
    return {
        "objectType": "Agent",
        "name": user.display_name,
        "account": {"homePage": site_url(), "name": str(user.pk)},
    }


def page_iri(page: Any) -> str:
    url = page.full_url
    return url or urljoin(site_url(), page.url_path.lstrip("/"))


def page_activity(page: Any, kind: str) -> dict[str, Any]:
    return activity(page_iri(page), kind, page.title)


def activity(iri: str, kind: str, title: str) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": iri,
        "definition": {"type": f"{ADL_ACTIVITIES}{kind}", "name": {_language(): title}},
    }


def session_activity(session: Any) -> dict[str, Any]:
    """A live session has no page: its id is the learner's session page in scheduling."""
    iri = urljoin(site_url(), reverse("scheduling:session", args=[session.pk]).lstrip("/"))
    return activity(iri, MEETING, session.title)


def statement(
    *,
    statement_id: str,
    user: Any,
    verb: str,
    target: dict[str, Any],
    timestamp: datetime,
    parent: dict[str, Any] | None = None,
    registration: str | None = None,
    result: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": statement_id,
        "actor": actor(user),
        "verb": VERBS[verb],
        "object": target,
        "timestamp": timestamp.isoformat(),
    }
    context: dict[str, Any] = {"platform": str(settings.WAGTAIL_SITE_NAME), "language": _language()}
    if registration:
        context["registration"] = registration
    if parent is not None:
        context["contextActivities"] = {"parent": [parent]}
    body["context"] = context
    if result is not None:
        body["result"] = result
    return body


def _number(value: Decimal | int) -> float | int:
    number = Decimal(value)
    return int(number) if number == number.to_integral_value() else float(number)


def score(*, raw: Decimal, maximum: Decimal) -> dict[str, Any]:
    """xAPI's score: scaled in [0, 1] (raw over max; 0 when nothing could be scored), raw between min and max."""
    maximum = max(Decimal(maximum), Decimal(0))
    raw = min(max(Decimal(raw), Decimal(0)), maximum)
    scaled = (raw / maximum).quantize(Decimal("0.0001")) if maximum else Decimal(0)
    return {"scaled": float(scaled), "raw": _number(raw), "min": 0, "max": _number(maximum)}
