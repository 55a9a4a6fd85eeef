"""Turkish business days: weekends and public holidays off, an arife a half day.

Pure (no AWS): the carrier statistics count transit in these days, and the
delivery predictor adds them to a pickup date. The holiday calendar is the
`holidays` library's (`public` and `half_day` categories): religious feasts move
with the lunar calendar, so a hand-kept list would go stale every year.

A day's *weight* is what it contributes to a working week: 1 for a full working
day, 0.5 for the eve of a feast (work stops at 13:00), 0 for a Saturday, a
Sunday or a public holiday. A half day that falls on a weekend stays 0.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

FULL_DAY = 1.0
HALF_DAY = 0.5
OFF = 0.0
SATURDAY = 5


@cache
def _calendar(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(public holidays, half days) of one year. Imported here: the library is only
    paid for by the paths that count business days (cold starts are measured)."""
    from holidays.countries.turkey import Turkey

    public = Turkey(years=year, categories=("public",))
    half = Turkey(years=year, categories=("half_day",))
    return frozenset(public), frozenset(half) - frozenset(public)


def is_public_holiday(day: date) -> bool:
    return day in _calendar(day.year)[0]


def is_half_day(day: date) -> bool:
    """An arife (or Republic Day's eve): a working morning, an afternoon off."""
    return day.weekday() < SATURDAY and day in _calendar(day.year)[1]


def day_weight(day: date) -> float:
    if day.weekday() >= SATURDAY or is_public_holiday(day):
        return OFF
    return HALF_DAY if is_half_day(day) else FULL_DAY


def is_business_day(day: date) -> bool:
    """Any day with working hours, a half day included."""
    return day_weight(day) > OFF


def business_days_between(start: date, end: date) -> float:
    """Business days elapsed from `start` to `end`: the weights of the days after
    `start` up to and including `end` (same day: 0; Friday to Monday: 1).
    Negative when `end` is before `start`."""
    if end < start:
        return -business_days_between(end, start)
    total = 0.0
    day = start + timedelta(days=1)
    while day <= end:
        total += day_weight(day)
        day += timedelta(days=1)
    return total


def transit_business_days(start: datetime, end: datetime, zone: ZoneInfo) -> int:
    """Whole business days from one moment to another, on the local calendar.

    Rounded up: a parcel that needed the morning of an arife took that day.
    Never negative (a carrier clock a little off must not count backwards)."""
    elapsed = business_days_between(start.astimezone(zone).date(), end.astimezone(zone).date())
    return max(0, math.ceil(elapsed))


def add_business_days(start: date, days: float) -> date:
    """The first date by which `days` business days have passed after `start`:
    `business_days_between(start, result) >= days`, and no earlier date does."""
    if days <= 0:
        return start
    elapsed, day = 0.0, start
    while elapsed < days:
        day += timedelta(days=1)
        elapsed += day_weight(day)
    return day
