"""The site's dates in each language (FORMAT_MODULE_PATH): `{{ day|date:"LONG_DATE_FORMAT" }}` in templates,
`formats.date_format(day, "LONG_DATE_FORMAT")` in Python.

Besides Django's own names, each language defines the project's: one per way the site prints a moment, named
for what it shows. Every language must define every one of them: Django hands an unknown name back as the format
itself, which would print as letters of a date (lms_site/tests/test_formats.py checks them).
English keeps the patterns the templates had; month and weekday names come from Django's catalogues.
"""

# The project's names, in English; the other languages' modules define the same names.
PROJECT_FORMATS = (
    "LONG_DATE_FORMAT",
    "LONG_DATETIME_FORMAT",
    "ABBR_DATE_FORMAT",
    "ABBR_DATETIME_FORMAT",
    "ABBR_DAY_MONTH_FORMAT",
    "ABBR_DAY_MONTH_TIME_FORMAT",
    "ABBR_WEEKDAY_DATETIME_FORMAT",
    "COMPACT_DATETIME_FORMAT",
    "WEEKDAY_DATE_FORMAT",
    "WEEKDAY_DATETIME_FORMAT",
    "WEEKDAY_DAY_MONTH_FORMAT",
)
