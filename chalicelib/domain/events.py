"""Canonical tracking events and their identity.

Every carrier adapter turns its vendor payload into `CarrierUpdate`s; the rest of
Kargo only ever sees these types.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from chalicelib.domain.status import Status

# The shapes of Kargo's identifiers (CONTRACT.md sections 3 and 4); request models
# validate against these same patterns.
CARRIER_SLUG = re.compile(r"^[a-z0-9_-]{1,32}$")
# Incoming tracking numbers: letters, digits and dashes (spaces are tolerated from
# people and dropped). Stored, compared and shown as `normalise_tracking_number` makes them.
TRACKING_NUMBER = re.compile(r"^[A-Za-z0-9-]{4,64}$")
CANONICAL_TRACKING_NUMBER = re.compile(r"^[A-Z0-9]{4,64}$")
_TRACKING_NOISE = re.compile(r"[\s-]+")


def normalise_tracking_number(raw: str) -> str:
    """One spelling per parcel (CONTRACT.md section 3): `yt 1234-5678tr` and
    `YT12345678TR` are the same shipment. Case, spaces and dashes do not count."""
    return _TRACKING_NOISE.sub("", raw).upper()


def canonical_tracking_number(raw: str) -> str:
    """`normalise_tracking_number`, refusing (ValueError) what is then no tracking number."""
    number = normalise_tracking_number(raw)
    if not CANONICAL_TRACKING_NUMBER.fullmatch(number):
        raise ValueError(
            "a tracking number: 4 to 64 letters and digits (spaces and dashes ignored)"
        )
    return number


@dataclass(frozen=True, slots=True)
class Location:
    city: str | None = None
    region: str | None = None
    country: str | None = None
    postal_code: str | None = None

    def as_dict(self) -> dict[str, str]:
        """Only the fields that are set, so equal places compare and hash equal."""
        fields = {
            "city": self.city,
            "region": self.region,
            "country": self.country,
            "postal_code": self.postal_code,
        }
        return {key: value for key, value in fields.items() if value}

    @classmethod
    def from_dict(cls, raw: dict[str, str] | None) -> Location | None:
        if not raw:
            return None
        location = cls(
            city=raw.get("city") or None,
            region=raw.get("region") or None,
            country=raw.get("country") or None,
            postal_code=raw.get("postal_code") or None,
        )
        return location if location.as_dict() else None


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    """One thing a carrier said happened to one parcel at one moment."""

    carrier: str
    tracking_number: str
    occurred_at: datetime  # always timezone-aware UTC
    status: Status
    description: str | None = None
    location: Location | None = None
    carrier_status: str | None = None  # the vendor's own status, kept verbatim
    delayed: bool = False  # the carrier itself reports a delay

    def __post_init__(self) -> None:
        if self.occurred_at.tzinfo is None:
            raise ValueError("occurred_at must carry a UTC offset")
        if self.occurred_at.utcoffset() != UTC.utcoffset(None):
            object.__setattr__(self, "occurred_at", self.occurred_at.astimezone(UTC))

    @property
    def event_id(self) -> str:
        """Identity per CONTRACT.md section 3: carrier, tracking number, time, status,
        description, location. Redelivered events hash to the same id."""
        identity = json.dumps(
            [
                self.carrier,
                self.tracking_number,
                format_utc(self.occurred_at),
                self.status.value,
                self.description or "",
                self.location.as_dict() if self.location else {},
            ],
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(identity.encode()).hexdigest()[:32]

    @property
    def stored_size_estimate(self) -> int:
        """Bytes this event takes in the state item, generously: names, values, overhead."""
        text = (self.description or "") + (self.carrier_status or "")
        if self.location:
            text += "".join(self.location.as_dict().values())
        return len(text.encode()) + 160

    @property
    def detail_rank(self) -> tuple[bool, str]:
        """Orders copies of one event that differ outside the identity."""
        return (self.delayed, self.carrier_status or "")

    @property
    def precedence(self) -> tuple[datetime, bool, int]:
        """Latest wins; on a tie a final status, then the one lower in the table."""
        return (self.occurred_at, self.status.is_final, self.status.table_position)


@dataclass(frozen=True, slots=True)
class CarrierUpdate:
    """What one webhook says about one shipment."""

    carrier: str
    tracking_number: str
    events: tuple[TrackingEvent, ...] = ()
    estimated_delivery: str | None = None  # "YYYY-MM-DD" or a UTC "...Z" datetime
    raw_status: str | None = field(default=None, compare=False)

    @property
    def shipment_key(self) -> tuple[str, str]:
        return (self.carrier, self.tracking_number)


def format_utc(moment: datetime) -> str:
    """2026-11-23T05:15:00Z: UTC, seconds precision unless there are microseconds."""
    utc = moment.astimezone(UTC)
    text = utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def parse_utc(text: str) -> datetime:
    """Inverse of `format_utc`; accepts any ISO 8601 string that has an offset."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"datetime without a UTC offset: {text!r}")
    return moment.astimezone(UTC)


def normalise_estimate(value: str | date | datetime | None) -> str | None:
    """A date stays a date; a datetime with an offset becomes UTC with Z."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("estimated_delivery datetime must carry a UTC offset")
        return format_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    text = value.strip()
    if len(text) == 10:
        return date.fromisoformat(text).isoformat()
    return format_utc(parse_utc(text))


def estimate_deadline(estimate: str, zone: tzinfo) -> datetime:
    """The moment an estimate has passed: the end of that day where the shopper
    lives (`zone`), or the estimated datetime itself."""
    if len(estimate) == 10:
        next_day = date.fromisoformat(estimate) + timedelta(days=1)
        midnight = datetime(next_day.year, next_day.month, next_day.day, tzinfo=zone)
        return midnight.astimezone(UTC)
    return parse_utc(estimate)


def parse_estimate_input(value: Any) -> Any:
    """Pydantic `before` validator for `estimated_delivery`: a date, or a datetime
    that carries its UTC offset (a bare local datetime is ambiguous: refused)."""
    if isinstance(value, str) and len(value) > 10:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            raise ValueError("must be a date or a datetime with a UTC offset")
        return in_utc_range(parsed)
    return value


def in_utc_range(moment: datetime) -> datetime:
    """Refuse datetimes that cannot be expressed in UTC (year 1 at +14:00, ...)."""
    try:
        moment.astimezone(UTC)
    except OverflowError as error:
        raise ValueError("datetime out of range") from error
    return moment
