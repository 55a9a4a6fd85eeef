"""Backtest of the delivery predictor on a generated year of deliveries.

    python -m bench.backtest [--seed N] [--deliveries N]

Pure (no AWS, no clock): a history is generated from a fixed seed, the predictor
(`chalicelib.domain.prediction`) learns its histograms from the first part (by
pickup date), exactly as the pipeline's aggregates keep them (whole Turkish
business days from the first carrier event to the delivery), and predicts the
rest. Reported for it and for a naive baseline, the carrier's mean transit in
calendar days (range: that mean rounded down to rounded up):

- `inside`: the share of deliveries on a day within the predicted range;
- `mae_business_days`: the mean absolute error, in business days, of the
  range's midpoint (half the sum of the signed business days from each end to
  the delivery day).

The generated world: four carriers and seven cities, each pair with its own
transit distribution in business days (distance, the carrier's speed, a tail);
pickups at any hour of any day (a pickup after the carrier's cut-off, on a
weekend or holiday, leaves the next business day); carriers do not move on
weekends, public holidays or the afternoon of an arife. The year 2026 holds
both bayrams, their arifes and the fixed holidays.
"""

from __future__ import annotations

import argparse
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.business_days import (
    add_business_days,
    business_days_between,
    transit_business_days,
)
from chalicelib.domain.prediction import predict, start_day
from chalicelib.stats.aggregate import BUCKETS, bucket

ZONE = ZoneInfo("Europe/Istanbul")
FIRST_DAY = date(2026, 1, 5)
DAYS = 360
TRAIN_SHARE = 0.6
# Extra business days beyond the city's distance, per carrier; and how often it
# runs a day or two over.
CARRIERS = {"yurtici": (0, 0.15), "aras": (1, 0.25), "mng": (0, 0.35), "ptt": (1, 0.45)}
# Business days from the shop (in İstanbul) in the best case.
CITIES = {
    "İstanbul": 1, "Ankara": 1, "İzmir": 2, "Bursa": 1, "Trabzon": 2, "Van": 3, "Diyarbakır": 3,
}  # fmt: skip
CITY_WEIGHTS = (30, 15, 12, 10, 5, 3, 4)


@dataclass(frozen=True)
class Delivery:
    carrier: str
    city: str
    picked_up: datetime  # the first carrier event (UTC)
    delivered_day: date  # local

    @property
    def transit_days(self) -> int:
        delivered = datetime.combine(self.delivered_day, time(12), ZONE)
        return transit_business_days(self.picked_up, delivered, ZONE)


def generate(seed: int, count: int) -> list[Delivery]:
    rng = random.Random(seed)
    cities, carriers = list(CITIES), list(CARRIERS)
    deliveries = []
    for _ in range(count):
        carrier = rng.choice(carriers)
        city = rng.choices(cities, CITY_WEIGHTS)[0]
        day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        local = datetime.combine(day, time(rng.randrange(8, 21), rng.randrange(60)), ZONE)
        slower, tail = CARRIERS[carrier]
        transit = CITIES[city] + slower + rng.choice((0, 0, 1))  # a day's spread in the middle
        if rng.random() < tail:
            transit += rng.choice((1, 1, 2))
        leaves = start_day(local, carrier, ZONE)
        arrives = add_business_days(leaves, transit)
        deliveries.append(Delivery(carrier, city, local.astimezone(UTC), arrives))
    deliveries.sort(key=lambda d: d.picked_up)
    return deliveries


def _signed_error(earliest: date, latest: date, actual: date) -> float:
    """Business days from the range's midpoint to the delivery day."""
    return (business_days_between(earliest, actual) + business_days_between(latest, actual)) / 2


@dataclass
class Score:
    inside: int = 0
    error: float = 0.0
    count: int = 0

    def add(self, earliest: date, latest: date, actual: date) -> None:
        self.count += 1
        self.inside += int(earliest <= actual <= latest)
        self.error += abs(_signed_error(earliest, latest, actual))

    def as_json(self) -> dict[str, float]:
        return {
            "inside": round(self.inside / self.count, 4) if self.count else 0.0,
            "mae_business_days": round(self.error / self.count, 3) if self.count else 0.0,
            "predictions": self.count,
        }


def backtest(seed: int = 17, count: int = 6000) -> dict[str, Any]:
    history = generate(seed, count)
    split = int(len(history) * TRAIN_SHARE)
    train, test = history[:split], history[split:]

    per_city: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * BUCKETS)
    per_carrier: dict[str, list[int]] = defaultdict(lambda: [0] * BUCKETS)
    calendar: dict[str, list[int]] = defaultdict(list)
    for delivery in train:
        days = bucket(delivery.transit_days)
        per_city[(delivery.carrier, delivery.city)][days] += 1
        per_carrier[delivery.carrier][days] += 1
        picked_day = delivery.picked_up.astimezone(ZONE).date()
        calendar[delivery.carrier].append((delivery.delivered_day - picked_day).days)
    mean_calendar = {carrier: sum(v) / len(v) for carrier, v in calendar.items()}

    predictor, baseline = Score(), Score()
    bases: dict[str, int] = defaultdict(int)
    for delivery in test:
        prediction = predict(
            carrier=delivery.carrier,
            start=delivery.picked_up,
            city_histogram=per_city.get((delivery.carrier, delivery.city)),
            carrier_histogram=per_carrier.get(delivery.carrier),
            zone=ZONE,
        )
        bases[prediction.basis if prediction else "null"] += 1
        if prediction:
            predictor.add(prediction.earliest, prediction.latest, delivery.delivered_day)
        picked_day = delivery.picked_up.astimezone(ZONE).date()
        mean = mean_calendar[delivery.carrier]
        low, high = int(mean), -int(-mean // 1)
        baseline.add(
            picked_day + timedelta(days=low),
            picked_day + timedelta(days=high),
            delivery.delivered_day,
        )
    return {
        "seed": seed,
        "deliveries": len(history),
        "learned_on": len(train),
        "predicted": len(test),
        "period": f"{FIRST_DAY.isoformat()}..{(FIRST_DAY + timedelta(days=DAYS - 1)).isoformat()}",
        "basis": dict(sorted(bases.items())),
        "predictor": predictor.as_json(),
        "baseline_carrier_mean_calendar_days": baseline.as_json(),
    }


def render(result: dict[str, Any]) -> list[str]:
    ours, naive = result["predictor"], result["baseline_carrier_mean_calendar_days"]
    return [
        "",
        f"Delivery prediction backtest (generated {result['period']}, seed {result['seed']}: "
        f"learned on {result['learned_on']}, predicted {result['predicted']})",
        f"  {'':46}{'inside range':>13}{'MAE (bus. days)':>17}",
        f"  {'predictor (p20-p80, business days)':46}{ours['inside']:>12.1%}"
        f"{ours['mae_business_days']:>17.2f}",
        f"  {'baseline (carrier mean, calendar days)':46}{naive['inside']:>12.1%}"
        f"{naive['mae_business_days']:>17.2f}",
        f"  basis: {', '.join(f'{k} {v}' for k, v in result['basis'].items())}",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--deliveries", type=int, default=6000)
    args = parser.parse_args(argv)
    print("\n".join(render(backtest(args.seed, args.deliveries))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
