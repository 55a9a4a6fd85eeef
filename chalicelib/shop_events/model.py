"""The event a shop's systems receive, built from the same outbox rows that drive
customer notifications: one source of truth for "what changed".

The JSON Schema of `KargoEvent` is published at `docs/events.schema.json`.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.config import settings
from chalicelib.domain.events import format_utc

EventType = Literal[
    "shipment.status_changed",
    "shipment.delayed",
    "feedback.received",
    "return.received",
    "order.cancelled",
    "cancellation.requested",
    "return.requested",
    "return.decided",
    "issue.reported",
]
# Outbox kinds that are messages to people, not news for the shop's systems.
MESSAGE_ONLY_KINDS = frozenset(
    {"order_confirmed", "feedback_request", "thank_you", "refunded", "cancellation_declined"}
)
# The shopper's self-service (order-wide rows): the shop's event for each.
REQUEST_EVENTS: dict[str, EventType] = {
    "cancelled": "order.cancelled",
    "cancellation_request": "cancellation.requested",
    "return_request": "return.requested",
    "return_approved": "return.decided",
    "return_declined": "return.decided",
    "issue": "issue.reported",
}
# What a request's event carries besides the order: never the shopper's comment.
REQUEST_FIELDS = ("request_id", "reason", "resolution", "decision", "issue_kind")


class EventData(BaseModel):
    model_config = ConfigDict(extra="allow")  # feedback and returns add their own fields

    order_id: str
    carrier: str | None  # None only on an order-wide event of an order without shipments
    tracking_number: str | None
    status: str
    previous_status: str | None = None
    delayed: bool = False
    delay_reason: str | None = None
    estimated_delivery: str | None = None
    occurred_at: str
    tracking_url: str | None = None


class KargoEvent(BaseModel):
    id: str  # stable for one change: receivers dedupe on it (it is the webhook-id)
    type: EventType
    created_at: str
    data: EventData


def event_type_for(row: dict[str, Any]) -> EventType | None:
    """The shop event an outbox row makes, or None for a message-only row."""
    kind = row["kind"]
    if kind in MESSAGE_ONLY_KINDS:
        return None
    if row.get("order_wide"):
        return REQUEST_EVENTS.get(kind)
    if kind == "delayed":
        return "shipment.delayed"
    if kind == "feedback":
        return "feedback.received"
    if kind == "return_received":
        return "return.received"
    return "shipment.status_changed"


def event_id_for(row: dict[str, Any], event_type: str) -> str:
    identity = f"{row['carrier']}#{row['tracking_number']}#{row['change_id']}#{event_type}"
    return "evt_" + hashlib.sha256(identity.encode()).hexdigest()[:26]


def event_from_outbox(row: dict[str, Any], now: datetime) -> KargoEvent | None:
    event_type = event_type_for(row)
    if event_type is None:
        return None
    token = row.get("tracking_token")
    fields = ("score", "return_id", *REQUEST_FIELDS)
    extra = {key: row[key] for key in fields if row.get(key) is not None}
    if row.get("order_wide"):
        extra["shipments"] = [
            {"carrier": entry["carrier"], "tracking_number": entry["tracking_number"]}
            for entry in row.get("shipments") or ()
        ]
    data = EventData(
        order_id=row["order_id"],
        carrier=row["carrier"],
        tracking_number=row["tracking_number"],
        status=row["status"],
        previous_status=row.get("previous_status"),
        delayed=bool(row.get("delayed")),
        delay_reason=row.get("delay_reason"),
        estimated_delivery=row.get("estimated_delivery"),
        occurred_at=row["occurred_at"],
        tracking_url=settings().tracking_url(token) if token else None,
        **extra,
    )
    return KargoEvent(
        id=event_id_for(row, event_type),
        type=event_type,
        created_at=row.get("created_at") or format_utc(now),
        data=data,
    )
