"""Path converters shared by every app's URLs."""

from django.urls import register_converter

from lms_site.inputs import MAX_ID


class IdConverter:
    """A database id in a path: `<id:course_id>`.

    Like Django's `int`, but a number no primary key can hold (above 2**63 - 1, or thousands of digits)
    does not match, so the URL answers 404 instead of reaching the database with an overflowing value.
    """

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("beyond any id")  # Django's resolver treats this as "no match"
        return number

    def to_url(self, value) -> str:
        return str(int(value))


# Registered on import; lms_site/urls.py imports this module before any app's URLs, which use `<id:...>`.
register_converter(IdConverter, "id")
