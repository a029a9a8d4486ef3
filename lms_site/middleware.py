"""Input no page can use is answered 400 before it reaches a view, or instead of a library's crash on it."""

import logging
import sysconfig
from pathlib import Path

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.urls import NoReverseMatch
from django.views.defaults import bad_request

logger = logging.getLogger(__name__)

# No query parameter of the site is longer than a search box's text or a return path. A longer one is not
# something a person typed, and some reach the database: SQLite refuses LIKE patterns over 50,000 bytes
# with an error, the admin's listing searches put the whole text in one.
MAX_QUERY_VALUE_CHARACTERS = 2000

# Exceptions that code outside the project raises on a value it did not expect from a client: Wagtail's
# choosers look up `?id=NaN`, its login view reverses `?next=anything` as a URL name, Draftail parses a
# rich-text field that is a number, its page copy looks up `new_parent_page=-1` with get(). They are the
# client's error, not the server's.
LIBRARY_INPUT_ERRORS: tuple[type[Exception], ...]
LIBRARY_INPUT_ERRORS = (ValueError, TypeError, OverflowError, KeyError, IndexError, AttributeError, NoReverseMatch)
LIBRARY_INPUT_ERRORS += (ValidationError, ObjectDoesNotExist)

_LIBRARY_DIRS = tuple({str(Path(sysconfig.get_paths()[name])) for name in ("purelib", "platlib", "stdlib")})


def _raised_in_library(exception: BaseException) -> bool:
    traceback = exception.__traceback__
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    return traceback is not None and traceback.tb_frame.f_code.co_filename.startswith(_LIBRARY_DIRS)


class RefuseUnreadableInput:
    """Two guards in front of every view.

    - A query parameter too long to be real is refused with 400 (see MAX_QUERY_VALUE_CHARACTERS).
    - In the Wagtail admin, whose views are Wagtail's code and not ours, an exception of the kinds above
      raised inside library code while handling the request is answered 400 and logged as a warning.
      The project's own views get no such net: they read input through lms_site.inputs and their forms,
      and the hostile-input test (lms_site/tests/test_hostile_input.py) holds them to it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for _name, values in request.GET.lists():
            if any(len(value) > MAX_QUERY_VALUE_CHARACTERS for value in values):
                return bad_request(request, ValueError("query parameter too long"))
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not request.path.startswith("/admin/"):
            return None
        if not isinstance(exception, LIBRARY_INPUT_ERRORS) or not _raised_in_library(exception):
            return None
        logger.warning(
            "Admin request %s %s refused as unreadable input: %s: %s",
            request.method,
            request.path,
            type(exception).__name__,
            str(exception)[:300],
        )
        return bad_request(request, exception)
