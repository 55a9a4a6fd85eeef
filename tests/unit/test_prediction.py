"""The delivery predictor: percentile ranges in Turkish business days, the minimum
samples, the fallbacks carrier_city -> carrier -> none, the pickup cut-off."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.prediction import (
    Prediction,
    is_trending_late,
    percentile,
    predict,
    start_day,
)

ISTANBUL = ZoneInfo("Europe/Istanbul")


def histogram(**days: int) -> list[int]:
    """histogram(d2=10, d3=10): 10 deliveries in 2 days, 10 in 3."""
    counts = [0] * 31
    for name, count in days.items():
        counts[int(name[1:])] = count
    return counts


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ISTANBUL).astimezone(UTC)


def test_percentiles_are_nearest_rank() -> None:
    spread = histogram(d1=5, d2=5, d3=5, d4=5)
    assert percentile(spread, 0.2) == 1  # rank 4 of 20
    assert percentile(spread, 0.8) == 4  # rank 16
    assert percentile(histogram(d1=7, d2=28), 0.2) == 1  # rank 7 of 35, not 8
    assert percentile([0] * 31, 0.5) is None


def test_city_range_over_a_plain_week() -> None:
    # Tuesday 1 December 2026, 11:00: 2 to 3 business days -> Thursday to Friday.
    result = predict(
        carrier="yurtici",
        start=local(2026, 12, 1, 11),
        city_histogram=histogram(d2=10, d3=10),
        carrier_histogram=histogram(d5=100),
        zone=ISTANBUL,
    )
    assert result == Prediction(date(2026, 12, 3), date(2026, 12, 4), "carrier_city")


def test_weekend_is_skipped() -> None:
    # Thursday 3 December, 2 to 3 days -> Monday 7 to Tuesday 8.
    result = predict(
        carrier="yurtici",
        start=local(2026, 12, 3, 9),
        city_histogram=histogram(d2=10, d3=10),
        carrier_histogram=None,
        zone=ISTANBUL,
    )
    assert result == Prediction(date(2026, 12, 7), date(2026, 12, 8), "carrier_city")


def test_kurban_bayrami_and_its_arife() -> None:
    # Monday 25 May 2026: Tuesday 26 is an arife (half day), 27-30 the feast.
    one_day = predict(
        carrier="aras",
        start=local(2026, 5, 25, 9),
        city_histogram=histogram(d1=20),
        carrier_histogram=None,
        zone=ISTANBUL,
    )
    # The arife morning is a (rounded-up) day: a one-day parcel arrives on it.
    assert one_day == Prediction(date(2026, 5, 26), date(2026, 5, 26), "carrier_city")
    two_days = predict(
        carrier="aras",
        start=local(2026, 5, 25, 9),
        city_histogram=histogram(d2=20),
        carrier_histogram=None,
        zone=ISTANBUL,
    )
    assert two_days == Prediction(date(2026, 6, 1), date(2026, 6, 1), "carrier_city")


def test_republic_day_is_off() -> None:
    # Tuesday 27 October 2026: the 28th is a half day, the 29th a holiday.
    result = predict(
        carrier="mng",
        start=local(2026, 10, 27, 10),
        city_histogram=None,
        carrier_histogram=histogram(d2=20, d3=20),
        zone=ISTANBUL,
    )
    # 2 to 3 days: elapsed 0.5 (28th), 0.5 (29th), 1.5 (30th), 1.5 (weekend), 2.5 (2 Nov).
    assert result == Prediction(date(2026, 10, 30), date(2026, 11, 2), "carrier")


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (local(2026, 12, 1, 16, 59), date(2026, 12, 1)),  # before the 17:00 cut-off
        (local(2026, 12, 1, 17, 30), date(2026, 12, 2)),  # after it: the next day
        (local(2026, 12, 4, 18), date(2026, 12, 7)),  # Friday evening -> Monday
        (local(2026, 12, 5, 10), date(2026, 12, 7)),  # Saturday -> Monday
        (local(2026, 5, 26, 11), date(2026, 5, 26)),  # an arife morning counts
        (local(2026, 5, 26, 13), date(2026, 6, 1)),  # its afternoon: after the feast
    ],
)
def test_pickup_cut_off(start: datetime, expected: date) -> None:
    assert start_day(start, "yurtici", ISTANBUL) == expected


def test_a_carrier_without_a_known_cut_off_counts_any_hour() -> None:
    assert start_day(local(2026, 12, 1, 23), "unknown", ISTANBUL) == date(2026, 12, 1)


def test_a_late_start_shifts_the_range() -> None:
    result = predict(
        carrier="yurtici",
        start=local(2026, 12, 4, 19),  # Friday after the cut-off
        city_histogram=histogram(d1=20),
        carrier_histogram=None,
        zone=ISTANBUL,
    )
    assert result == Prediction(date(2026, 12, 8), date(2026, 12, 8), "carrier_city")


def test_fallbacks_need_twenty_deliveries() -> None:
    start = local(2026, 12, 1, 10)
    nineteen, twenty = histogram(d1=19), histogram(d4=20)
    city = predict(
        carrier="yurtici", start=start, city_histogram=twenty,
        carrier_histogram=histogram(d1=50), zone=ISTANBUL,
    )  # fmt: skip
    assert city is not None and city.basis == "carrier_city"
    carrier = predict(
        carrier="yurtici", start=start, city_histogram=nineteen,
        carrier_histogram=twenty, zone=ISTANBUL,
    )  # fmt: skip
    assert carrier == Prediction(date(2026, 12, 7), date(2026, 12, 7), "carrier")
    nothing = predict(
        carrier="yurtici", start=start, city_histogram=nineteen,
        carrier_histogram=histogram(d1=19), zone=ISTANBUL,
    )  # fmt: skip
    assert nothing is None
    assert predict(
        carrier="yurtici", start=start, city_histogram=None, carrier_histogram=None, zone=ISTANBUL
    ) is None  # fmt: skip


def test_same_day_delivery() -> None:
    result = predict(
        carrier="hepsijet",
        start=local(2026, 12, 1, 9),
        city_histogram=histogram(d0=15, d1=5),
        carrier_histogram=None,
        zone=ISTANBUL,
    )
    assert result == Prediction(date(2026, 12, 1), date(2026, 12, 2), "carrier_city")


def test_stored_form_round_trips_and_rejects_garbage() -> None:
    prediction = Prediction(date(2026, 12, 3), date(2026, 12, 4), "carrier")
    assert Prediction.from_json(prediction.as_json()) == prediction
    assert prediction.as_json() == {
        "earliest": "2026-12-03", "latest": "2026-12-04", "basis": "carrier"
    }  # fmt: skip
    assert (
        Prediction.from_json({"earliest": "x", "latest": "2026-12-04", "basis": "carrier"}) is None
    )
    assert (
        Prediction.from_json({"earliest": "2026-12-03", "latest": "2026-12-04", "basis": "?"})
        is None
    )
    assert Prediction.from_json(None) is None


def test_trending_late() -> None:
    prediction = Prediction(date(2026, 12, 3), date(2026, 12, 4), "carrier_city")
    assert is_trending_late(prediction, date(2026, 12, 3))
    assert not is_trending_late(prediction, date(2026, 12, 4))  # by the end of its day
    assert not is_trending_late(prediction, None)
    assert not is_trending_late(None, date(2026, 12, 1))
