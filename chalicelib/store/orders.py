"""Order items, and the transactions that change an order together with its
shipments and outbox rows.

| item   | pk                 | sk     |
|--------|--------------------|--------|
| order  | ORDER#{order_id}   | ORDER  |

The order document is replaced whole, guarded by the `version` that was read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib import aws
from chalicelib.domain.events import format_utc
from chalicelib.domain.shipment import Change, MergeResult
from chalicelib.dynamo_codec import decode_item, encode_item, encode_value
from chalicelib.store.merges import merge_writes
from chalicelib.store.outbox import order_outbox_put, outbox_put
from chalicelib.store.shipments import Registration, ShipmentRecord, claim_shipment_update
from chalicelib.store.table import item_key, order_pk, shipment_pk, table_name, transact


@dataclass(frozen=True)
class StoredOrder:
    document: dict[str, Any]  # the order as registered, shipments with their tokens
    version: int
    request_hash: str


def load_order(order_id: str) -> StoredOrder | None:
    response = aws.dynamodb().get_item(
        TableName=table_name(), Key=item_key(order_pk(order_id), "ORDER"), ConsistentRead=True
    )
    item = response.get("Item")
    return order_from_item(item) if item else None


def order_from_item(item: Mapping[str, Any]) -> StoredOrder:
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
        "TableName": table_name(),
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
        {"Update": claim_shipment_update(key, reg, now, estimate)}
        for key, reg, estimate in registrations
    ]
    if confirm:
        order_id = document["order_id"]
        writes.append(
            {"Put": order_outbox_put(order_id, "order_confirmed", now, document["shipments"], now)}
        )
    transact(writes)


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
    claim = claim_shipment_update(key, registration, now, estimated_delivery)
    transact([{"Update": order_update}, {"Update": claim}])


def _order_document_update(
    order_id: str, document: dict[str, Any], read_version: int
) -> dict[str, Any]:
    return {
        "TableName": table_name(),
        "Key": item_key(order_pk(order_id), "ORDER"),
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
    transact([{"Update": _order_document_update(order_id, document, read_version)}])


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
    writes += merge_writes(merges, now)
    transact(writes)


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
                    "TableName": table_name(),
                    "Key": item_key(shipment_pk(*record.key), "STATE"),
                    "ConditionExpression": "#version = :read_version",
                    "ExpressionAttributeNames": {"#version": "version"},
                    "ExpressionAttributeValues": {":read_version": {"N": str(record.version)}},
                }
            }
        )
    if claim is not None:
        key, registration = claim
        writes.append(
            {"Update": claim_shipment_update(key, registration, now or registration.registered_at)}
        )
    transact(writes)


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
    outbox = outbox_put(record, change, now, amount=refund["amount"], currency=refund["currency"])
    transact(
        [{"Update": _order_document_update(order_id, document, read_version)}, {"Put": outbox}]
    )
