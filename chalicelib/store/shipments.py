"""Shipment state items: the record, item <-> record, the sparse-index attributes
that every state write recomputes, and the reads.

| item            | pk                          | sk     |
|-----------------|-----------------------------|--------|
| shipment state  | SHIP#{carrier}#{tracking}   | STATE  |

A tracking token seals its shipment's key (chalicelib/tokens.py), so the lookup
is one consistent GetItem and no index copies the state. The writes that land a
new state together with its outbox rows are in `merges`; the claim that attaches
a shipment to an order (`claim_shipment_update`) is here, as it sets the same
index attributes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib import aws
from chalicelib.config import settings
from chalicelib.domain.events import Location, TrackingEvent, format_utc, parse_utc
from chalicelib.domain.shipment import DelayReason, ShipmentState
from chalicelib.domain.status import Status
from chalicelib.domain.timing import ClockFacts, next_check
from chalicelib.dynamo_codec import Item, decode_item, encode_item, encode_value
from chalicelib.poll.schedule import poll_index_attributes
from chalicelib.store.schema import DELAY_INDEX
from chalicelib.store.table import (
    batch_get,
    due_shard,
    item_key,
    shipment_pk,
    table_name,
)

DELAYED_PARTITION = "DELAYED"
TRENDING_PARTITION = "TRENDING"  # predicted past the estimate, not late yet


@dataclass(frozen=True)
class Registration:
    """Which order a shipment belongs to, and what its public page may show."""

    order_id: str
    token: str
    first_name: str
    locale: str
    registered_at: datetime
    return_id: str | None = None


@dataclass(frozen=True)
class ShipmentRecord:
    state: ShipmentState
    version: int = 0  # 0: not stored yet
    registration: Registration | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return (self.state.carrier, self.state.tracking_number)


def _event_to_value(event: TrackingEvent) -> dict[str, Any]:
    return {
        "status": event.status.value,
        "occurred_at": format_utc(event.occurred_at),
        "description": event.description,
        "location": event.location.as_dict() if event.location else None,
        "carrier_status": event.carrier_status,
        "delayed": event.delayed or None,
    }


def _event_from_value(carrier: str, tracking: str, raw: dict[str, Any]) -> TrackingEvent:
    return TrackingEvent(
        carrier=carrier,
        tracking_number=tracking,
        occurred_at=parse_utc(raw["occurred_at"]),
        status=Status(raw["status"]),
        description=raw.get("description"),
        location=Location.from_dict(raw.get("location")),
        carrier_status=raw.get("carrier_status"),
        delayed=bool(raw.get("delayed")),
    )


def _optional_time(value: datetime | None) -> str | None:
    return format_utc(value) if value else None


def _parse_optional_time(value: str | None) -> datetime | None:
    return parse_utc(value) if value else None


# Attributes the state and registration own; any other attribute on the item
# (a rating, a feedback request) rides along untouched in `extra`. The index keys
# are recomputed on every write.
_STATE_ATTRIBUTES = frozenset(
    (
        "pk sk record_type carrier tracking_number status status_at events estimated_delivery "
        "estimate_as_of delayed delay_reason delay_since reached last_event_at version order_id "
        "token first_name locale registered_at return_id updated_at due_shard due_at delay_list "
        "delay_since_key"
    ).split()
)


def shipment_from_item(item: Mapping[str, Any]) -> ShipmentRecord:
    raw = decode_item(item)
    carrier, tracking = raw["carrier"], raw["tracking_number"]
    state = ShipmentState(
        carrier=carrier,
        tracking_number=tracking,
        status=Status(raw.get("status", Status.PENDING.value)),
        status_at=_parse_optional_time(raw.get("status_at")),
        events=tuple(_event_from_value(carrier, tracking, e) for e in raw.get("events", [])),
        estimated_delivery=raw.get("estimated_delivery"),
        estimate_as_of=_parse_optional_time(raw.get("estimate_as_of")),
        delayed=bool(raw.get("delayed")),
        delay_reason=DelayReason(raw["delay_reason"]) if raw.get("delay_reason") else None,
        delay_since=_parse_optional_time(raw.get("delay_since")),
        reached=frozenset(Status(value) for value in raw.get("reached", [])),
        last_event_at=_parse_optional_time(raw.get("last_event_at")),
        pending_until=_parse_optional_time(raw.get("pending_until")),
    )
    registration = None
    if raw.get("order_id") and raw.get("token"):
        registration = Registration(
            order_id=raw["order_id"],
            token=raw["token"],
            first_name=raw.get("first_name", ""),
            locale=raw.get("locale", "tr"),
            registered_at=parse_utc(raw["registered_at"]),
            return_id=raw.get("return_id"),
        )
    extra = {key: value for key, value in raw.items() if key not in _STATE_ATTRIBUTES}
    return ShipmentRecord(state, int(raw.get("version", 0)), registration, extra)


def shipment_to_item(record: ShipmentRecord, version: int, now: datetime) -> Item:
    state = record.state
    values: dict[str, Any] = {
        **record.extra,
        "pk": shipment_pk(state.carrier, state.tracking_number),
        "sk": "STATE",
        "record_type": "shipment",
        "carrier": state.carrier,
        "tracking_number": state.tracking_number,
        "status": state.status.value,
        "status_at": _optional_time(state.status_at),
        "events": [_event_to_value(event) for event in state.events],
        "estimated_delivery": state.estimated_delivery,
        "estimate_as_of": _optional_time(state.estimate_as_of),
        "delayed": state.delayed,
        "delay_reason": state.delay_reason.value if state.delay_reason else None,
        "delay_since": _optional_time(state.delay_since),
        "reached": sorted(status.value for status in state.reached),
        "last_event_at": _optional_time(state.last_event_at),
        "pending_until": _optional_time(state.pending_until),
        "version": version,
        "updated_at": format_utc(now),
    }
    if record.registration:
        reg = record.registration
        values |= {
            "order_id": reg.order_id,
            "token": reg.token,
            "first_name": reg.first_name,
            "locale": reg.locale,
            "registered_at": format_utc(reg.registered_at),
            "return_id": reg.return_id,
        }
        values |= _index_attributes(record)
    return encode_item(values)


def clock_facts(record: ShipmentRecord) -> ClockFacts | None:
    reg = record.registration
    if reg is None:
        return None
    return ClockFacts(
        registered_at=reg.registered_at,
        feedback_requested=bool(record.extra.get("feedback_requested_at")),
        rated=bool(record.extra.get("feedback")),
        is_return=reg.return_id is not None,
        thanked=bool(record.extra.get("thanked_at")),
    )


def _index_attributes(record: ShipmentRecord) -> dict[str, Any]:
    """Sparse-index keys: present only while the item must be found by them.

    `due_*` puts the shipment in the scan's index until its next check;
    `delay_*` lists it among the shop's delayed shipments while it is late."""
    facts = clock_facts(record)
    assert facts is not None
    state, values = record.state, {}
    due = next_check(state, facts, settings().timings)
    if due is not None:
        values["due_shard"] = due_shard(shipment_pk(state.carrier, state.tracking_number))
        values["due_at"] = format_utc(due)
    values |= poll_index_attributes(state.carrier, state.tracking_number, state.status)
    if state.delayed and not state.status.is_final and state.delay_since:
        values["delay_list"] = DELAYED_PARTITION
        values["delay_since_key"] = (
            f"{format_utc(state.delay_since)}#{state.carrier}#{state.tracking_number}"
        )
    elif trending_late(record):
        # The same sparse index, its own partition: the console lists shipments
        # predicted past their estimate before they are late (soonest estimate first).
        values["delay_list"] = TRENDING_PARTITION
        values["delay_since_key"] = (
            f"{state.estimated_delivery}#{state.carrier}#{state.tracking_number}"
        )
    return values


