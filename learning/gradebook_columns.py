"""Gradebook columns that other apps add beside the assessments: a SCORM package's score now. The gradebook
lives in assessments and the other feature apps may not import it (nor it them), so they register here in
ready(), as completion requirements do in requirements.py.

A provider is a function `(*, course, user_ids) -> list[GradebookColumn]`: its columns for the course, in the
order they should appear, each holding the cells of those learners who have one. It is called once per
gradebook, so it must read every learner at once (a fixed number of queries, never one per learner).

These columns are shown and exported, but they are not assessments: the assessment average does not count them.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple


class ColumnCell(NamedTuple):
    percent: Decimal | None  # None: no score reported
    status: str  # a stable code for machines (the API, data attributes), e.g. "passed"
    label: str  # the status as the trainer reads it, translated


@dataclass(frozen=True)
class GradebookColumn:
    key: str  # unique within the gradebook and stable across requests, e.g. "scorm-12"
    title: str
    kind: str  # what the column is, translated, e.g. "SCORM"
    blank: ColumnCell  # the cell of a learner the provider has nothing for
    cells: dict[int, ColumnCell] = field(default_factory=dict)  # user id -> cell

    def cell(self, user_id: int) -> ColumnCell:
        return self.cells.get(user_id, self.blank)


Provider = Callable[..., list[GradebookColumn]]

_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def columns(*, course: Any, user_ids: Iterable[int]) -> list[GradebookColumn]:
    """Every registered provider's columns for the course, in registration order, each provider asked once."""
    ids = list(user_ids)
    return [column for provider in _providers for column in provider(course=course, user_ids=ids)]
