# British order, as the site always printed: "6 December 2026", "6 Dec 2026, 14:05". Django's English formats
# (DATE_FORMAT "N j, Y", for the admin) are left as they are.
LONG_DATE_FORMAT = "j F Y"
LONG_DATETIME_FORMAT = "j F Y, H:i"
ABBR_DATE_FORMAT = "j M Y"
ABBR_DATETIME_FORMAT = "j M Y, H:i"
ABBR_DAY_MONTH_FORMAT = "j M"
ABBR_DAY_MONTH_TIME_FORMAT = "j M, H:i"
ABBR_WEEKDAY_DATETIME_FORMAT = "D j M Y, H:i"
COMPACT_DATETIME_FORMAT = "j M H:i"  # a log line's moment, as in the attendance history
WEEKDAY_DATE_FORMAT = "l j F Y"
WEEKDAY_DATETIME_FORMAT = "l j F Y, H:i"
WEEKDAY_DAY_MONTH_FORMAT = "l j F"
