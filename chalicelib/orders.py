"""Use cases of the merchant API: register orders and shipments, read them back."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from chalicelib import store
from chalicelib.api.models import OrderIn, ShipmentIn
from chalicelib.config import settings
from chalicelib.domain.events import format_utc, normalise_estimate
from chalicelib.domain.status import Status
from chalicelib.errors import Conflict, NotFound, ValidationFailed
from chalicelib.notify.dispatch import first_name
from chalicelib.poll.requests import request_first_polls
from chalicelib.retry import wait_before_retry
from chalicelib.tracking import event_view, predicted_delivery

# What an order registered by a shop platform also shows (chalicelib/platform_orders.py):
# where it came from, its refunds, its cancellation, and what changed when.
PLATFORM_ORDER_FIELDS = ("source", "refunds", "cancellation", "changes")


def new_tracking_token(carrier: str, tracking_number: str, order_id: str) -> str:
    """A sealed token for this shipment of this order: its lookup needs no index and
    reads the shipment and the order in one call (chalicelib/tokens.py)."""
    from chalicelib import tokens

    return tokens.mint(carrier, tracking_number, order_id)


def _shipment_entry(shipment: ShipmentIn) -> dict[str, Any]:
    return {
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "estimated_delivery": normalise_estimate(shipment.estimated_delivery),
    }


def _request_hash(order: OrderIn) -> str:
    canonical = json.dumps(order.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def registration_for(
    order_id: str, document: dict[str, Any], token: str, now: datetime
) -> store.Registration:
    customer = document["customer"]
    return store.Registration(
        order_id=order_id,
        token=token,
        first_name=first_name(customer["name"]),
        locale=customer.get("locale", "tr"),
        registered_at=now,
    )


def shipment_reference(entry: dict[str, Any]) -> dict[str, Any]:
    token = entry["tracking_token"]
    return {
        "carrier": entry["carrier"],
        "tracking_number": entry["tracking_number"],
        "tracking_token": token,
        "tracking_url": settings().tracking_url(token),
    }


def registration_response(document: dict[str, Any]) -> dict[str, Any]:
    return {
        "order_id": document["order_id"],
        "shipments": [shipment_reference(entry) for entry in document["shipments"]],
    }


def register_order(order: OrderIn, now: datetime) -> tuple[int, dict[str, Any]]:
    """201 and the new order; 200 and the same body for the same request again;
    409 for the same id with other content or a shipment another order owns."""
    _refuse_repeated_shipments(order.shipments)
    _refuse_channels_without_address(order)
    request_hash = _request_hash(order)
    document: dict[str, Any] = order.model_dump(mode="json", exclude={"shipments"})
    document["shipments"] = [
        {
            **_shipment_entry(shipment),
            "tracking_token": new_tracking_token(
                shipment.carrier, shipment.tracking_number, order.order_id
            ),
        }
        for shipment in order.shipments
    ]
    document["created_at"] = format_utc(now)
    registrations = [
        (
            (entry["carrier"], entry["tracking_number"]),
            registration_for(order.order_id, document, entry["tracking_token"], now),
            entry["estimated_delivery"],
        )
        for entry in document["shipments"]
    ]
    try:
        store.register_order(
            document, request_hash, registrations, now, confirm=settings().order_confirmation
        )
    except store.ConcurrentUpdate:
        existing = store.load_order(order.order_id)
        if existing is None:
            raise Conflict("A shipment in this order is registered to another order.") from None
        if existing.request_hash != request_hash:
            raise Conflict("An order with this id exists with different content.") from None
        return 200, registration_response(existing.document)
    request_first_polls([key for key, _, _ in registrations], now)
    return 201, registration_response(document)


def _refuse_channels_without_address(order: OrderIn) -> None:
    missing = order.channels_without_address()
    if missing:
        raise ValidationFailed(
            details=[
                {
                    "loc": ["notifications", channel],
                    "msg": f"{channel} is on, but the customer has no {needs}",
                }
                for channel, needs in missing
            ]
        )


def _refuse_repeated_shipments(shipments: list[ShipmentIn]) -> None:
    seen: set[tuple[str, str]] = set()
    for index, shipment in enumerate(shipments):
        key = (shipment.carrier, shipment.tracking_number)
        if key in seen:
            raise ValidationFailed(
                details=[{"loc": ["shipments", index], "msg": "the same shipment appears twice"}]
            )
        seen.add(key)


def add_shipment(order_id: str, shipment: ShipmentIn, now: datetime) -> tuple[int, dict[str, Any]]:
    key = (shipment.carrier, shipment.tracking_number)
    for attempt in range(5):
        stored = store.load_order(order_id)
        if stored is None:
            raise NotFound("Unknown order.")
        for entry in stored.document["shipments"]:
            if (entry["carrier"], entry["tracking_number"]) == key:
                return 200, shipment_reference(entry)
        if stored.document.get("cancelled_at"):
            raise Conflict("This order has been cancelled.")
        entry = {**_shipment_entry(shipment), "tracking_token": new_tracking_token(*key, order_id)}
        document = {**stored.document, "shipments": [*stored.document["shipments"], entry]}
        registration = registration_for(order_id, document, entry["tracking_token"], now)
        try:
            store.add_order_shipment(
                order_id,
                document,
                stored.version,
                key,
                registration,
                now,
                entry["estimated_delivery"],
            )
        except store.ConcurrentUpdate:
            latest = store.load_order(order_id)
            if latest is not None and latest.version == stored.version:
                raise Conflict("This shipment is registered to another order.") from None
            wait_before_retry(attempt)
            continue  # the order changed under us: read it again
        request_first_polls([key], now)
        return 201, shipment_reference(entry)
    raise Conflict("The order is being changed by another request; try again.")


def order_view(order_id: str) -> dict[str, Any]:
    stored = store.load_order(order_id)
    if stored is None:
        raise NotFound("Unknown order.")
    document = stored.document
    returns = document.get("returns", [])
    entries = [*document["shipments"], *returns]
    records = store.load_shipments([(e["carrier"], e["tracking_number"]) for e in entries])

    def view(entry: dict[str, Any]) -> dict[str, Any]:
        return _merchant_shipment(entry, records.get((entry["carrier"], entry["tracking_number"])))

    return {
        "order_id": document["order_id"],
        "customer": document["customer"],
        "notifications": document.get("notifications", {}),
        "created_at": document.get("created_at"),
        "shipments": [view(entry) for entry in document["shipments"]],
        "returns": [
            {
                "return_id": entry["return_id"],
                "reason": entry.get("reason"),
                "refund": entry.get("refund"),
                **view(entry),
            }
            for entry in returns
        ],
        # The shopper's self-service (cancellation, return, issue) with its state.
        "requests": [
            {key: value for key, value in entry.items() if key != "token"}
            for entry in document.get("requests", [])
        ],
        **{key: document[key] for key in PLATFORM_ORDER_FIELDS if key in document},
    }


def _merchant_shipment(
    entry: dict[str, Any], record: store.ShipmentRecord | None
) -> dict[str, Any]:
    view = shipment_reference(entry)
    if record is None:
        return view | {
            "status": Status.PENDING.value,
            "delayed": False,
            "delay_reason": None,
            "estimated_delivery": entry.get("estimated_delivery"),
            "events": [],
        }
    state = record.state
    return view | {
        "status": state.status.value,
        "delayed": state.delayed,
        "delay_reason": state.delay_reason.value if state.delay_reason else None,
        "estimated_delivery": state.estimated_delivery,
        "predicted_delivery": predicted_delivery(record),
        "trending_late": store.trending_late(record),
        "updated_at": format_utc(state.status_at) if state.status_at else None,
        "events": [
            event_view(event, "en") | {"carrier_status": event.carrier_status}
            for event in state.events
        ],
    }


def notifications_view(order_id: str, now: datetime) -> dict[str, Any]:
    if store.load_order(order_id) is None:
        raise NotFound("Unknown order.")
    entries = store.list_notifications(order_id, now)
    return {"notifications": [entry.as_public() for entry in entries]}
