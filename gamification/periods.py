"""Which week and month a moment belongs to on the leaderboards: one calendar for everybody, the site's."""

from datetime import date, datetime, timedelta

from django.utils import timezone

from .models import Period

ALL_TIME_START = date(1970, 1, 1)


def period_start(period: str, moment: datetime) -> date:
    day = timezone.localtime(moment).date()
    if period == Period.WEEK:
        return day - timedelta(days=day.weekday())  # weeks start on Monday
    if period == Period.MONTH:
        return day.replace(day=1)
    return ALL_TIME_START


def period_starts(moment: datetime) -> dict[str, date]:
    return {period: period_start(period, moment) for period in Period.values}
