# German: the day with a full stop, abbreviated months with one ("6. Dez. 2026", Django's "N"), a comma after
# the weekday ("Sonntag, 6. Dezember 2026").
LONG_DATE_FORMAT = "j. F Y"
LONG_DATETIME_FORMAT = "j. F Y, H:i"
ABBR_DATE_FORMAT = "j. N Y"
ABBR_DATETIME_FORMAT = "j. N Y, H:i"
ABBR_DAY_MONTH_FORMAT = "j. N"
ABBR_DAY_MONTH_TIME_FORMAT = "j. N, H:i"
ABBR_WEEKDAY_DATETIME_FORMAT = "D, j. N Y, H:i"
COMPACT_DATETIME_FORMAT = "j. N H:i"
WEEKDAY_DATE_FORMAT = "l, j. F Y"
WEEKDAY_DATETIME_FORMAT = "l, j. F Y, H:i"
WEEKDAY_DAY_MONTH_FORMAT = "l, j. F"
