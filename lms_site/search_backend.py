"""Wagtail's database search backend, with every query string reduced to plain words first.

Each database's full-text syntax gives meaning to some characters (SQLite FTS5: quotes, `*`, `:`, `^`,
parentheses, AND/OR/NOT; MariaDB's boolean mode: `+ - < > ( ) ~ * "`; PostgreSQL's tsquery its own), and
a query that breaks that syntax raises a database error: a 500 for a visitor who typed `a"b` in the
catalogue search, or anyone using the admin's search boxes. Every search in the project — the catalogue's,
the admin's listings and choosers — goes through this backend (WAGTAILSEARCH_BACKENDS), so this is the one
place that makes search input safe, whichever database is underneath. Words keep their letters in any
script; nothing the user meant by a word is lost, only the operators they could not have meant.
"""

import re

from modelsearch.backends.database import SearchBackend as database_backend
from modelsearch.query import MATCH_NONE, Phrase, PlainText

MAX_QUERY_CHARACTERS = 200
MAX_QUERY_WORDS = 20

_WORD = re.compile(r"\w+")


def plain_words(query: str) -> str:
    """The words of a query, joined by spaces: no operators, quotes or control characters; bounded."""
    words = _WORD.findall(query[: MAX_QUERY_CHARACTERS * 4])[:MAX_QUERY_WORDS]
    return " ".join(words)[:MAX_QUERY_CHARACTERS].strip()


def safe_query(query):
    """The query with its text reduced to plain words; nothing to look for matches nothing."""
    if isinstance(query, str):
        words = plain_words(query)
        return words if words or not query.strip() else MATCH_NONE
    if isinstance(query, PlainText):
        words = plain_words(query.query_string)
        return PlainText(words, operator=query.operator, boost=query.boost) if words else MATCH_NONE
    if isinstance(query, Phrase):
        words = plain_words(query.query_string)
        return Phrase(words) if words else MATCH_NONE
    return query  # MATCH_ALL, MATCH_NONE and combinations built by code, not typed by anyone


class SafeQueryMixin:
    def _search(self, query_compiler_class, query, model_or_queryset, **kwargs):
        return super()._search(query_compiler_class, safe_query(query), model_or_queryset, **kwargs)


_classes: dict[type, type] = {}


def SearchBackend(params):  # noqa: N802  (the name Wagtail looks up in a backend module)
    """The database backend Wagtail would pick for this database, made safe."""
    backend = database_backend(params)
    base = type(backend)
    if base not in _classes:
        _classes[base] = type(f"Safe{base.__name__}", (SafeQueryMixin, base), {})
    backend.__class__ = _classes[base]
    return backend
