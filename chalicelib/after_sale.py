"""Use cases after the sale (CONTRACT.md section 8): cancelling an order before it
ships, tracking a return through to the refund, and the shop's delayed list."""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib import store
from chalicelib.api.models import CarrierSlug, TrackingNumber
from chalicelib.config import settings
from chalicelib.domain.events import CarrierUpdate, TrackingEvent, format_utc
from chalicelib.domain.shipment import Change, MergeResult, merge_update
from chalicelib.domain.status import Status
from chalicelib.errors import Conflict, NotFound, ValidationFailed
from chalicelib.orders import order_view, shipment_reference
from chalicelib.retry import wait_before_retry

CANCELLABLE = frozenset({Status.PENDING, Status.INFO_RECEIVED})
# The raw status of the events Kargo itself makes when a shop cancels: pages and
# messages render it in the shopper's language (there is no carrier text to show).
CANCELLED_BY_SHOP = "kargo:cancelled_by_shop"


class ReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    carrier: CarrierSlug
    tracking_number: TrackingNumber
    reason: Annotated[str, Field(max_length=500)] | None = None


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    amount: Annotated[str, Field(pattern=r"^[0-9]{1,9}(\.[0-9]{1,2})?$")]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]

    @field_validator("amount")
    @classmethod
    def _positive(cls, value: str) -> str:
        try:
            if Decimal(value) <= 0:
                raise ValueError("amount must be above zero")
        except InvalidOperation as error:
            raise ValueError("amount must be a decimal number") from error
        return value


# --- cancellation ------------------------------------------------------------------


