# Arabic: month names are not abbreviated, so the short formats use the full name ("6 ديسمبر 2026"); the Arabic
# comma separates the time. Django's Arabic catalogue gives the month and weekday names.
LONG_DATE_FORMAT = "j F Y"
LONG_DATETIME_FORMAT = "j F Y، H:i"
ABBR_DATE_FORMAT = "j F Y"
ABBR_DATETIME_FORMAT = "j F Y، H:i"
ABBR_DAY_MONTH_FORMAT = "j F"
ABBR_DAY_MONTH_TIME_FORMAT = "j F، H:i"
ABBR_WEEKDAY_DATETIME_FORMAT = "l j F Y، H:i"
COMPACT_DATETIME_FORMAT = "j F H:i"
WEEKDAY_DATE_FORMAT = "l j F Y"
WEEKDAY_DATETIME_FORMAT = "l j F Y، H:i"
WEEKDAY_DAY_MONTH_FORMAT = "l j F"
