"""Outbox rows: one per change to tell about, written in the same transaction as
the change itself; the DynamoDB stream carries each new row to the notifier.

| item                 | pk                          | sk               |
|----------------------|-----------------------------|------------------|
| shipment outbox row  | SHIP#{carrier}#{tracking}   | OUT#{change_id}  |
| order-wide outbox row| ORDER#{order_id}            | OUT#{change_id}  |

Each builder returns the `Put` for a transaction, conditional on the row being
new, so a retried write never tells the same change twice. Rows expire after
`OUTBOX_RETENTION` (the table's TTL).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.events import format_utc
from chalicelib.domain.shipment import Change
from chalicelib.domain.status import Status
from chalicelib.dynamo_codec import Item, encode_item
from chalicelib.store.shipments import ShipmentRecord
from chalicelib.store.table import order_pk, shipment_pk, table_name

OUTBOX_RETENTION = timedelta(days=90)


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


def outbox_put(
    record: ShipmentRecord, change: Change, now: datetime, **extra: Any
) -> dict[str, Any]:
    return {
        "TableName": table_name(),
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
    return {
        "TableName": table_name(),
        "Item": item,
        "ConditionExpression": "attribute_not_exists(pk)",
    }
