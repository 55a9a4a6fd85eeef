"""The shopper's self-service rules: what a shopper may do with an order, and when.

Pure: the order document's `requests` list and the shipments' states go in,
decisions come out; the use cases (`chalicelib/shopper/self_service.py`) store
them. A request lives in the order document, so every decision about it is one
write guarded by the document's version.

    cancellation: requested -> cancelled | declined   (or cancelled at once: `auto`)
    return:       requested -> approved | declined
    issue:        reported
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from chalicelib.domain.status import Status

SelfCancel = Literal["auto", "request", "off"]
Action = Literal["cancel", "return", "report_issue", "rate"]

CANCELLABLE = frozenset({Status.PENDING, Status.INFO_RECEIVED})
RETURN_REASONS = (
    "changed_mind",
    "wrong_size",
    "damaged",
    "wrong_item",
    "not_as_described",
    "other",
)
RESOLUTIONS = ("refund", "exchange", "store_credit")
ISSUE_KINDS = ("damaged", "missing_item", "wrong_item", "not_received", "other")
# A parcel that never came can only be reported once the carrier says it did.
AFTER_DELIVERY_ISSUES = frozenset({"not_received"})

REQUESTED = "requested"
PENDING_STATES = frozenset({REQUESTED})


@dataclass(frozen=True)
class ShipmentFacts:
    """What the rules need to know about one shipment of the order."""

    status: Status
    delivered_at: datetime | None  # when it was delivered (the status time)
    rated: bool = False


@dataclass(frozen=True)
class OrderFacts:
    cancelled: bool
    requests: tuple[dict[str, Any], ...]
    shipments: tuple[ShipmentFacts, ...]  # every outbound shipment of the order


def order_facts(document: dict[str, Any], shipments: Iterable[ShipmentFacts]) -> OrderFacts:
    return OrderFacts(
        cancelled=bool(document.get("cancelled_at")),
        requests=tuple(document.get("requests") or ()),
        shipments=tuple(shipments),
    )


def cancellable(order: OrderFacts) -> bool:
    """Nothing has left the shop: every shipment still pending or info_received."""
    return not order.cancelled and all(s.status in CANCELLABLE for s in order.shipments)


def pending_cancellation(requests: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    return next(
        (r for r in requests if r["type"] == "cancellation" and r["state"] in PENDING_STATES),
        None,
    )


def declined_cancellation(requests: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    return next(
        (r for r in requests if r["type"] == "cancellation" and r["state"] == "declined"), None
    )


def may_cancel(order: OrderFacts, mode: SelfCancel) -> bool:
    """The cancel button: allowed, not asked already, not refused by the shop."""
    return (
        mode != "off"
        and cancellable(order)
        and pending_cancellation(order.requests) is None
        and declined_cancellation(order.requests) is None
    )


def within_return_window(shipment: ShipmentFacts, window_days: int, now: datetime) -> bool:
    """Delivered, and no more than `window_days` ago (the right of withdrawal)."""
    if shipment.status != Status.DELIVERED or shipment.delivered_at is None:
        return False
    return now <= shipment.delivered_at + timedelta(days=window_days)


def open_return_request(requests: Sequence[dict[str, Any]], token: str) -> dict[str, Any] | None:
    """The return request of this parcel that waits for the shop, if any."""
    return next(
        (
            r
            for r in requests
            if r["type"] == "return" and r["token"] == token and r["state"] in PENDING_STATES
        ),
        None,
    )


def may_report(kind: str, shipment: ShipmentFacts) -> bool:
    if kind in AFTER_DELIVERY_ISSUES:
        return shipment.status == Status.DELIVERED
    return True


def allowed_actions(
    order: OrderFacts,
    shipment: ShipmentFacts,
    token: str,
    *,
    mode: SelfCancel,
    window_days: int,
    now: datetime,
    is_return: bool = False,
) -> list[Action]:
    """What the shopper holding this parcel's link may do now, in the page's order."""
    if is_return:
        return []  # a return parcel is the shop's to receive; nothing to do from its page
    actions: list[Action] = []
    if may_cancel(order, mode):
        actions.append("cancel")
    if (
        not order.cancelled
        and within_return_window(shipment, window_days, now)
        and open_return_request(order.requests, token) is None
    ):
        actions.append("return")
    if not order.cancelled:
        actions.append("report_issue")
    if shipment.status == Status.DELIVERED and not shipment.rated:
        actions.append("rate")
    return actions
