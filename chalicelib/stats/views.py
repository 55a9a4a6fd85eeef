"""Carrier figures over the last 30 or 90 days, for the JSON API and the console."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.config import settings
from chalicelib.errors import ValidationFailed
from chalicelib.stats.aggregate import CarrierFigures, figures, tally_json
from chalicelib.store.stats import ReadCounter, delivery_rows

PERIODS = (30, 90)


def parse_period(value: str | None) -> int:
    """`?days=30|90`; 30 when absent."""
    if value is None:
        return PERIODS[0]
    if value.isdigit() and int(value) in PERIODS:
        return int(value)
    raise ValidationFailed(details=[{"loc": ["query", "days"], "msg": "must be 30 or 90"}])


def carrier_figures(
    days: int, now: datetime, reads: ReadCounter | None = None
) -> list[CarrierFigures]:
    """The last `days` local days, today included."""
    today = now.astimezone(settings().zone).date()
    first_day = today - timedelta(days=days - 1)
    rows = delivery_rows(first_day, today, reads)
    return figures((row.carrier, row.city_key, row.city, row.tally) for row in rows)


def carrier_stats_json(days: int, now: datetime) -> dict[str, Any]:
    from chalicelib.shopper.carriers import carrier_name

    return {
        "days": days,
        "carriers": [
            {
                "carrier": carrier.carrier,
                "carrier_name": carrier_name(carrier.carrier),
                **tally_json(carrier.tally),
                "cities": [
                    {"city": city.city, **tally_json(city.tally)} for city in carrier.cities
                ],
            }
            for carrier in carrier_figures(days, now)
        ],
    }
