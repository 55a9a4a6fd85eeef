"""Helpers for the carrier tests: the fixture files and a readable view of events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chalicelib.domain.events import CarrierUpdate, TrackingEvent, format_utc

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "carriers"


def fixture_bytes(vendor: str, name: str) -> bytes:
    return (FIXTURES / vendor / f"{name}.json").read_bytes()


def fixture_names(vendor: str) -> list[str]:
    return sorted(path.stem for path in (FIXTURES / vendor).glob("*.json"))


def event_row(event: TrackingEvent) -> tuple[Any, ...]:
    """(UTC time, status, delayed, vendor status, description, location) of one event."""
    return (
        format_utc(event.occurred_at),
        event.status.value,
        event.delayed,
        event.carrier_status,
        event.description,
        event.location.as_dict() if event.location else None,
    )


def only_update(updates: list[CarrierUpdate]) -> CarrierUpdate:
    assert len(updates) == 1
    return updates[0]
