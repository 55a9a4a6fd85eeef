"""Pure arithmetic of the carrier statistics: tallies, their sums, shares and
percentiles read off transit-time histograms. No AWS here.

A `Tally` is what one aggregate item holds (one carrier, one destination city,
one day) and also what any sum of them is: tallies add, so 30 or 90 days, one
city or all, come from the same `+`. Transit times are kept as a histogram of
whole Turkish business days, capped at `MAX_TRANSIT_DAYS` (the last bucket holds
that many days and more), so an item never grows with traffic.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from chalicelib.domain.business_days import transit_business_days

MAX_TRANSIT_DAYS = 30
BUCKETS = MAX_TRANSIT_DAYS + 1
# A ranking on a handful of deliveries says more about luck than about a carrier.
MIN_DELIVERIES_TO_RANK = 20


def _empty_histogram() -> tuple[int, ...]:
    return (0,) * BUCKETS


@dataclass(frozen=True)
class Tally:
    delivered: int = 0
    estimated: int = 0  # deliveries that had an estimate to be on time for
    on_time: int = 0
    exception: int = 0  # deliveries that ever had an exception on the way
    histogram: tuple[int, ...] = field(default_factory=_empty_histogram)

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.delivered + other.delivered,
            self.estimated + other.estimated,
            self.on_time + other.on_time,
            self.exception + other.exception,
            tuple(a + b for a, b in zip(self.histogram, other.histogram, strict=True)),
        )

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.estimated if self.estimated else None

    @property
    def exception_share(self) -> float | None:
        return self.exception / self.delivered if self.delivered else None

    def percentile(self, fraction: float) -> int | None:
        """Nearest rank: the smallest bucket at or below which at least `fraction`
        of the deliveries fall (the median is `percentile(0.5)`)."""
        total = sum(self.histogram)
        if total == 0:
            return None
        rank = max(1, math.ceil(fraction * total))
        seen = 0
        for days, count in enumerate(self.histogram):
            seen += count
            if seen >= rank:
                return days
        return MAX_TRANSIT_DAYS  # unreachable: seen ends at total

    @property
    def p50(self) -> int | None:
        return self.percentile(0.5)

    @property
    def p90(self) -> int | None:
        return self.percentile(0.9)


def total(tallies: Iterable[Tally]) -> Tally:
    result = Tally()
    for tally in tallies:
        result = result + tally
    return result


def bucket(transit_days: int) -> int:
    return min(max(transit_days, 0), MAX_TRANSIT_DAYS)


def city_key(name: str | None) -> str:
    """One key per city however it was typed: Turkish case rules ('İSTANBUL',
    'istanbul' and 'İstanbul' are one city; 'Iğdır' keeps its dotless ı), spaces
    collapsed. Empty when the order gave no city."""
    if not name:
        return ""
    folded = name.strip().replace("I", "ı").replace("İ", "i").lower()
    return " ".join(folded.split())


@dataclass(frozen=True)
class Delivery:
    """One delivery, reduced to what the aggregates count."""

    carrier: str
    city: str  # as the order gave it; may be empty
    day: date  # the local day it was delivered on: the aggregate it belongs to
    on_time: bool | None  # None: there was no estimate to keep
    exception: bool
    transit_days: int

    def as_tally(self) -> Tally:
        histogram = [0] * BUCKETS
        histogram[bucket(self.transit_days)] = 1
        return Tally(
            delivered=1,
            estimated=int(self.on_time is not None),
            on_time=int(bool(self.on_time)),
            exception=int(self.exception),
            histogram=tuple(histogram),
        )


def estimate_day(estimate: str | None, zone: ZoneInfo) -> date | None:
    """An estimate is a date, or a datetime read as the local day it falls on."""
    if not estimate:
        return None
    try:
        if len(estimate) <= 10:
            return date.fromisoformat(estimate)
        moment = datetime.fromisoformat(estimate.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(zone).date() if moment.tzinfo else moment.date()


def describe_delivery(
    *,
    carrier: str,
    city: str | None,
    delivered_at: datetime,
    first_event_at: datetime | None,
    first_estimate: str | None,
    had_exception: bool,
    zone: ZoneInfo,
) -> Delivery:
    """On time: delivered by the end of the first estimated (local) day. Transit:
    business days from the first carrier event to the delivery."""
    day = delivered_at.astimezone(zone).date()
    promised = estimate_day(first_estimate, zone)
    start = first_event_at if first_event_at and first_event_at <= delivered_at else delivered_at
    return Delivery(
        carrier=carrier,
        city=(city or "").strip(),
        day=day,
        on_time=None if promised is None else day <= promised,
        exception=had_exception,
        transit_days=transit_business_days(start, delivered_at, zone),
    )


# --- figures for people and for the JSON ------------------------------------------


@dataclass(frozen=True)
class CityFigures:
    city: str
    tally: Tally


@dataclass(frozen=True)
class CarrierFigures:
    carrier: str
    tally: Tally
    cities: tuple[CityFigures, ...]  # most deliveries first


def figures(
    rows: Iterable[tuple[str, str, str, Tally]],
) -> list[CarrierFigures]:
    """(carrier, city key, city name, tally) rows, any number per city and day,
    summed per carrier and per city; carriers and cities with no delivery left out.
    Most deliveries first, names breaking ties, so the order is stable."""
    per_city: dict[str, dict[str, list[Tally]]] = {}
    names: dict[tuple[str, str], str] = {}
    for carrier, key, name, tally in rows:
        per_city.setdefault(carrier, {}).setdefault(key, []).append(tally)
        names.setdefault((carrier, key), name)
    result: list[CarrierFigures] = []
    for carrier, cities in per_city.items():
        city_totals = {key: total(tallies) for key, tallies in cities.items()}
        carrier_total = total(city_totals.values())
        if carrier_total.delivered == 0:
            continue
        listed = [
            CityFigures(names[(carrier, key)], tally)
            for key, tally in city_totals.items()
            if key and tally.delivered > 0
        ]
        listed.sort(key=lambda c: (-c.tally.delivered, c.city))
        result.append(CarrierFigures(carrier, carrier_total, tuple(listed)))
    result.sort(key=lambda c: (-c.tally.delivered, c.carrier))
    return result


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def tally_json(tally: Tally) -> dict[str, object]:
    return {
        "delivered": tally.delivered,
        "on_time_share": _share(tally.on_time_share),
        "exception_share": _share(tally.exception_share),
        "transit_days_p50": tally.p50,
        "transit_days_p90": tally.p90,
    }


@dataclass(frozen=True)
class Ranked:
    carrier: str
    tally: Tally


@dataclass(frozen=True)
class CityRanking:
    city: str
    ranked: tuple[Ranked, ...]  # best first; each on at least MIN_DELIVERIES_TO_RANK
    too_few: tuple[Ranked, ...]  # shown, not ranked


def rank_by_city(carriers: Iterable[CarrierFigures]) -> list[CityRanking]:
    """Per destination city, the carriers by on-time share (higher first), then
    median transit (shorter first). A carrier with fewer than 20 deliveries to
    the city, or no estimate to judge it by, is listed apart, not ranked."""
    by_city: dict[str, list[Ranked]] = {}
    display: dict[str, str] = {}
    for carrier in carriers:
        for city in carrier.cities:
            key = city_key(city.city)
            display.setdefault(key, city.city)
            by_city.setdefault(key, []).append(Ranked(carrier.carrier, city.tally))
    rankings: list[CityRanking] = []
    for key, entries in by_city.items():
        rankable = [
            e
            for e in entries
            if e.tally.delivered >= MIN_DELIVERIES_TO_RANK and e.tally.on_time_share is not None
        ]
        rankable.sort(key=lambda e: (-(e.tally.on_time_share or 0.0), e.tally.p50 or 0, e.carrier))
        others = sorted(
            (e for e in entries if e not in rankable), key=lambda e: (-e.tally.delivered, e.carrier)
        )
        rankings.append(CityRanking(display[key], tuple(rankable), tuple(others)))
    rankings.sort(key=lambda r: (-sum(e.tally.delivered for e in (*r.ranked, *r.too_few)), r.city))
    return rankings


def tally_from_counts(counts: Mapping[str, int]) -> Tally:
    """A tally from an aggregate item's numeric attributes (`t00`..`t30` the histogram)."""
    return Tally(
        delivered=int(counts.get("delivered", 0)),
        estimated=int(counts.get("estimated", 0)),
        on_time=int(counts.get("on_time", 0)),
        exception=int(counts.get("exception", 0)),
        histogram=tuple(int(counts.get(histogram_attribute(days), 0)) for days in range(BUCKETS)),
    )


def histogram_attribute(days: int) -> str:
    return f"t{days:02d}"
