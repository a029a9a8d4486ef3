"""What keeps a row from being deleted, found before the delete is tried, for a message instead of a 500.

Learners' records point at courses and users with PROTECT foreign keys (enrolments, orders, certificates,
attempts, live sessions) so that deleting a course page or an account in the admin cannot erase anyone's
history. Wagtail's delete views do not expect that and crashed with ProtectedError. The admin hooks
(courses and accounts `wagtail_hooks.py`) ask this first and tell the editor what to do instead.
"""

from collections import Counter

from django.contrib import messages
from django.db import router
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.shortcuts import redirect


def protected_records(objects) -> dict[str, int]:
    """Counts of the rows, by their model's plural name, that would stop these objects being deleted."""
    objects = list(objects)
    if not objects:
        return {}
    collector = Collector(using=router.db_for_write(type(objects[0])))
    try:
        collector.collect(objects)
    except (ProtectedError, RestrictedError) as error:
        blocking = error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
        counts = Counter(str(row._meta.verbose_name_plural) for row in blocking)
        return dict(sorted(counts.items()))
    return {}


def describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{count} {name}" for name, count in counts.items())


def refuse_if_protected(request, objects, *, message: str, redirect_to: str, redirect_args: tuple = ()):
    """For a Wagtail before-delete hook: None when the objects may go; otherwise the message, naming what
    holds them (`%(records)s`), and a redirect that stops the delete."""
    counts = protected_records(objects)
    if not counts:
        return None
    messages.error(request, message % {"records": describe(counts)})
    return redirect(redirect_to, *redirect_args)
