"""What the apps built on courses plug into its lessons. They register in their AppConfig.ready(), so courses
never imports them (learning.requirements does the same one layer up).

- The lesson player: the view that serves every lesson page, admin previews included (learning's, which
  decides who may read what).
- Lesson checks: each refuses a lesson body its editor may not save (media_pipeline's: videos they may not use).
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

_lesson_player: list[Callable] = []  # holds at most one view
_lesson_checks: list[Callable[..., None]] = []


def register_lesson_player(view: Callable) -> Callable:
    """`view(request, *, lesson) -> HttpResponse`. There is one player: a second registration replaces it."""
    _lesson_player[:] = [view]
    return view


def serve_lesson(request, *, lesson):
    if not _lesson_player:
        raise ImproperlyConfigured("No lesson player is registered: the learning app registers it in ready().")
    return _lesson_player[0](request, lesson=lesson)


def register_lesson_check(check: Callable[..., None]) -> Callable[..., None]:
    """`check(*, user, body)` raises django.forms.ValidationError for a body `user` may not save."""
    if check not in _lesson_checks:
        _lesson_checks.append(check)
    return check


def check_lesson_body(*, user, body) -> None:
    for check in _lesson_checks:
        check(user=user, body=body)
