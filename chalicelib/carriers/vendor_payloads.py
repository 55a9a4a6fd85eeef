"""Reading vendor payloads (EasyPost, AfterShip, Shippo) without trusting their shape.

Vendors add fields, drop optional ones and occasionally send a wrong type. The
rule shared by the three adapters:

- a body that is not a JSON object, or names no readable shipment (tracking
  number, carrier), can never be processed: `UnprocessableDelivery`, so it goes
  to the dead-letter queue;
- a field of the wrong type is treated as absent;
- one history entry without a readable time is skipped (and logged): the other
  entries still count, and because EasyPost and AfterShip resend the whole
  history, refusing the delivery would block every later update too.

Nothing logged or raised here quotes the payload: it may hold personal data.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

from chalicelib.domain.events import (
    TRACKING_NUMBER,
    CarrierUpdate,
    Location,
    TrackingEvent,
    canonical_tracking_number,
    normalise_estimate,
)
from chalicelib.errors import UnprocessableDelivery

logger = logging.getLogger(__name__)

JsonObject = Mapping[str, Any]


def load_json_object(body: bytes, vendor: str) -> JsonObject:
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise UnprocessableDelivery(f"{vendor} body is not JSON") from error
    if not isinstance(payload, dict):
        raise UnprocessableDelivery(f"{vendor} body is not a JSON object")
    return payload


def object_at(parent: JsonObject | None, key: str) -> JsonObject | None:
    value = parent.get(key) if parent is not None else None
    return value if isinstance(value, dict) else None


def objects_at(parent: JsonObject, key: str) -> list[JsonObject]:
    """The objects in a list field; anything else in it (or instead of it) is skipped."""
    value = parent.get(key)
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def text_at(parent: JsonObject | None, key: str) -> str | None:
    """A non-blank string, stripped; a whole number counts as its digits (postcodes)."""
    if parent is None:
        return None
    value = parent.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        return None
    # JSON may carry lone surrogates (`"\\ud800"`); they cannot be encoded, and
    # event identities are hashed from UTF-8, so they become U+FFFD here.
    text = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text.strip() or None


def flag_at(parent: JsonObject | None, key: str) -> bool:
    return parent is not None and parent.get(key) is True


def tracking_number_from(raw: str | None, vendor: str) -> str:
    """Vendors echo the number as the shop typed it: `1z 999 aa1 0123` is `1Z999AA10123`.

    Whitespace goes and letters are upper-cased (carriers treat tracking numbers
    case-insensitively); the result must then be a Kargo tracking number,
    4 to 64 of `[A-Za-z0-9-]`, or the delivery can never be stored.
    """
    if raw is None:
        raise UnprocessableDelivery(f"{vendor} payload names no tracking number")
    compact = "".join(raw.split())
    if not TRACKING_NUMBER.fullmatch(compact):
        raise UnprocessableDelivery(
            f"{vendor} tracking number is not 4 to 64 letters, digits or hyphens"
        )
    try:
        return canonical_tracking_number(compact)
    except ValueError as error:
        raise UnprocessableDelivery(f"{vendor} tracking number is too short") from error


def vendor_time(value: str | None, zone_without_offset: tzinfo) -> datetime | None:
    """An ISO 8601 time as aware UTC, or None when unreadable.

    A time without an offset (or a bare date) is read in `zone_without_offset`:
    what that means differs per vendor and is documented in each adapter.
    """
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone_without_offset)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def delivery_estimate(value: str | None) -> str | None:
    """A vendor's estimated delivery in `normalise_estimate` form, or None.

    A date stays a date. A datetime at exactly midnight names a day, not a
    moment (EasyPost and Shippo send dates as `...T00:00:00Z`), so it becomes
    that date; so does a datetime without an offset, which cannot be placed in
    time. Any other datetime becomes UTC.
    """
    if value is None:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value).isoformat()
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None or moment.time() == time():
            return moment.date().isoformat()
        return normalise_estimate(moment)
    except (ValueError, OverflowError):
        return None


def location_from(
    city: str | None, region: str | None, country: str | None, postal_code: str | None
) -> Location | None:
    location = Location(city=city, region=region, country=country, postal_code=postal_code)
    return location if location.as_dict() else None


def skip_unreadable_entry(vendor: str, what: str) -> None:
    logger.warning("%s: skipped a %s without a readable time", vendor, what)


def single_update(
    carrier: str,
    tracking_number: str,
    events: Iterable[TrackingEvent],
    estimated_delivery: str | None,
    raw_status: str | None,
) -> list[CarrierUpdate]:
    """The one update a vendor webhook carries, or [] when it holds no event.

    The same entry may appear twice (Shippo repeats the latest in
    `tracking_status`); the first copy of each event identity is kept.
    """
    unique: dict[str, TrackingEvent] = {}
    for event in events:
        unique.setdefault(event.event_id, event)
    if not unique:
        return []
    return [
        CarrierUpdate(
            carrier=carrier,
            tracking_number=tracking_number,
            events=tuple(unique.values()),
            estimated_delivery=estimated_delivery,
            raw_status=raw_status,
        )
    ]


def carrier_status_text(coarse: str | None, fine: str | None) -> str | None:
    """The vendor's own status kept verbatim on the event: `in_transit/arrived_at_facility`."""
    if coarse and fine:
        return f"{coarse}/{fine}"
    return coarse or fine
