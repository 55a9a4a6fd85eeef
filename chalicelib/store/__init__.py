"""The DynamoDB single table: keys, item shapes, conditional writes, lookups.

| item              | pk                          | sk                  |
|-------------------|-----------------------------|---------------------|
| order             | ORDER#{order_id}            | ORDER               |
| notification log  | ORDER#{order_id}            | NOTE#{note_id}      |
| shipment state    | SHIP#{carrier}#{tracking}   | STATE               |
| outbox row        | SHIP#{carrier}#{tracking}   | OUT#{change_id}     |

A tracking token seals its shipment's key (chalicelib/tokens.py), so the lookup is
one consistent GetItem and no index copies the state. Every write that depends on
what was read is guarded by a condition on `version`, never read-then-write
without one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib import aws
from chalicelib.config import settings
from chalicelib.domain.events import Location, TrackingEvent, format_utc, parse_utc
from chalicelib.domain.shipment import Change, DelayReason, MergeResult, ShipmentState
from chalicelib.domain.status import Status
from chalicelib.domain.timing import ClockFacts, next_check
from chalicelib.dynamo_codec import Item, decode_item, encode_item, encode_value
from chalicelib.poll.schedule import poll_index_attributes
from chalicelib.store.schema import DELAY_INDEX as DELAY_INDEX
from chalicelib.store.schema import DUE_INDEX as DUE_INDEX

# The due index is sharded so that 10 million open shipments do not share one
# GSI partition; the scan queries every shard.
DUE_SHARDS = 16
DELAYED_PARTITION = "DELAYED"
TRENDING_PARTITION = "TRENDING"  # predicted past the estimate, not late yet
OUTBOX_RETENTION = timedelta(days=90)


class ConcurrentUpdate(Exception):
    """Someone else wrote the item between our read and our write: read again."""


def _table() -> str:
    return settings().table_name


def shipment_pk(carrier: str, tracking_number: str) -> str:
    return f"SHIP#{carrier}#{tracking_number}"


def order_pk(order_id: str) -> str:
    return f"ORDER#{order_id}"


# --- shipments -------------------------------------------------------------------


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
        TableName=_table(),
        IndexName=DELAY_INDEX,
        KeyConditionExpression="delay_list = :trending",
        ExpressionAttributeValues={":trending": {"S": TRENDING_PARTITION}},
        ScanIndexForward=True,
        Limit=limit,
    )
    return [shipment_from_item(item) for item in response.get("Items", [])]


def due_shard(pk: str) -> str:
    digest = hashlib.sha256(pk.encode()).digest()
    return f"DUE#{digest[0] % DUE_SHARDS:02d}"


def get_raw_item(pk: str, sk: str) -> dict[str, Any] | None:
    response = aws.dynamodb().get_item(TableName=_table(), Key=_key(pk, sk), ConsistentRead=True)
    item = response.get("Item")
    return dict(item) if item else None


# Unprocessed keys (throttling) are asked for again, after a jittered backoff.
BATCH_GET_ROUNDS = 8


def _back_off(round_number: int) -> None:
    import time

    from chalicelib.retry import backoff_delay

    time.sleep(backoff_delay(round_number))


def get_raw_items(keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Many items by (pk, sk), read consistently, 100 per BatchGetItem: the scan's
    keys-only index page costs one read call instead of one per item."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), 100):
        pending: dict[str, Any] = {
            _table(): {
                "Keys": [_key(pk, sk) for pk, sk in unique[start : start + 100]],
                "ConsistentRead": True,
            }
        }
        for round_number in range(BATCH_GET_ROUNDS):
            response = aws.dynamodb().batch_get_item(RequestItems=pending)
            for item in response.get("Responses", {}).get(_table(), []):
                found[(item["pk"]["S"], item["sk"]["S"])] = dict(item)
            pending = dict(response.get("UnprocessedKeys") or {})
            if not pending:
                break
            _back_off(round_number)
        else:
            raise RuntimeError("BatchGetItem kept returning unprocessed keys")
    return found


def load_shipment(carrier: str, tracking_number: str) -> ShipmentRecord | None:
    response = aws.dynamodb().get_item(
        TableName=_table(),
        Key=_key(shipment_pk(carrier, tracking_number), "STATE"),
        ConsistentRead=True,
    )
    item = response.get("Item")
    return shipment_from_item(item) if item else None


def load_shipments(keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], ShipmentRecord]:
    """Many shipments in as few BatchGetItem calls as DynamoDB allows (100 keys each)."""
    found: dict[tuple[str, str], ShipmentRecord] = {}
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), 100):
        pending: dict[str, Any] = {
            _table(): {
                "Keys": [_key(shipment_pk(*key), "STATE") for key in unique[start : start + 100]],
                "ConsistentRead": True,
            }
        }
        for round_number in range(BATCH_GET_ROUNDS):
            response = aws.dynamodb().batch_get_item(RequestItems=pending)
            for item in response.get("Responses", {}).get(_table(), []):
                record = shipment_from_item(item)
                found[record.key] = record
            pending = dict(response.get("UnprocessedKeys") or {})
            if not pending:
                break
            _back_off(round_number)  # throttled: AWS asks for exponential backoff
        else:
            raise RuntimeError("BatchGetItem kept returning unprocessed keys")
    return found


@dataclass(frozen=True)
class TrackedShipment:
    """A shipment found by its token, with the order it was registered with."""

    record: ShipmentRecord
    order: StoredOrder | None


def find_shipment_by_token(token: str) -> TrackedShipment | None:
    """The public lookup: one consistent BatchGetItem, no index.

    The token seals the shipment's key and its order's id (chalicelib/tokens.py),
    so the state and the order (what the shopper may do) come in one call; the
    caller still checks the stored token equals the given one."""
    from chalicelib import tokens

    key = tokens.open_token(token)
    if key is None:
        return None
    state_key = (shipment_pk(key.carrier, key.tracking_number), "STATE")
    order_key = (order_pk(key.order_id), "ORDER")
    items = get_raw_items([state_key, order_key])
    state, order = items.get(state_key), items.get(order_key)
    if state is None:
        return None
    return TrackedShipment(shipment_from_item(state), _stored_order(order) if order else None)


def outbox_item(record: ShipmentRecord, change: Change, now: datetime, **extra: Any) -> Item:
    state, reg = record.state, record.registration
    if reg and reg.return_id:
        change = _as_return_change(change)
    return encode_item(
        {
            **extra,
            "pk": shipment_pk(state.carrier, state.tracking_number),
            "sk": f"OUT#{change.change_id}",
            "record_type": "outbox",
            "change_id": change.change_id,
            "kind": change.kind,
            "status": change.status.value,
            "previous_status": change.previous_status.value,
            "occurred_at": format_utc(change.occurred_at),
            "notify_customer": change.notify_customer,
            "delay_reason": change.delay_reason.value if change.delay_reason else None,
            "delayed": state.delayed,
            "with_delay": change.with_delay or None,
            "estimated_delivery": state.estimated_delivery,
            "carrier": state.carrier,
            "tracking_number": state.tracking_number,
            "order_id": reg.order_id if reg else None,
            "tracking_token": reg.token if reg else None,
            "return_id": reg.return_id if reg else None,
            "created_at": format_utc(now),
            "expires_at": int((now + OUTBOX_RETENTION).timestamp()),
        }
    )


def _as_return_change(change: Change) -> Change:
    """On a return the shopper is the sender: only its arrival at the shop is
    news to them (`return_received`); its other moves are the shop's business."""
    if change.kind == Status.DELIVERED.value:
        return replace(change, kind="return_received", notify_customer=True)
    if change.kind in ("refunded",):
        return change
    return replace(change, notify_customer=False)


