"""Errors as RFC 9457 problem details (application/problem+json), the one error shape of the API."""

import json

from django.http import HttpResponse
from ninja import Schema

PROBLEM_TYPE_BASE = "https://learnwell.example/problems/"
CONTENT_TYPE = "application/problem+json"


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str


TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    402: "Payment required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Validation failed",
    429: "Too many requests",
}
SLUGS = {
    400: "bad-request",
    401: "not-authenticated",
    402: "payment-required",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    422: "validation-failed",
    429: "rate-limited",
}


def problem(status: int, detail: str, *, headers: dict[str, str] | None = None) -> HttpResponse:
    body = {
        "type": PROBLEM_TYPE_BASE + SLUGS.get(status, "error"),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    response = HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    # Errors depend on the caller's token: no shared cache may keep them.
    response["Cache-Control"] = "private, no-store"
    return response


# The error answers every operation may give, for the OpenAPI document (and so for schemathesis).
ERRORS = {401: Problem, 403: Problem, 404: Problem, 422: Problem, 429: Problem}
