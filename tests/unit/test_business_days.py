"""Turkish business days: weekends, public holidays (fixed and lunar), arife half days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.business_days import (
    add_business_days,
    business_days_between,
    day_weight,
    is_business_day,
    is_half_day,
    is_public_holiday,
    transit_business_days,
)

ISTANBUL = ZoneInfo("Europe/Istanbul")


@pytest.mark.parametrize(
    ("day", "weight"),
    [
        (date(2026, 11, 23), 1.0),  # a Monday
        (date(2026, 11, 28), 0.0),  # Saturday
        (date(2026, 11, 29), 0.0),  # Sunday
        (date(2026, 1, 1), 0.0),  # New Year's Day, a Thursday
        (date(2026, 4, 23), 0.0),  # National Sovereignty Day
        (date(2026, 10, 29), 0.0),  # Republic Day
        (date(2026, 10, 28), 0.5),  # its eve: a half day
        (date(2026, 3, 19), 0.5),  # arife of Ramazan Bayramı (a Thursday)
        (date(2026, 3, 20), 0.0),  # Ramazan Bayramı
        (date(2026, 5, 26), 0.5),  # arife of Kurban Bayramı (a Tuesday)
        (date(2026, 5, 27), 0.0),
        (date(2026, 5, 29), 0.0),
        (date(2027, 3, 8), 0.5),  # the feast moves with the moon: arife 2027 is in March
        (date(2027, 3, 9), 0.0),
    ],
)
def test_day_weights(day: date, weight: float) -> None:
    assert day_weight(day) == weight


def test_an_arife_on_a_weekend_is_no_working_day() -> None:
    # 2025: Ramazan Bayramı began on Sunday 30 March, its arife was Saturday the 29th.
    assert not is_half_day(date(2025, 3, 29))
    assert day_weight(date(2025, 3, 29)) == 0.0
    assert is_public_holiday(date(2025, 3, 31))


def test_a_half_day_is_a_business_day() -> None:
    assert is_business_day(date(2026, 10, 28))
    assert not is_business_day(date(2026, 10, 29))


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 11, 23), date(2026, 11, 23), 0.0),  # same day
        (date(2026, 11, 23), date(2026, 11, 25), 2.0),  # Monday to Wednesday
        (date(2026, 11, 27), date(2026, 11, 30), 1.0),  # Friday to Monday
        (date(2026, 11, 28), date(2026, 11, 29), 0.0),  # within a weekend
        # Mon 25 May to Mon 1 June 2026: Tue arife (0.5), Wed-Fri feast, weekend, Mon.
        (date(2026, 5, 25), date(2026, 6, 1), 1.5),
        # Across Republic Day: Tue 27 Oct to Fri 30 Oct: Wed half, Thu off, Fri.
        (date(2026, 10, 27), date(2026, 10, 30), 1.5),
        # Across New Year: Wed 31 Dec 2025 to Fri 2 Jan 2026.
        (date(2025, 12, 31), date(2026, 1, 2), 1.0),
    ],
)
def test_business_days_between(start: date, end: date, expected: float) -> None:
    assert business_days_between(start, end) == expected
    assert business_days_between(end, start) == -expected


def test_transit_is_counted_on_the_local_calendar_and_rounded_up() -> None:
    # Friday 23:30 in Istanbul is 20:30 UTC; delivered Monday 10:00 local.
    start = datetime(2026, 11, 27, 20, 30, tzinfo=UTC)
    end = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    assert transit_business_days(start, end, ISTANBUL) == 1
    # Read in UTC the start is still Friday; in Istanbul 21:30 UTC Friday is Saturday 00:30.
    late_start = datetime(2026, 11, 27, 21, 30, tzinfo=UTC)
    assert transit_business_days(late_start, end, ISTANBUL) == 1
    # Monday to the arife Tuesday: half a day, rounded up to one.
    arife = datetime(2026, 5, 26, 9, 0, tzinfo=UTC)
    assert transit_business_days(datetime(2026, 5, 25, 9, 0, tzinfo=UTC), arife, ISTANBUL) == 1


def test_transit_never_counts_backwards() -> None:
    later = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    earlier = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert transit_business_days(later, earlier, ISTANBUL) == 0


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 11, 23), 0, date(2026, 11, 23)),
        (date(2026, 11, 23), 2, date(2026, 11, 25)),
        (date(2026, 11, 27), 1, date(2026, 11, 30)),  # Friday + 1: Monday
        (date(2026, 5, 25), 1, date(2026, 6, 1)),  # the arife's half day is not enough
        (date(2026, 5, 25), 0.5, date(2026, 5, 26)),
        (date(2026, 10, 27), 2, date(2026, 11, 2)),  # 0.5 Wed, Thu off, Fri 1, then Mon
    ],
)
def test_add_business_days(start: date, days: float, expected: date) -> None:
    result = add_business_days(start, days)
    assert result == expected
    assert business_days_between(start, result) >= days
    if days > 0:
        assert business_days_between(start, date.fromordinal(result.toordinal() - 1)) < days