def cancel_order(
    order_id: str, now: datetime, *, shopper_request: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Every shipment `cancelled` and the shopper told once, or 409 once anything shipped.

    The order document, every shipment and one order-wide outbox row change in one
    transaction, each guarded by the version read, so a carrier event landing
    meanwhile makes the whole cancel retry or refuse. Per-shipment changes feed the
    shop's events; the shopper hears of the cancellation in one message per channel.

    A cancellation the shopper asked for (`request` mode) is settled by this cancel;
    `shopper_request` is the shopper's own (`auto` mode), recorded as granted."""
    from chalicelib.shopper.self_service import settle_cancellation_requests

    for attempt in range(5):
        stored = store.load_order(order_id)
        if stored is None:
            raise NotFound("Unknown order.")
        if stored.document.get("cancelled_at"):
            return order_view(order_id)  # cancelling twice is the same cancel
        keys = [(e["carrier"], e["tracking_number"]) for e in stored.document["shipments"]]
        records = store.load_shipments(keys)
        pending = [records[key] for key in keys if key in records]
        if any(record.state.status not in CANCELLABLE for record in pending):
            raise Conflict("The order can no longer be cancelled: a shipment is on its way.")
        merges = [(record, _cancel(record, now)) for record in pending]
        requests = [*stored.document.get("requests", [])]
        if shopper_request is not None:
            requests.append(shopper_request)
        document = {
            **stored.document,
            "cancelled_at": format_utc(now),
            "requests": settle_cancellation_requests(requests, now),
        }
        try:
            store.save_order_cancellation(order_id, document, stored.version, merges, now)
        except store.ConcurrentUpdate:
            wait_before_retry(attempt)
            continue
        return order_view(order_id)
    raise Conflict("The order is changing right now; try again.")


def refuse_cancelled(document: dict[str, Any]) -> None:
    """A cancelled order takes no new shipments or returns."""
    if document.get("cancelled_at"):
        raise Conflict("This order has been cancelled.")


def _cancel(record: store.ShipmentRecord, now: datetime) -> MergeResult:
    state = record.state
    event = TrackingEvent(
        carrier=state.carrier,
        tracking_number=state.tracking_number,
        occurred_at=max(now, state.last_event_at or now),
        status=Status.CANCELLED,
        carrier_status=CANCELLED_BY_SHOP,
    )
    update = CarrierUpdate(state.carrier, state.tracking_number, (event,))
    result = merge_update(state, update, now)
    # The shopper is told once for the whole order (the order-wide row), not per parcel.
    quiet = tuple(replace(change, notify_customer=False) for change in result.changes)
    return replace(result, changes=quiet)


# --- returns -------------------------------------------------------------------------


def register_return(order_id: str, request: ReturnIn, now: datetime) -> tuple[int, dict[str, Any]]:
    from chalicelib.orders import new_tracking_token, registration_for

    key = (request.carrier, request.tracking_number)
    for attempt in range(5):
        stored = store.load_order(order_id)
        if stored is None:
            raise NotFound("Unknown order.")
        returns = stored.document.get("returns", [])
        for entry in returns:
            if (entry["carrier"], entry["tracking_number"]) == key:
                return 200, _return_reference(entry)
        refuse_cancelled(stored.document)
        entry = {
            "return_id": "ret_" + secrets.token_hex(8),
            "carrier": request.carrier,
            "tracking_number": request.tracking_number,
            "tracking_token": new_tracking_token(*key, order_id),
            "reason": request.reason,
            "created_at": format_utc(now),
            "refund": None,
        }
        document = {**stored.document, "returns": [*returns, entry]}
        registration = replace(
            registration_for(order_id, document, entry["tracking_token"], now),
            return_id=entry["return_id"],
        )
        try:
            store.add_order_shipment(order_id, document, stored.version, key, registration, now)
        except store.ConcurrentUpdate:
            latest = store.load_order(order_id)
            if latest is not None and latest.version == stored.version:
                raise Conflict("This tracking number belongs to another shipment.") from None
            wait_before_retry(attempt)
            continue
        return 201, _return_reference(entry)
    raise Conflict("The order is changing right now; try again.")


def _return_reference(entry: dict[str, Any]) -> dict[str, Any]:
    return {"return_id": entry["return_id"], **shipment_reference(entry)}


def refund_return(
    order_id: str, return_id: str, request: RefundIn, now: datetime
) -> dict[str, Any]:
    """Record the refund and tell the shopper (kind `refunded`), once."""
    refund = {
        "amount": request.amount,
        "currency": request.currency,
        "refunded_at": format_utc(now),
    }
    for attempt in range(5):
        stored = store.load_order(order_id)
        if stored is None:
            raise NotFound("Unknown order.")
        returns = stored.document.get("returns", [])
        entry = next((r for r in returns if r["return_id"] == return_id), None)
        if entry is None:
            raise NotFound("Unknown return.")
        if entry.get("refund"):
            same = {k: entry["refund"][k] for k in ("amount", "currency")}
            if same == {"amount": request.amount, "currency": request.currency}:
                return _refund_view(entry)
            raise Conflict("This return was refunded with a different amount.")
        updated = {**entry, "refund": refund}
        document = {**stored.document, "returns": [updated if r is entry else r for r in returns]}
        record = store.load_shipment(entry["carrier"], entry["tracking_number"])
        if record is None:
            raise NotFound("Unknown return.")
        change = Change(
            kind="refunded",
            status=record.state.status,
            previous_status=record.state.status,
            occurred_at=now,
            notify_customer=True,
        )
        try:
            store.record_refund(order_id, document, stored.version, record, change, refund, now)
        except store.ConcurrentUpdate:
            wait_before_retry(attempt)
            continue
        return _refund_view(updated)
    raise Conflict("The order is changing right now; try again.")


def _refund_view(entry: dict[str, Any]) -> dict[str, Any]:
    refund = entry["refund"]
    return {
        "return_id": entry["return_id"],
        "refunded": True,
        "amount": refund["amount"],
        "currency": refund["currency"],
    }


# --- the shop's delayed list -------------------------------------------------------


def delayed_list_request(params: Mapping[str, str]) -> tuple[str | None, int]:
    """`?delayed=true[&cursor=…][&limit=1-100]`: only the delayed list exists."""
    if params.get("delayed") != "true":
        msg = "delayed should be true: only the list of delayed shipments exists"
        raise ValidationFailed(details=[{"loc": ["query", "delayed"], "msg": msg}])
    raw_limit = params.get("limit", "50")
    # ASCII digits only: "²" is a digit to str.isdigit() but not to int().
    if not re.fullmatch(r"[0-9]{1,3}", raw_limit) or not 1 <= int(raw_limit) <= 100:
        msg = "limit should be a whole number from 1 to 100"
        raise ValidationFailed(details=[{"loc": ["query", "limit"], "msg": msg}])
    return params.get("cursor") or None, int(raw_limit)


def delayed_shipments(cursor: str | None, limit: int = 50) -> dict[str, Any]:
    """Longest-delayed first, from the sparse `by_delay` index."""
    start = _decode_cursor(cursor) if cursor else None
    items, last = store.query_delayed(start, limit)
    shipments = []
    for record in items:
        state, reg = record.state, record.registration
        shipments.append(
            {
                "order_id": reg.order_id if reg else None,
                "carrier": state.carrier,
                "tracking_number": state.tracking_number,
                "status": state.status.value,
                "delay_reason": state.delay_reason.value if state.delay_reason else None,
                "delayed_since": format_utc(state.delay_since) if state.delay_since else None,
                "estimated_delivery": state.estimated_delivery,
                "tracking_url": settings().tracking_url(reg.token) if reg else None,
            }
        )
    return {"shipments": shipments, "next": _encode_cursor(last) if last else None}


def _encode_cursor(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode()


# The by_delay index's LastEvaluatedKey: the table's keys and the index's.
CURSOR_KEYS = frozenset({"pk", "sk", "delay_list", "delay_since_key"})


def _is_string_attribute(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == {"S"}
        and isinstance(value["S"], str)
        and 0 < len(value["S"].encode("utf-8", "replace")) <= 1024
        and value["S"].isprintable()
    )


def _decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        # Exactly the key DynamoDB gave (a forged one would make the query fail).
        if (
            isinstance(key, dict)
            and set(key) == CURSOR_KEYS
            and all(_is_string_attribute(value) for value in key.values())
            and key["delay_list"] == {"S": store.DELAYED_PARTITION}
        ):
            return key
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    msg = "cursor should be the `next` value of the previous page, unchanged"
    raise ValidationFailed(details=[{"loc": ["query", "cursor"], "msg": msg}])
