"""A Learning Record Store stand-in for the tests: a real HTTP server on 127.0.0.1 that takes POSTed statements,
checks each against the xAPI 1.0.3 statement rules and the request against the headers and credentials it expects,
and keeps the valid ones by id (a batch with one bad statement is refused whole, as the specification says).

Told to, it answers the next requests with given status codes (500, 429 ...) before taking anything."""

import base64
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

from lms_site.tests.local_server import LocalServer

KEY, SECRET = "lrs-key", "lrs-secret"
STATEMENT_KEYS = {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority", "version"}
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
# RFC 3987's absolute IRI, as far as a test needs it: a scheme, a colon, and something after.
ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")


def _iri(value: Any) -> bool:
    return isinstance(value, str) and bool(ABSOLUTE_IRI.match(value))


def _language_map(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and bool(value)
        and all(LANGUAGE_TAG.match(k) and isinstance(v, str) for k, v in value.items())
    )


def _uuid(value: Any) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _timestamp(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return False
    return moment.tzinfo is not None  # an offset, so the moment is not left to the LRS's guess


def _agent_errors(agent: Any, where: str) -> list[str]:
    if not isinstance(agent, dict):
        return [f"{where} is not an object"]
    errors = []
    if agent.get("objectType", "Agent") != "Agent":
        errors.append(f"{where}.objectType must be Agent")
    found = [key for key in IFIS if key in agent]
    if len(found) != 1:
        errors.append(f"{where} needs exactly one inverse functional identifier, has {found}")
    if "account" in agent:
        account = agent["account"]
        if not isinstance(account, dict) or not _iri(account.get("homePage")):
            errors.append(f"{where}.account.homePage must be an absolute IRL")
        elif not isinstance(account.get("name"), str) or not account["name"]:
            errors.append(f"{where}.account.name must be a string")
    if "name" in agent and not isinstance(agent["name"], str):
        errors.append(f"{where}.name must be a string")
    return errors


def _activity_errors(activity: Any, where: str) -> list[str]:
    if not isinstance(activity, dict):
        return [f"{where} is not an object"]
    errors = []
    if activity.get("objectType", "Activity") != "Activity":
        errors.append(f"{where}.objectType must be Activity")
    if not _iri(activity.get("id")):
        errors.append(f"{where}.id must be an absolute IRI")
    definition = activity.get("definition")
    if definition is not None:
        if "name" in definition and not _language_map(definition["name"]):
            errors.append(f"{where}.definition.name must be a language map")
        if "type" in definition and not _iri(definition["type"]):
            errors.append(f"{where}.definition.type must be an absolute IRI")
    return errors


def _result_errors(result: Any) -> list[str]:
    if not isinstance(result, dict):
        return ["result is not an object"]
    errors = []
    for flag in ("success", "completion"):
        if flag in result and not isinstance(result[flag], bool):
            errors.append(f"result.{flag} must be a boolean")
    score = result.get("score")
    if score is not None:
        numbers = {k: v for k, v in score.items() if k in ("scaled", "raw", "min", "max")}
        if set(score) - set(numbers) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in numbers.values()
        ):
            errors.append("result.score holds only the numbers scaled, raw, min and max")
        else:
            if "scaled" in numbers and not -1 <= numbers["scaled"] <= 1:
                errors.append("result.score.scaled must be between -1 and 1")
            if "min" in numbers and "max" in numbers and not numbers["min"] < numbers["max"]:
                errors.append("result.score.min must be below max")
            if "raw" in numbers and not numbers.get("min", numbers["raw"]) <= numbers["raw"] <= numbers.get(
                "max", numbers["raw"]
            ):
                errors.append("result.score.raw must be between min and max")
    extensions = result.get("extensions", {})
    if not isinstance(extensions, dict) or not all(_iri(key) for key in extensions):
        errors.append("result.extensions keys must be absolute IRIs")
    return errors


def _context_errors(context: Any, target: Any) -> list[str]:
    if not isinstance(context, dict):
        return ["context is not an object"]
    errors = []
    if "registration" in context and not _uuid(context["registration"]):
        errors.append("context.registration must be a UUID")
    for name in ("platform", "revision"):
        if name in context and (
            not isinstance(context[name], str) or target.get("objectType", "Activity") != "Activity"
        ):
            errors.append(f"context.{name} must be a string, about an activity")
    for kind, activities in context.get("contextActivities", {}).items():
        if kind not in ("parent", "grouping", "category", "other"):
            errors.append(f"context.contextActivities.{kind} is not a kind of context activity")
            continue
        for n, activity in enumerate(activities if isinstance(activities, list) else [activities]):
            errors += _activity_errors(activity, f"context.contextActivities.{kind}[{n}]")
    return errors


def statement_errors(statement: Any) -> list[str]:
    """What makes a statement invalid under xAPI 1.0.3 (the part of the rules these statements use); [] if none."""
    if not isinstance(statement, dict):
        return ["a statement is a JSON object"]
    errors = [f"unknown property {key}" for key in statement if key not in STATEMENT_KEYS]
    if "id" in statement and not _uuid(statement["id"]):
        errors.append("id must be a UUID")
    errors += _agent_errors(statement.get("actor"), "actor")
    verb = statement.get("verb")
    if not isinstance(verb, dict) or not _iri(verb.get("id")):
        errors.append("verb.id must be an absolute IRI")
    elif not _language_map(verb.get("display")):
        errors.append("verb.display must be a language map")
    target = statement.get("object")
    errors += _activity_errors(target, "object")
    if "result" in statement:
        errors += _result_errors(statement["result"])
    if "context" in statement:
        errors += _context_errors(statement["context"], target if isinstance(target, dict) else {})
    if "timestamp" in statement and not _timestamp(statement["timestamp"]):
        errors.append("timestamp must be ISO 8601 with a time zone")
    if "stored" in statement or "authority" in statement:
        errors.append("stored and authority are the LRS's to set")
    return errors


@dataclass
class Post:
    headers: dict[str, str]
    statements: list[Any]
    answered: int


@dataclass
class StandInLRS:
    url: str = ""
    # Status codes to answer the next POSTs with, before taking anything (consumed in order).
    answers: list[int] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    stored: dict[str, dict] = field(default_factory=dict)

    @property
    def verbs(self) -> list[str]:
        return [s["verb"]["id"].rsplit("/", 1)[-1] for s in self.stored.values()]

    def take(self, headers: dict[str, str], body: bytes) -> tuple[int, dict | list]:
        if self.answers:
            return self.answers.pop(0), {"error": "told to"}
        expected = "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
        if headers.get("Authorization") != expected:
            return 401, {"error": "credentials"}
        if not headers.get("X-Experience-API-Version", "").startswith("1.0."):
            return 400, {"error": "X-Experience-API-Version header missing"}
        try:
            payload = json.loads(body)
        except ValueError:
            return 400, {"error": "not JSON"}
        statements = payload if isinstance(payload, list) else [payload]
        problems = {n: statement_errors(s) for n, s in enumerate(statements)}
        problems = {n: errors for n, errors in problems.items() if errors}
        if problems:
            return 400, {"error": "invalid statements", "problems": problems}
        ids = [s.get("id") for s in statements]
        if len(set(ids)) != len(ids):
            return 400, {"error": "one id twice in a batch"}
        if any(self.stored.get(sid, s) != s for sid, s in zip(ids, statements, strict=True)):
            return 409, {"error": "an id is already stored with another statement"}
        for sid, statement in zip(ids, statements, strict=True):
            self.stored.setdefault(sid, statement)
        return 200, ids


def start() -> tuple[StandInLRS, LocalServer]:
    state = StandInLRS()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = dict(self.headers.items())
            with lock:
                if self.path != "/xapi/statements":
                    code, answer = 404, {"error": self.path}
                else:
                    code, answer = state.take(headers, body)
                try:
                    statements = json.loads(body)
                except ValueError:
                    statements = []
                state.posts.append(Post(headers, statements if isinstance(statements, list) else [statements], code))
            data = json.dumps(answer).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = LocalServer(Handler, name="xapi-lrs")
    state.url = f"{server.url}/xapi/"
    return state, server