def save_merge(record: ShipmentRecord, result: MergeResult, now: datetime) -> None:
    """Write the merged state and one outbox row per change in one transaction.

    The state write is conditional on the version we read, so a concurrent
    writer makes this raise `ConcurrentUpdate` instead of losing its update.
    Changes are written only for registered shipments: nobody to tell otherwise.
    """
    save_merges([(record, result)], now)


def save_merges(merges: Sequence[tuple[ShipmentRecord, MergeResult]], now: datetime) -> None:
    """Several shipments' merges in one transaction: all land or none do."""
    writes: list[dict[str, Any]] = []
    for record, result in merges:
        merged = replace(record, state=result.state)
        item = shipment_to_item(merged, record.version + 1, now)
        writes.append({"Put": _guarded_put(item, record.version)})
        if record.registration:
            writes += [{"Put": _outbox_put(merged, change, now)} for change in result.changes]
    if writes:
        _transact(writes)


def _outbox_put(
    record: ShipmentRecord, change: Change, now: datetime, **extra: Any
) -> dict[str, Any]:
    return {
        "TableName": _table(),
        "Item": outbox_item(record, change, now, **extra),
        "ConditionExpression": "attribute_not_exists(pk)",
    }


def order_outbox_put(
    order_id: str,
    kind: str,
    occurred_at: datetime,
    shipments: Sequence[Mapping[str, Any]],
    now: datetime,
    *,
    change_id: str | None = None,
    notify_customer: bool = True,
    status: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An outbox row about the whole order (`order_confirmed`, an order-wide
    `cancelled`, the shopper's requests and the shop's answers): one message per
    channel for the order, not one per shipment. `extra` rides along (request ids,
    reasons) for the messages and the shop's events."""
    first = shipments[0] if shipments else {}
    change_id = change_id or f"{format_utc(occurred_at)}#{kind}"
    if status is None:
        status = Status.CANCELLED.value if kind == "cancelled" else Status.PENDING.value
    item = encode_item(
        {
            **extra,
            "pk": order_pk(order_id),
            "sk": f"OUT#{change_id}",
            "record_type": "outbox",
            "order_wide": True,
            "change_id": change_id,
            "kind": kind,
            "status": status,
            "occurred_at": format_utc(occurred_at),
            "notify_customer": notify_customer,
            "order_id": order_id,
            # The first shipment names the row (the log's carrier and tracking number).
            "carrier": first.get("carrier"),
            "tracking_number": first.get("tracking_number"),
            "tracking_token": first.get("tracking_token"),
            "shipments": [
                {key: entry.get(key) for key in ("carrier", "tracking_number", "tracking_token")}
                for entry in shipments
            ],
            "created_at": format_utc(now),
            "expires_at": int((now + OUTBOX_RETENTION).timestamp()),
        }
    )
    return {"TableName": _table(), "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}


def save_order_cancellation(
    order_id: str,
    document: dict[str, Any],
    read_version: int,
    merges: Sequence[tuple[ShipmentRecord, MergeResult]],
    now: datetime,
) -> None:
    """The order marked cancelled, every shipment cancelled, and one order-wide
    outbox row for the shopper: all in one transaction."""
    writes: list[dict[str, Any]] = [
        {"Update": _order_document_update(order_id, document, read_version)},
        {"Put": order_outbox_put(order_id, "cancelled", now, document["shipments"], now)},
    ]
    for record, result in merges:
        merged = replace(record, state=result.state)
        item = shipment_to_item(merged, record.version + 1, now)
        writes.append({"Put": _guarded_put(item, record.version)})
        if record.registration:
            writes += [{"Put": _outbox_put(merged, change, now)} for change in result.changes]
    _transact(writes)


def save_order_decision(
    order_id: str,
    document: dict[str, Any],
    read_version: int,
    outbox: Sequence[dict[str, Any]],
    *,
    unchanged_shipments: Sequence[ShipmentRecord] = (),
    claim: tuple[tuple[str, str], Registration] | None = None,
    now: datetime | None = None,
) -> None:
    """The shopper's self-service: the order document (guarded by its version) and
    the outbox rows of one request or decision, in one transaction.

    `unchanged_shipments` must still be at the version read (a carrier's pickup
    landing meanwhile fails the write: the request is decided on what is true);
    `claim` attaches a return shipment (an approved return request)."""
    writes: list[dict[str, Any]] = [
        {"Update": _order_document_update(order_id, document, read_version)}
    ]
    writes += [{"Put": put} for put in outbox]
    for record in unchanged_shipments:
        writes.append(
            {
                "ConditionCheck": {
                    "TableName": _table(),
                    "Key": _key(shipment_pk(*record.key), "STATE"),
                    "ConditionExpression": "#version = :read_version",
                    "ExpressionAttributeNames": {"#version": "version"},
                    "ExpressionAttributeValues": {":read_version": {"N": str(record.version)}},
                }
            }
        )
    if claim is not None:
        key, registration = claim
        writes.append(
            {"Update": _claim_shipment(key, registration, now or registration.registered_at)}
        )
    _transact(writes)


def record_refund(
    order_id: str,
    document: dict[str, Any],
    read_version: int,
    record: ShipmentRecord,
    change: Change,
    refund: dict[str, Any],
    now: datetime,
) -> None:
    """The order's return gets its refund and the shopper's outbox row, together."""
    outbox = _outbox_put(record, change, now, amount=refund["amount"], currency=refund["currency"])
    _transact(
        [{"Update": _order_document_update(order_id, document, read_version)}, {"Put": outbox}]
    )


def query_delayed(
    start: dict[str, Any] | None, limit: int
) -> tuple[list[ShipmentRecord], dict[str, Any] | None]:
    kwargs: dict[str, Any] = {
        "TableName": _table(),
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


def _guarded_put(item: Item, read_version: int) -> dict[str, Any]:
    put: dict[str, Any] = {"TableName": _table(), "Item": item}
    if read_version == 0:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        put["ConditionExpression"] = "#version = :read_version"
        put["ExpressionAttributeNames"] = {"#version": "version"}
        put["ExpressionAttributeValues"] = {":read_version": {"N": str(read_version)}}
    return put


def _transact(writes: list[dict[str, Any]]) -> None:
    client = aws.dynamodb()
    try:
        if len(writes) == 1 and "Put" in writes[0]:
            client.put_item(**writes[0]["Put"])
        elif len(writes) == 1 and "Update" in writes[0]:
            client.update_item(**writes[0]["Update"])
        else:
            client.transact_write_items(TransactItems=writes)  # type: ignore[arg-type]
    except client.exceptions.ConditionalCheckFailedException as error:
        raise ConcurrentUpdate() from error
    except client.exceptions.TransactionCanceledException as error:
        reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
        if "ConditionalCheckFailed" in reasons:
            raise ConcurrentUpdate() from error
        raise


# --- orders ----------------------------------------------------------------------


def _key(pk: str, sk: str) -> Item:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


@dataclass(frozen=True)
class StoredOrder:
    document: dict[str, Any]  # the order as registered, shipments with their tokens
    version: int
    request_hash: str


def load_order(order_id: str) -> StoredOrder | None:
    response = aws.dynamodb().get_item(
        TableName=_table(), Key=_key(order_pk(order_id), "ORDER"), ConsistentRead=True
    )
    item = response.get("Item")
    return _stored_order(item) if item else None


def _stored_order(item: Mapping[str, Any]) -> StoredOrder:
    raw = decode_item(dict(item))
    return StoredOrder(raw["document"], int(raw.get("version", 1)), raw.get("request_hash", ""))


def register_order(
    document: dict[str, Any],
    request_hash: str,
    registrations: Sequence[tuple[tuple[str, str], Registration, str | None]],
    now: datetime,
    *,
    confirm: bool = False,
) -> None:
    """Create the order and claim its shipments, all or nothing; with `confirm`,
    also the `order_confirmed` outbox row (the shopper's first message).

    Raises `ConcurrentUpdate` when the order id exists already or a shipment
    belongs to another order (the caller reads again to tell which).
    """
    order_put = {
        "TableName": _table(),
        "Item": encode_item(
            {
                "pk": order_pk(document["order_id"]),
                "sk": "ORDER",
                "record_type": "order",
                "document": document,
                "request_hash": request_hash,
                "version": 1,
                "created_at": format_utc(now),
            }
        ),
        "ConditionExpression": "attribute_not_exists(pk)",
    }
    writes: list[dict[str, Any]] = [{"Put": order_put}]
    writes += [
        {"Update": _claim_shipment(key, reg, now, estimate)} for key, reg, estimate in registrations
    ]
    if confirm:
        order_id = document["order_id"]
        writes.append(
            {"Put": order_outbox_put(order_id, "order_confirmed", now, document["shipments"], now)}
        )
    _transact(writes)


def add_order_shipment(
    order_id: str,
    document: dict[str, Any],
    read_version: int,
    key: tuple[str, str],
    registration: Registration,
    now: datetime,
    estimated_delivery: str | None = None,
) -> None:
    """Replace the order document (guarded by version) and claim one shipment."""
    order_update = _order_document_update(order_id, document, read_version)
    claim = _claim_shipment(key, registration, now, estimated_delivery)
    _transact([{"Update": order_update}, {"Update": claim}])


def _order_document_update(
    order_id: str, document: dict[str, Any], read_version: int
) -> dict[str, Any]:
    return {
        "TableName": _table(),
        "Key": _key(order_pk(order_id), "ORDER"),
        "UpdateExpression": "SET #document = :document, #version = :next",
        "ConditionExpression": "#version = :read",
        "ExpressionAttributeNames": {"#document": "document", "#version": "version"},
        "ExpressionAttributeValues": {
            ":document": encode_value(document),
            ":next": {"N": str(read_version + 1)},
            ":read": {"N": str(read_version)},
        },
    }


def update_order_document(order_id: str, document: dict[str, Any], read_version: int) -> None:
    """Replace the order document, guarded by the version that was read."""
    _transact([{"Update": _order_document_update(order_id, document, read_version)}])


def _claim_shipment(
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
        "TableName": _table(),
        "Key": _key(shipment_pk(carrier, tracking), "STATE"),
        "UpdateExpression": "SET " + ", ".join(assignments),
        "ConditionExpression": "attribute_not_exists(order_id)",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": {name: encode_value(v) for name, v in values.items()},
    }


# --- notification log ------------------------------------------------------------


@dataclass(frozen=True)
class NotificationEntry:
    id: str
    order_id: str
    channel: str
    kind: str
    carrier: str | None
    tracking_number: str | None
    status: str
    created_at: datetime
    reason: str | None = None  # why it was skipped, held or failed
    occurred_at: datetime | None = None  # of the change it tells about: orders the log
    delayed: bool = False  # the message also told of a delay

    def as_public(self) -> dict[str, Any]:
        view: dict[str, Any] = {
            "id": self.id,
            "channel": self.channel,
            "kind": self.kind,
            "carrier": self.carrier,
            "tracking_number": self.tracking_number,
            "status": self.status,
            "created_at": format_utc(self.created_at),
            "delayed": self.delayed,
        }
        if self.status in ("skipped", "held", "failed", "retrying"):
            view["reason"] = self.reason or "unknown"
        return view


def claim_notification(
    entry: NotificationEntry,
    *,
    allow_retrying: bool = True,
    hold_until: datetime | None = None,
    held_row: dict[str, Any] | None = None,
) -> bool:
    """Record a notification before sending it. False: it was claimed before
    (a redelivered stream record), so it must not be sent again. A claim
    released after a throttled send (`retrying`) may be taken again."""
    client = aws.dynamodb()
    item = encode_item(
        {
            "pk": order_pk(entry.order_id),
            "sk": f"NOTE#{entry.id}",
            "record_type": "notification",
            "id": entry.id,
            "order_id": entry.order_id,
            "channel": entry.channel,
            "kind": entry.kind,
            "carrier": entry.carrier,
            "tracking_number": entry.tracking_number,
            "status": entry.status,
            "created_at": format_utc(entry.created_at),
            "reason": entry.reason,
            "delayed": entry.delayed or None,
            "occurred_at": format_utc(entry.occurred_at) if entry.occurred_at else None,
            # A held SMS waits in the scan's due index until quiet hours end.
            "due_shard": due_shard(order_pk(entry.order_id)) if hold_until else None,
            "due_at": format_utc(hold_until) if hold_until else None,
            "held_row": held_row,
        }
    )
    condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
    if allow_retrying:
        condition = {
            "ConditionExpression": "attribute_not_exists(pk) OR #status = :retrying",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":retrying": {"S": "retrying"}},
        }
    try:
        client.put_item(TableName=_table(), Item=item, **condition)
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def claim_event(order_id: str, event_id: str, now: datetime) -> bool:
    """Mark a shop event as published. False: it was published before."""
    client = aws.dynamodb()
    try:
        client.put_item(
            TableName=_table(),
            Item=encode_item(
                {
                    "pk": order_pk(order_id),
                    "sk": f"EVT#{event_id}",
                    "record_type": "event_claim",
                    "created_at": format_utc(now),
                    "expires_at": int((now + OUTBOX_RETENTION).timestamp()),
                }
            ),
            ConditionExpression="attribute_not_exists(pk)",
        )
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def release_event(order_id: str, event_id: str) -> None:
    aws.dynamodb().delete_item(TableName=_table(), Key=_key(order_pk(order_id), f"EVT#{event_id}"))


def take_held_notification(order_id: str, note_id: str) -> bool:
    """Move a held SMS to sending, out of the due index. False: already taken."""
    client = aws.dynamodb()
    try:
        client.update_item(
            TableName=_table(),
            Key=_key(order_pk(order_id), f"NOTE#{note_id}"),
            UpdateExpression="SET #status = :sending REMOVE due_shard, due_at",
            ConditionExpression="#status = :held",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":sending": {"S": "sending"}, ":held": {"S": "held"}},
        )
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def settle_held_notification(order_id: str, note_id: str, status: str, reason: str) -> bool:
    """End a held message without sending it (superseded). False: already taken."""
    client = aws.dynamodb()
    try:
        client.update_item(
            TableName=_table(),
            Key=_key(order_pk(order_id), f"NOTE#{note_id}"),
            UpdateExpression="SET #status = :status, reason = :reason REMOVE due_shard, due_at",
            ConditionExpression="#status = :held",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":status": {"S": status},
                ":reason": {"S": reason},
                ":held": {"S": "held"},
            },
        )
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def held_notifications(order_id: str) -> list[dict[str, Any]]:
    """The order's log entries still held or being sent (quiet hours' candidates)."""
    return [
        raw
        for raw in _query_all(order_pk(order_id), "NOTE#")
        if raw.get("status") in ("held", "sending", "sent") and raw.get("held_row")
    ]


