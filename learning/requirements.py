"""Completion requirements that other apps add to a course's lessons: assessments to pass now,
attendance to reach later. learning never imports those apps; they register here in ready().

A requirement is a function `(*, course, enrollments) -> RequirementCount`: how many steps it adds to the
course and how many of them each of the given enrollments has done. Progress and completion count these
steps exactly like lessons.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from wagtail.models import Page


@dataclass(frozen=True)
class RequirementCount:
    total: int = 0
    done: dict[int, int] = field(default_factory=dict)  # enrollment id -> steps done


_requirements: list[Callable[..., RequirementCount]] = []


def register(requirement: Callable[..., RequirementCount]) -> Callable[..., RequirementCount]:
    if requirement not in _requirements:
        _requirements.append(requirement)
    return requirement


def count_steps(*, course, enrollments: Iterable) -> RequirementCount:
    """All registered requirements of a course added up, for the given enrollments."""
    enrollments = list(enrollments)
    total, done = 0, Counter[int]()
    for requirement in _requirements:
        counted = requirement(course=course, enrollments=enrollments)
        total += counted.total
        done.update(counted.done)
    return RequirementCount(total=total, done=dict(done))


# Steps other apps add to the course outline (an assessment between lessons), registered in ready().


@dataclass(frozen=True)
class OutlineStep:
    page: "Page"  # a live page (title, path and url)
    kind: str  # what the learner sees it as, e.g. "Quiz"
    is_done: bool


_outline_providers: list[Callable[..., list[OutlineStep]]] = []
_done_providers: list[Callable[..., set[int]]] = []


def register_outline_steps(provider: Callable[..., list[OutlineStep]]) -> Callable[..., list[OutlineStep]]:
    """`provider(*, course, user) -> list[OutlineStep]` for the live steps of the course."""
    if provider not in _outline_providers:
        _outline_providers.append(provider)
    return provider


def outline_steps(*, course, user) -> list[OutlineStep]:
    return [step for provider in _outline_providers for step in provider(course=course, user=user)]


def register_outline_steps_done(provider: Callable[..., set[int]]) -> Callable[..., set[int]]:
    """`provider(*, user, pages, since) -> set[int]`: the ids of those step pages `user` has done (at or after
    `since` when it is given: the start of a renewal round), in a fixed number of queries. The player caches the
    steps themselves (outline_steps for a visitor, the same for everyone) and asks this for the learner's own
    ticks."""
    if provider not in _done_providers:
        _done_providers.append(provider)
    return provider


def outline_steps_done(*, user, pages: list["Page"], since: "datetime | None" = None) -> set[int]:
    if not pages or not user.is_authenticated:
        return set()
    return {page_id for provider in _done_providers for page_id in provider(user=user, pages=pages, since=since)}
