"""Aggregate arithmetic: tallies add, percentiles come from histograms, deliveries
are judged against the first estimate on the local calendar, cities rank fairly."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.stats.aggregate import (
    BUCKETS,
    MAX_TRANSIT_DAYS,
    Delivery,
    Tally,
    city_key,
    describe_delivery,
    figures,
    rank_by_city,
    tally_from_counts,
    tally_json,
    total,
)

ISTANBUL = ZoneInfo("Europe/Istanbul")


def tally_of(
    transits: list[int], on_time: int = 0, estimated: int = 0, exception: int = 0
) -> Tally:
    histogram = [0] * BUCKETS
    for days in transits:
        histogram[min(days, MAX_TRANSIT_DAYS)] += 1
    return Tally(len(transits), estimated, on_time, exception, tuple(histogram))


def test_tallies_add_field_by_field() -> None:
    a = tally_of([1, 2], on_time=1, estimated=2, exception=1)
    b = tally_of([2, 5], on_time=2, estimated=2)
    assert a + b == tally_of([1, 2, 2, 5], on_time=3, estimated=4, exception=1)
    assert total([a, b, Tally()]) == a + b
    assert total([]) == Tally()


@pytest.mark.parametrize(
    ("transits", "p50", "p90"),
    [
        ([2], 2, 2),
        ([1, 2, 3, 4], 2, 4),
        ([1] * 9 + [7], 1, 1),  # the 90th of ten is the ninth
        ([1] * 8 + [6, 7], 1, 6),
        ([0, 0, 3], 0, 3),
        ([45, 60], MAX_TRANSIT_DAYS, MAX_TRANSIT_DAYS),  # the last bucket holds the long tail
    ],
)
def test_percentiles_from_the_histogram(transits: list[int], p50: int, p90: int) -> None:
    tally = tally_of(transits)
    assert (tally.p50, tally.p90) == (p50, p90)


@given(st.lists(st.integers(min_value=0, max_value=MAX_TRANSIT_DAYS), min_size=1, max_size=200))
def test_percentiles_match_nearest_rank_on_the_raw_values(transits: list[int]) -> None:
    import math

    ordered = sorted(transits)
    tally = tally_of(transits)
    for fraction in (0.5, 0.9):
        assert tally.percentile(fraction) == ordered[math.ceil(fraction * len(ordered)) - 1]


@given(
    st.lists(st.integers(min_value=0, max_value=MAX_TRANSIT_DAYS), max_size=50),
    st.lists(st.integers(min_value=0, max_value=MAX_TRANSIT_DAYS), max_size=50),
)
def test_merging_then_reading_is_reading_everything(left: list[int], right: list[int]) -> None:
    assert (tally_of(left) + tally_of(right)).histogram == tally_of(left + right).histogram


def test_empty_figures_are_none_not_zero() -> None:
    empty = Tally()
    assert empty.p50 is None and empty.on_time_share is None and empty.exception_share is None
    no_estimates = tally_of([2])
    assert no_estimates.on_time_share is None and no_estimates.exception_share == 0.0


def test_shares() -> None:
    tally = tally_of([1, 2, 3, 4], on_time=2, estimated=3, exception=1)
    assert tally_json(tally) == {
        "delivered": 4,
        "on_time_share": 0.6667,
        "exception_share": 0.25,
        "transit_days_p50": 2,
        "transit_days_p90": 4,
    }


def test_item_attributes_round_trip() -> None:
    counts = {"delivered": 3, "estimated": 2, "on_time": 1, "exception": 1, "t02": 2, "t30": 1}
    tally = tally_from_counts(counts)
    assert tally.delivered == 3 and tally.histogram[2] == 2 and tally.histogram[30] == 1
    assert tally_from_counts({}) == Tally()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("İstanbul", "istanbul"),
        ("İSTANBUL", " İstanbul "),
        ("Iğdır", "IĞDIR"),
        ("Ankara", "ANKARA"),
    ],
)
def test_one_key_per_city(a: str, b: str) -> None:
    assert city_key(a) == city_key(b)


def test_dotless_and_dotted_i_stay_apart() -> None:
    assert city_key("Iğdır") == "ığdır"
    assert city_key("İzmir") == "izmir"
    assert city_key(None) == "" and city_key("  ") == ""


def delivered(at: datetime, first: datetime | None, estimate: str | None) -> Delivery:
    return describe_delivery(
        carrier="yurtici", city="Ankara", delivered_at=at, first_event_at=first,
        first_estimate=estimate, had_exception=False, zone=ISTANBUL,
    )  # fmt: skip


def test_on_time_is_by_the_end_of_the_estimated_local_day() -> None:
    # 23:30 in Istanbul on the 20th is 20:30 UTC: still on time.
    assert delivered(datetime(2026, 11, 20, 20, 30, tzinfo=UTC), None, "2026-11-20").on_time
    # 00:30 on the 21st in Istanbul is 21:30 UTC on the 20th: late.
    late = delivered(datetime(2026, 11, 20, 21, 30, tzinfo=UTC), None, "2026-11-20")
    assert late.on_time is False and late.day == date(2026, 11, 21)
    # An estimate given as a datetime is the local day it falls on.
    assert delivered(datetime(2026, 11, 20, 9, tzinfo=UTC), None, "2026-11-20T21:30:00Z").on_time
    assert delivered(datetime(2026, 11, 20, 9, tzinfo=UTC), None, None).on_time is None
    assert delivered(datetime(2026, 11, 20, 9, tzinfo=UTC), None, "not a date").on_time is None


def test_transit_in_business_days_from_the_first_event() -> None:
    # Friday 23 to Tuesday 27 October 2026: Monday and Tuesday.
    result = delivered(
        datetime(2026, 10, 27, 9, tzinfo=UTC), datetime(2026, 10, 23, 9, tzinfo=UTC), None
    )
    assert result.transit_days == 2
    # Across the arife (Wed half) and Republic Day (Thu off): Tue -> Fri = 1.5, rounded up.
    across = delivered(
        datetime(2026, 10, 30, 9, tzinfo=UTC), datetime(2026, 10, 27, 9, tzinfo=UTC), None
    )
    assert across.transit_days == 2
    # No earlier event (the delivery was the first news): 0 days.
    assert delivered(datetime(2026, 10, 30, 9, tzinfo=UTC), None, None).transit_days == 0


def test_figures_sum_days_and_spellings_and_leave_out_the_empty() -> None:
    one, two = tally_of([1]), tally_of([3])
    rows = [
        ("yurtici", "ankara", "Ankara", one),
        ("yurtici", "ankara", "ANKARA", two),  # another day, another spelling
        ("yurtici", "", "-", one),  # no city: in the carrier's total only
        ("aras", "izmir", "İzmir", Tally()),  # nothing delivered
    ]
    [carrier] = figures(rows)
    assert carrier.carrier == "yurtici" and carrier.tally.delivered == 3
    [city] = carrier.cities
    assert city.city == "Ankara" and city.tally.delivered == 2


def test_ranking_needs_twenty_deliveries_and_an_estimate() -> None:
    fast = tally_of([1] * 20, on_time=18, estimated=20)
    slow = tally_of([3] * 30, on_time=27, estimated=30)  # 0.9 too: the median decides
    few = tally_of([1] * 19, on_time=19, estimated=19)  # perfect, but too few
    unjudged = tally_of([1] * 25)  # no estimates
    rows = [
        ("aras", "ankara", "Ankara", slow),
        ("yurtici", "ankara", "Ankara", fast),
        ("mng", "ankara", "Ankara", few),
        ("ptt", "ankara", "Ankara", unjudged),
    ]
    [ankara] = rank_by_city(figures(rows))
    assert [r.carrier for r in ankara.ranked] == ["yurtici", "aras"]
    assert {r.carrier for r in ankara.too_few} == {"mng", "ptt"}