def release_notification(order_id: str, note_id: str) -> None:
    """Nothing was sent (the provider was busy): let the next delivery claim it."""
    finish_notification(order_id, note_id, "retrying", None)


def finish_notification(order_id: str, note_id: str, status: str, reason: str | None) -> None:
    values: dict[str, Any] = {":status": {"S": status}}
    expression = "SET #status = :status"
    if reason:
        expression += ", reason = :reason"
        values[":reason"] = {"S": reason[:500]}
    aws.dynamodb().update_item(
        TableName=_table(),
        Key=_key(order_pk(order_id), f"NOTE#{note_id}"),
        UpdateExpression=expression,
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues=values,
    )


# A claim older than this whose send never reported back (the sender died
# mid-send) is shown as failed: nobody can tell whether it went out.
IN_FLIGHT_GRACE = timedelta(minutes=5)


def list_notifications(order_id: str, now: datetime) -> list[NotificationEntry]:
    """Oldest first. Sends still in flight are not notifications yet."""
    entries: list[NotificationEntry] = []
    for raw in _query_all(order_pk(order_id), "NOTE#"):
        # An e-mail or SMS being sent, or released for the stream to retry, is in
        # flight: not listed until it settles, `failed` if it never does.
        in_flight = raw["status"] == "sending" or (
            raw["status"] == "retrying" and raw["channel"] in ("email", "sms", "whatsapp")
        )
        if in_flight:
            if now - parse_utc(raw["created_at"]) < IN_FLIGHT_GRACE:
                continue
            raw |= {"status": "failed", "reason": "outcome_unknown"}
        entries.append(
            NotificationEntry(
                id=raw["id"],
                order_id=order_id,
                channel=raw["channel"],
                kind=raw["kind"],
                carrier=raw.get("carrier"),
                tracking_number=raw.get("tracking_number"),
                status=raw["status"],
                created_at=parse_utc(raw["created_at"]),
                reason=raw.get("reason"),
                occurred_at=parse_utc(raw["occurred_at"]) if raw.get("occurred_at") else None,
                delayed=bool(raw.get("delayed")),
            )
        )
    return sorted(entries, key=_log_order)


_CHANNEL_ORDER = {"email": 0, "sms": 1, "whatsapp": 2, "webhook": 3, "merchant": 4}


def _log_order(entry: NotificationEntry) -> tuple[Any, ...]:
    """Oldest first; messages for one change in a fixed order: what changed
    before the delay it brought, e-mail before SMS before the shop's systems."""
    return (
        entry.created_at,
        entry.occurred_at or entry.created_at,
        entry.kind == "delayed",
        _CHANNEL_ORDER.get(entry.channel, 9),
        entry.id,
    )


def _query_all(pk: str, sk_prefix: str) -> Iterable[dict[str, Any]]:
    kwargs: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
        "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": sk_prefix}},
    }
    while True:
        response = aws.dynamodb().query(**kwargs)
        for item in response.get("Items", []):
            yield decode_item(item)
        if "LastEvaluatedKey" not in response:
            return
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