def trending_late(record: ShipmentRecord) -> bool:
    """Predicted (`prediction`, see chalicelib/predictions.py) past the end of the
    estimated day, not late yet and not done."""
    from chalicelib.domain.prediction import Prediction, is_trending_late
    from chalicelib.stats.aggregate import estimate_day

    state = record.state
    if state.delayed or state.status.is_final or "prediction" not in record.extra:
        return False
    promised = estimate_day(state.estimated_delivery, settings().zone)
    return is_trending_late(Prediction.from_json(record.extra["prediction"]), promised)


def query_trending_late(limit: int) -> list[ShipmentRecord]:
    """Shipments trending late, soonest estimate first: one Query."""
    response = aws.dynamodb().query(
        TableName=table_name(),
        IndexName=DELAY_INDEX,
        KeyConditionExpression="delay_list = :trending",
        ExpressionAttributeValues={":trending": {"S": TRENDING_PARTITION}},
        ScanIndexForward=True,
        Limit=limit,
    )
    return [shipment_from_item(item) for item in response.get("Items", [])]


def load_shipment(carrier: str, tracking_number: str) -> ShipmentRecord | None:
    response = aws.dynamodb().get_item(
        TableName=table_name(),
        Key=item_key(shipment_pk(carrier, tracking_number), "STATE"),
        ConsistentRead=True,
    )
    item = response.get("Item")
    return shipment_from_item(item) if item else None


