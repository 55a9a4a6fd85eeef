"""Predicted delivery from the shop's own history, in Turkish business days.

Pure (no AWS). The input is what the carrier statistics already keep: per
(carrier, destination city) transit-time histograms in whole business days,
counted from the first carrier event to the delivery (`stats.aggregate`). The
range is the 20th to the 80th percentile of the same carrier to the same city
when that rests on at least 20 deliveries, else of the carrier over all cities
(at least 20), else nothing can be said (`None`).

The start is the shipment's first carrier event (the same start the histograms
count from), or the registration when the carrier has not reported anything
yet. A start after the carrier's pickup cut-off (local time; on an arife the
office closes at noon), or on a day off, counts from the next business day:
the parcel leaves then.

Dates are counted in business days (`domain.business_days`): a transit of `t`
days means a delivery whose elapsed weight, rounded up, is `t`, so the earliest
date is the first day on which that can be true and the latest the last
business day on which it still is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from chalicelib.domain.business_days import (
    add_business_days,
    business_days_between,
    day_weight,
    is_business_day,
    is_half_day,
)

MIN_DELIVERIES = 20
LOW_PERCENTILE = 0.2
HIGH_PERCENTILE = 0.8
# Carriers' published last collection hours at their branches (local time).
# A carrier missing here has no cut-off: any hour of a business day counts.
PICKUP_CUTOFF: Mapping[str, time] = {
    "yurtici": time(17, 0),
    "aras": time(17, 0),
    "mng": time(17, 0),
    "ptt": time(16, 30),
    "surat": time(17, 0),
    "hepsijet": time(18, 0),
    "kolaygelsin": time(18, 0),
}
HALF_DAY_CUTOFF = time(12, 0)  # an arife's working morning ends at 13:00

Basis = Literal["carrier_city", "carrier", "none"]


@dataclass(frozen=True)
class Prediction:
    earliest: date
    latest: date
    basis: Basis

    def as_json(self) -> dict[str, str]:
        return {
            "earliest": self.earliest.isoformat(),
            "latest": self.latest.isoformat(),
            "basis": self.basis,
        }

    @staticmethod
    def from_json(value: object) -> Prediction | None:
        """The stored form back; anything malformed reads as no prediction."""
        if not isinstance(value, Mapping):
            return None
        try:
            basis = value["basis"]
            if basis not in ("carrier_city", "carrier", "none"):
                return None
            return Prediction(
                date.fromisoformat(value["earliest"]), date.fromisoformat(value["latest"]), basis
            )
        except (KeyError, TypeError, ValueError):
            return None


def percentile(histogram: Sequence[int], fraction: float) -> int | None:
    """Nearest rank over a histogram (bucket index = business days)."""
    total = sum(histogram)
    if total <= 0:
        return None
    # Rounded first: 0.2 * 35 is 7.000000000000001 in binary floating point.
    rank = max(1, math.ceil(round(fraction * total, 9)))
    seen = 0
    for days, count in enumerate(histogram):
        seen += count
        if seen >= rank:
            return days
    return len(histogram) - 1


def start_day(start: datetime, carrier: str, zone: ZoneInfo) -> date:
    """The local business day the transit counts from, after the pickup cut-off.

    A start on a day off, or after the cut-off, moves to the next business day;
    the result is always a business day."""
    local = start.astimezone(zone)
    day = local.date()
    cutoff = PICKUP_CUTOFF.get(carrier)
    if cutoff is not None and is_half_day(day):
        cutoff = min(cutoff, HALF_DAY_CUTOFF)
    if is_business_day(day) and (cutoff is None or local.time() <= cutoff):
        return day
    day += timedelta(days=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def earliest_date(start: date, transit_days: int) -> date:
    """The first date whose elapsed business days round up to `transit_days`."""
    if transit_days <= 0:
        return start
    return add_business_days(start, transit_days - 0.5)


def latest_date(start: date, transit_days: int) -> date:
    """The last business day whose elapsed business days are at most `transit_days`
    (the start itself for a same-day delivery)."""
    best, day = start, start
    while True:
        day += timedelta(days=1)
        if business_days_between(start, day) > transit_days:
            return best
        if day_weight(day) > 0:
            best = day


def _enough(histogram: Sequence[int] | None) -> bool:
    return histogram is not None and sum(histogram) >= MIN_DELIVERIES


def predict(
    *,
    carrier: str,
    start: datetime,
    city_histogram: Sequence[int] | None,
    carrier_histogram: Sequence[int] | None,
    zone: ZoneInfo,
) -> Prediction | None:
    """The 20th–80th percentile range of the same carrier to the same city, else of
    the carrier, from `start`; None when neither has `MIN_DELIVERIES` deliveries."""
    basis: Basis
    if _enough(city_histogram):
        histogram, basis = city_histogram, "carrier_city"
    elif _enough(carrier_histogram):
        histogram, basis = carrier_histogram, "carrier"
    else:
        return None
    assert histogram is not None
    low, high = percentile(histogram, LOW_PERCENTILE), percentile(histogram, HIGH_PERCENTILE)
    if low is None or high is None:
        return None
    first = start_day(start, carrier, zone)
    return Prediction(earliest_date(first, low), latest_date(first, high), basis)


def is_trending_late(prediction: Prediction | None, estimate_day: date | None) -> bool:
    """The predicted latest day lies past the end of the carrier's estimated day."""
    return prediction is not None and estimate_day is not None and prediction.latest > estimate_day
