"""The shopper's self-service rules (chalicelib/domain/requests.py): what is
allowed when, with the clock passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain import requests as rules
from chalicelib.domain.status import Status

DELIVERED_AT = datetime(2026, 11, 24, 11, 5, tzinfo=UTC)
TOKEN = "t" * 32


def shipment(status: Status, rated: bool = False) -> rules.ShipmentFacts:
    delivered = DELIVERED_AT if status == Status.DELIVERED else None
    return rules.ShipmentFacts(status, delivered, rated)


def order(*statuses: Status, requests: tuple[dict[str, Any], ...] = (), cancelled: bool = False
          ) -> rules.OrderFacts:  # fmt: skip
    return rules.OrderFacts(cancelled, requests, tuple(shipment(s) for s in statuses))


def actions(facts: rules.OrderFacts, parcel: rules.ShipmentFacts, mode: rules.SelfCancel = "auto",
            now: datetime = DELIVERED_AT, **extra: bool) -> list[str]:  # fmt: skip
    return list(
        rules.allowed_actions(facts, parcel, TOKEN, mode=mode, window_days=14, now=now, **extra)
    )


def test_cancel_only_while_nothing_has_left_the_shop() -> None:
    assert "cancel" in actions(
        order(Status.PENDING, Status.INFO_RECEIVED), shipment(Status.PENDING)
    )
    assert "cancel" not in actions(
        order(Status.PENDING, Status.IN_TRANSIT), shipment(Status.PENDING)
    )
    assert "cancel" not in actions(order(Status.PENDING), shipment(Status.PENDING), mode="off")
    assert "cancel" in actions(order(Status.PENDING), shipment(Status.PENDING), mode="request")


def test_a_waiting_or_declined_cancellation_hides_the_button() -> None:
    for state in ("requested", "declined"):
        request = {"type": "cancellation", "state": state, "token": TOKEN}
        facts = order(Status.PENDING, requests=(request,))
        assert "cancel" not in actions(facts, shipment(Status.PENDING), mode="request")


def test_return_within_the_window_after_delivery_only() -> None:
    facts, parcel = order(Status.DELIVERED), shipment(Status.DELIVERED)
    assert "return" in actions(facts, parcel, now=DELIVERED_AT + timedelta(days=14))
    assert "return" not in actions(facts, parcel, now=DELIVERED_AT + timedelta(days=14, seconds=1))
    assert "return" not in actions(order(Status.IN_TRANSIT), shipment(Status.IN_TRANSIT))
    waiting = {"type": "return", "state": "requested", "token": TOKEN}
    assert "return" not in actions(order(Status.DELIVERED, requests=(waiting,)), parcel)
    elsewhere = {"type": "return", "state": "requested", "token": "u" * 32}
    assert "return" in actions(order(Status.DELIVERED, requests=(elsewhere,)), parcel)


def test_not_received_only_after_delivery() -> None:
    assert not rules.may_report("not_received", shipment(Status.IN_TRANSIT))
    assert rules.may_report("not_received", shipment(Status.DELIVERED))
    assert rules.may_report("damaged", shipment(Status.IN_TRANSIT))


def test_rate_once_delivered_and_not_rated() -> None:
    assert "rate" in actions(order(Status.DELIVERED), shipment(Status.DELIVERED))
    assert "rate" not in actions(order(Status.DELIVERED), shipment(Status.DELIVERED, rated=True))
    assert "rate" not in actions(order(Status.IN_TRANSIT), shipment(Status.IN_TRANSIT))


def test_a_cancelled_order_and_a_return_parcel_offer_nothing_but_what_stands() -> None:
    cancelled = order(Status.CANCELLED, cancelled=True)
    assert actions(cancelled, shipment(Status.CANCELLED)) == []
    assert actions(order(Status.DELIVERED), shipment(Status.DELIVERED), is_return=True) == []