def load_shipments(keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], ShipmentRecord]:
    """Many shipments in as few BatchGetItem calls as DynamoDB allows (100 keys each)."""
    unique = list(dict.fromkeys(keys))
    records = (
        shipment_from_item(item)
        for item in batch_get([item_key(shipment_pk(*key), "STATE") for key in unique])
    )
    return {record.key: record for record in records}


def query_delayed(
    start: dict[str, Any] | None, limit: int
) -> tuple[list[ShipmentRecord], dict[str, Any] | None]:
    kwargs: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": DELAY_INDEX,
        "KeyConditionExpression": "delay_list = :delayed",
        "ExpressionAttributeValues": {":delayed": {"S": DELAYED_PARTITION}},
        "ScanIndexForward": True,  # oldest delay first: longest-delayed first
        "Limit": limit,
    }
    if start:
        kwargs["ExclusiveStartKey"] = start
    response = aws.dynamodb().query(**kwargs)
    records = [shipment_from_item(item) for item in response.get("Items", [])]
    last = response.get("LastEvaluatedKey")
    return records, dict(last) if last else None


def claim_shipment_update(
    key: tuple[str, str],
    registration: Registration,
    now: datetime,
    estimated_delivery: str | None = None,
) -> dict[str, Any]:
    """Attach a shipment (which may already hold carrier events) to an order.

    Bumps the version, so a consumer that read the shipment before the claim
    retries and writes its outbox rows with the order attached.
    """
    carrier, tracking = key
    names = {"#version": "version", "#status": "status", "#token": "token"}
    values = {
        ":order": registration.order_id,
        ":token": registration.token,
        ":first_name": registration.first_name,
        ":locale": registration.locale,
        ":registered_at": format_utc(registration.registered_at),
        ":carrier": carrier,
        ":tracking": tracking,
        ":pending": Status.PENDING.value,
        ":shipment": "shipment",
        ":one": 1,
        ":zero": 0,
        ":now": format_utc(now),
        ":events": [],
        ":due_shard": due_shard(shipment_pk(carrier, tracking)),
    }
    assignments = [
        "order_id = :order",
        "#token = :token",
        "first_name = :first_name",
        "locale = :locale",
        "registered_at = :registered_at",
        "carrier = :carrier",
        "tracking_number = :tracking",
        "#status = if_not_exists(#status, :pending)",
        "events = if_not_exists(events, :events)",
        "record_type = :shipment",
        "updated_at = :now",
        "#version = if_not_exists(#version, :zero) + :one",
        # Due at once: the next scan works out the real schedule.
        "due_shard = :due_shard",
        "due_at = :registered_at",
    ]
    # Polled from registration (tier `regular`); the scan's rewrite right after
    # fixes the tier when the shipment already had carrier events.
    polled = poll_index_attributes(carrier, tracking, Status.PENDING)
    polled = {name: value for name, value in polled.items() if value is not None}
    assignments += [f"{name} = :{name}" for name in polled]
    values |= {f":{name}": value for name, value in polled.items()}
    if registration.return_id:
        assignments.append("return_id = :return_id")
        values[":return_id"] = registration.return_id
    if estimated_delivery:
        # The merchant's estimate stands until a carrier gives one.
        assignments.append("estimated_delivery = if_not_exists(estimated_delivery, :estimate)")
        values[":estimate"] = estimated_delivery
    return {
        "TableName": table_name(),
        "Key": item_key(shipment_pk(carrier, tracking), "STATE"),
        "UpdateExpression": "SET " + ", ".join(assignments),
        "ConditionExpression": "attribute_not_exists(order_id)",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": {name: encode_value(v) for name, v in values.items()},
    }
