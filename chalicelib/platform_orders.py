"""Use case: shop events from a platform (Shopify, WooCommerce) -> Kargo's orders.

The platform is the source of truth for its orders, so nothing here answers
`409`: a snapshot registers the order or brings it up to date, a fulfillment
adds shipments, a cancellation cancels as the merchant API does when that is
still possible (and is recorded when it is not), a refund is recorded and the
shopper told. What changed, and when, is kept on the order (`changes`).

Redelivery changes nothing, on two levels:
- the platform's delivery id (with a digest of the body, see `delivery_key`): a
  delivery applied once is marked (after it was applied, so a crash means one
  more application, never a lost one) and skipped when it comes again;
- the content: every effect is idempotent by itself. The order is created only
  if absent; shipments are keyed by (carrier, tracking number); refunds by the
  platform's refund id; a cancellation is recorded once; customer fields change
  only when they differ, and never from a snapshot older than the last applied
  (`updated_at`), so a late `orders/updated` cannot undo a newer one.

Out of order: Shopify's fulfillments and refunds name the platform's internal
order id, not the order number. They are parked on the platform link until the
order's first snapshot arrives, which attaches them (`store.platforms`).

Platform orders send no `order_confirmed` (the platform confirmed the order)
and get the default notification preferences: e-mail on when there is an
address, SMS and WhatsApp off (the shopper can turn them on from the page).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib import store
from chalicelib.domain.events import format_utc, parse_utc
from chalicelib.domain.shipment import Change
from chalicelib.errors import Conflict, UnprocessableDelivery
from chalicelib.platforms import get_platform
from chalicelib.platforms.base import (
    FulfillmentUpdate,
    OrderReference,
    OrderSnapshot,
    ShopEvent,
    ShopRefund,
    ShopShipment,
)
from chalicelib.retry import wait_before_retry
from chalicelib.store import platforms as platform_store

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
MAX_REGISTERED_SHIPMENTS = 50  # DynamoDB transactions stop at 100 items
MAX_CHANGES = 100  # the newest kept: the order document stays far below 400 KB
CUSTOMER_FIELDS = ("name", "email", "phone", "locale", "city", "country", "commercial_consent")
DEFAULT_CURRENCY = "TRY"


class OrderNotReady(Exception):
    """The link names an order whose registration has not landed yet: retry later."""


# --- deliveries ------------------------------------------------------------------


def apply_shop_delivery(
    platform_name: str, topic: str | None, delivery_id: str | None, body: bytes, now: datetime
) -> int:
    """One queued platform delivery. Returns how many writes it made (0: nothing new).

    Raises `UnprocessableDelivery` for a body that can never be applied."""
    platform = get_platform(platform_name)
    if platform is None:
        raise UnprocessableDelivery(f"unknown shop platform {platform_name!r}")
    seen_key = delivery_key(delivery_id, body) if delivery_id else None
    if seen_key and platform_store.delivery_seen(platform_name, seen_key):
        return 0
    events = platform.parse(topic, body)
    written = sum(apply_event(event, now, topic) for event in events)
    if seen_key and events:
        platform_store.mark_delivery(platform_name, seen_key, topic, now)
    return written


def delivery_key(delivery_id: str, body: bytes) -> str:
    """The platform's delivery id with a digest of the body. A retry resends the
    same bytes under the same id; WooCommerce's ids are a hash of the webhook id
    and the current second, so two different deliveries in one second share an
    id, and only the body tells them apart."""
    return f"{delivery_id}#{hashlib.sha256(body).hexdigest()[:24]}"


def apply_event(event: ShopEvent, now: datetime, topic: str | None = None) -> int:
    if isinstance(event, OrderSnapshot):
        return apply_snapshot(event, now, topic)
    return apply_reference(event, now, topic)


# --- an order as the platform sees it -----------------------------------------------


def apply_snapshot(snapshot: OrderSnapshot, now: datetime, topic: str | None = None) -> int:
    written = 0
    stored = store.load_order(snapshot.order_id)
    if stored is None:
        link = platform_store.link_order(
            snapshot.platform, snapshot.platform_order_id, snapshot.order_id, now
        )
        if link.order_id != snapshot.order_id:
            raise UnprocessableDelivery("this platform order is linked to another Kargo order")
        snapshot = _with_waiting(snapshot, link.pending)
        written += _register(snapshot, now, topic)
    else:
        _refuse_other_source(stored.document, snapshot.platform, snapshot.platform_order_id)
    written += _update_customer(snapshot, now, topic)
    written += _add_shipments(snapshot.order_id, snapshot.shipments, now, topic)
    written += _record_refunds(snapshot.order_id, snapshot.refunds, now, topic)
    if snapshot.cancelled:
        written += _cancel(snapshot.order_id, now, topic)
    return written


def _with_waiting(snapshot: OrderSnapshot, waiting: tuple[OrderReference, ...]) -> OrderSnapshot:
    """The snapshot plus the fulfillments and refunds that arrived before it."""
    shipments = {shipment.key: shipment for shipment in snapshot.shipments}
    refunds = {refund.refund_id: refund for refund in snapshot.refunds}
    for event in waiting:
        if isinstance(event, FulfillmentUpdate):
            for shipment in event.shipments:
                shipments.setdefault(shipment.key, shipment)
        else:
            refunds.setdefault(event.refund.refund_id, event.refund)
    return replace(snapshot, shipments=tuple(shipments.values()), refunds=tuple(refunds.values()))


def _refuse_other_source(document: dict[str, Any], platform: str, platform_order_id: str) -> None:
    source = document.get("source") or {}
    if (source.get("platform"), source.get("platform_order_id")) != (platform, platform_order_id):
        # Same order id from the merchant API or another store: an operator decides.
        raise UnprocessableDelivery("an order with this id exists from another source")


def _source_hash(snapshot: OrderSnapshot) -> str:
    # Never equal to a merchant API request's hash: `POST /orders` with this id gets 409.
    return f"platform:{snapshot.platform}:{snapshot.platform_order_id}"


def _register(snapshot: OrderSnapshot, now: datetime, topic: str | None) -> int:
    """Create the order with its shipments (no `order_confirmed`). 1 if it wrote."""
    from chalicelib.orders import registration_for

    # One transaction claims them all; any beyond the first few are added after.
    shipments = list(snapshot.shipments)[:MAX_REGISTERED_SHIPMENTS]
    for attempt in range(MAX_ATTEMPTS):
        customer = snapshot.customer.as_document()
        document: dict[str, Any] = {
            "order_id": snapshot.order_id,
            "customer": customer,
            "shipments": [_shipment_entry(snapshot.order_id, shipment) for shipment in shipments],
            # The merchant API's defaults (e-mail on with an address; SMS, WhatsApp off).
            "notifications": {"email": bool(customer["email"]), "sms": False, "whatsapp": False},
            "created_at": format_utc(now),
            "source": {
                "platform": snapshot.platform,
                "platform_order_id": snapshot.platform_order_id,
                "currency": snapshot.currency,
                "updated_at": snapshot.updated_at,
            },
            "refunds": [],
            "changes": [_change(now, "registered", topic)],
        }
        registrations = [
            (
                (entry["carrier"], entry["tracking_number"]),
                registration_for(snapshot.order_id, document, entry["tracking_token"], now),
                None,
            )
            for entry in document["shipments"]
        ]
        try:
            store.register_order(document, _source_hash(snapshot), registrations, now)
        except store.ConcurrentUpdate:
            existing = store.load_order(snapshot.order_id)
            if existing is not None:
                _refuse_other_source(
                    existing.document, snapshot.platform, snapshot.platform_order_id
                )
                return 0  # registered meanwhile by a redelivery: the update path follows
            taken = _taken_by_other_orders(snapshot.order_id, shipments)
            if not taken:
                wait_before_retry(attempt)
                continue
            logger.warning(
                "platform shipments left out: registered to another order",
                extra={"order_id": snapshot.order_id, "count": len(taken)},
            )
            shipments = [shipment for shipment in shipments if shipment.key not in taken]
            continue
        return 1
    raise store.ConcurrentUpdate(f"could not register platform order {snapshot.order_id}")


def _taken_by_other_orders(order_id: str, shipments: list[ShopShipment]) -> set[tuple[str, str]]:
    records = store.load_shipments([shipment.key for shipment in shipments])
    return {
        key
        for key, record in records.items()
        if record.registration is not None and record.registration.order_id != order_id
    }


def _shipment_entry(order_id: str, shipment: ShopShipment) -> dict[str, Any]:
    from chalicelib.orders import new_tracking_token

    return {
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "estimated_delivery": None,
        "tracking_token": new_tracking_token(shipment.carrier, shipment.tracking_number, order_id),
        "fulfillment_id": shipment.fulfillment_id,
    }


def _change(now: datetime, kind: str, topic: str | None, **details: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"at": format_utc(now), "change": kind, **details}
    if topic:
        entry["topic"] = topic
    return entry


def _with_change(document: dict[str, Any], change: dict[str, Any]) -> list[dict[str, Any]]:
    return [*(document.get("changes") or []), change][-MAX_CHANGES:]


def _is_older(snapshot_time: str | None, stored_time: str | None) -> bool:
    if not snapshot_time or not stored_time:
        return False
    return parse_utc(snapshot_time) < parse_utc(stored_time)


def _update_customer(snapshot: OrderSnapshot, now: datetime, topic: str | None) -> int:
    """The platform's customer fields replace Kargo's (no 409: the platform decides)."""
    for attempt in range(MAX_ATTEMPTS):
        stored = store.load_order(snapshot.order_id)
        if stored is None:
            raise OrderNotReady(snapshot.order_id)
        document = stored.document
        source = document.get("source") or {}
        if _is_older(snapshot.updated_at, source.get("updated_at")):
            return 0  # a late delivery of an older state of the order
        old = document.get("customer") or {}
        new = snapshot.customer.as_document()
        differences = {
            field: {"from": old.get(field), "to": new[field]}
            for field in CUSTOMER_FIELDS
            if old.get(field) != new[field]
        }
        if not differences:
            return 0
        notifications = dict(document.get("notifications") or {})
        if not old.get("email") and new["email"]:
            notifications["email"] = True  # an address to write to, at last
        if not new["email"]:
            notifications["email"] = False
        updated = {
            **document,
            "customer": {**old, **new},
            "notifications": notifications,
            "source": {**source, "updated_at": snapshot.updated_at or source.get("updated_at")},
            "changes": _with_change(
                document, _change(now, "customer_updated", topic, fields=differences)
            ),
        }
        try:
            store.update_order_document(snapshot.order_id, updated, stored.version)
        except store.ConcurrentUpdate:
            wait_before_retry(attempt)
            continue
        return 1
    raise store.ConcurrentUpdate(f"platform order {snapshot.order_id} kept changing")


# --- fulfillments and refunds -------------------------------------------------------


def apply_reference(event: OrderReference, now: datetime, topic: str | None = None) -> int:
    """A fulfillment or refund: applied to its order, or parked until the order comes."""
    for attempt in range(MAX_ATTEMPTS):
        link = platform_store.load_link(event.platform, event.platform_order_id)
        if link.order_id is None:
            try:
                platform_store.park_event(event, now)
            except platform_store.OrderLinkedMeanwhile:
                wait_before_retry(attempt)
                continue
            return 1
        stored = store.load_order(link.order_id)
        if stored is None:
            raise OrderNotReady(link.order_id)  # its registration is under way: SQS retries
        _refuse_other_source(stored.document, event.platform, event.platform_order_id)
        if isinstance(event, FulfillmentUpdate):
            return _add_shipments(link.order_id, event.shipments, now, topic)
        return _record_refunds(link.order_id, (event.refund,), now, topic)
    raise store.ConcurrentUpdate(f"could not park an event for {event.platform_order_id}")


def _add_shipments(
    order_id: str, shipments: tuple[ShopShipment, ...], now: datetime, topic: str | None
) -> int:
    from chalicelib.orders import registration_for

    written = 0
    for shipment in shipments:
        for attempt in range(MAX_ATTEMPTS):
            stored = store.load_order(order_id)
            if stored is None:
                raise OrderNotReady(order_id)
            document = stored.document
            entries = document.get("shipments") or []
            if any((e["carrier"], e["tracking_number"]) == shipment.key for e in entries):
                break
            entry = _shipment_entry(order_id, shipment)
            change = _change(
                now,
                "shipment_added",
                topic,
                carrier=shipment.carrier,
                tracking_number=shipment.tracking_number,
            )
            updated = {
                **document,
                "shipments": [*entries, entry],
                "changes": _with_change(document, change),
            }
            registration = registration_for(order_id, updated, entry["tracking_token"], now)
            try:
                store.add_order_shipment(
                    order_id, updated, stored.version, shipment.key, registration, now
                )
            except store.ConcurrentUpdate:
                latest = store.load_order(order_id)
                if latest is not None and latest.version == stored.version:
                    logger.warning(
                        "platform shipment left out: registered to another order",
                        extra={"order_id": order_id, "carrier": shipment.carrier},
                    )
                    break
                wait_before_retry(attempt)
                continue
            written += 1
            break
    return written


def _refund_moment(refund: ShopRefund, now: datetime) -> datetime:
    """When the refund happened, made unique per refund id: the outbox row's key
    is (time, kind), and two refunds of one order may share a second."""
    moment = parse_utc(refund.refunded_at) if refund.refunded_at else now
    spread = int.from_bytes(hashlib.sha256(refund.refund_id.encode()).digest()[:4], "big")
    return moment.replace(microsecond=0) + timedelta(microseconds=1 + spread % 999_999)


def _record_refunds(
    order_id: str, refunds: tuple[ShopRefund, ...], now: datetime, topic: str | None
) -> int:
    """Each refund once (by the platform's id); the shopper told (kind `refunded`)
    through the order's first shipment, whose link the message carries."""
    written = 0
    for refund in refunds:
        for attempt in range(MAX_ATTEMPTS):
            stored = store.load_order(order_id)
            if stored is None:
                raise OrderNotReady(order_id)
            document = stored.document
            recorded = document.get("refunds") or []
            if any(entry.get("refund_id") == refund.refund_id for entry in recorded):
                break
            entry = order_refund_entry(document, refund, now)
            updated = {
                **document,
                "refunds": [*recorded, entry],
                "changes": _with_change(
                    document,
                    _change(
                        now,
                        "refunded",
                        topic,
                        refund_id=refund.refund_id,
                        amount=entry["amount"],
                        currency=entry["currency"],
                    ),
                ),
            }
            try:
                record_order_refund(order_id, updated, stored.version, entry, refund, now)
            except store.ConcurrentUpdate:
                wait_before_retry(attempt)
                continue
            written += 1
            break
    return written


def order_refund_entry(
    document: dict[str, Any], refund: ShopRefund, now: datetime
) -> dict[str, Any]:
    source = document.get("source") or {}
    return {
        "refund_id": refund.refund_id,
        "amount": refund.amount,
        "currency": refund.currency or source.get("currency") or DEFAULT_CURRENCY,
        "refunded_at": refund.refunded_at or format_utc(now),
        "note": refund.note,
    }


def record_order_refund(
    order_id: str,
    document: dict[str, Any],
    read_version: int,
    entry: dict[str, Any],
    refund: ShopRefund,
    now: datetime,
) -> None:
    """An order-level refund (no return): the order document and the shopper's
    outbox row in one transaction, like `store.record_refund` for a return.
    Without a shipment there is no tracking link to send: recorded only."""
    shipments = document.get("shipments") or []
    record = (
        store.load_shipment(shipments[0]["carrier"], shipments[0]["tracking_number"])
        if (shipments)
        else None
    )
    if record is None or record.registration is None:
        store.update_order_document(order_id, document, read_version)
        return
    status = record.state.status
    change = Change(
        kind="refunded",
        status=status,
        previous_status=status,
        occurred_at=_refund_moment(refund, now),
        notify_customer=True,
    )
    money = {"amount": entry["amount"], "currency": entry["currency"]}
    store.record_refund(order_id, document, read_version, record, change, money, now)


# --- cancellation ----------------------------------------------------------------------


def _cancel(order_id: str, now: datetime, topic: str | None) -> int:
    """Cancel as the merchant API does while nothing has shipped; afterwards the
    platform's cancellation is recorded (`cancel_refused`), not an error."""
    from chalicelib.after_sale import cancel_order

    stored = store.load_order(order_id)
    if stored is None:
        raise OrderNotReady(order_id)
    if stored.document.get("cancellation"):
        return 0
    try:
        cancel_order(order_id, now)
        outcome = "cancelled"
    except Conflict:
        outcome = "cancel_refused"
    for attempt in range(MAX_ATTEMPTS):
        stored = store.load_order(order_id)
        if stored is None:
            raise OrderNotReady(order_id)
        document = stored.document
        if document.get("cancellation"):
            return 0
        detail = {} if outcome == "cancelled" else {"reason": "a shipment is already on its way"}
        updated = {
            **document,
            "cancellation": {"at": format_utc(now), "outcome": outcome},
            "changes": _with_change(document, _change(now, outcome, topic, **detail)),
        }
        try:
            store.update_order_document(order_id, updated, stored.version)
        except store.ConcurrentUpdate:
            wait_before_retry(attempt)
            continue
        return 1
    raise store.ConcurrentUpdate(f"platform order {order_id} kept changing")
