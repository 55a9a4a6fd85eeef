"""A seeded carrier workload: shipments, their events, the webhooks that carry
them, redeliveries, malformed deliveries, and the state they must end in."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from chalicelib.carriers import generic
from chalicelib.domain.events import CarrierUpdate
from chalicelib.domain.shipment import ShipmentState, merge_update
from chalicelib.domain.status import Status

CARRIERS = ("yurtici", "aras", "mng", "ptt", "ups")
CITIES = ("İstanbul", "Ankara", "İzmir", "Bursa", "Antalya", None)
OFFSETS = (UTC, timezone(timedelta(hours=3)), timezone(timedelta(hours=-5, minutes=-30)))
START = datetime(2026, 11, 1, tzinfo=UTC)

# A journey: mostly forward, with the detours carriers really report.
MIDDLE = (
    Status.IN_TRANSIT,
    Status.IN_TRANSIT,
    Status.IN_TRANSIT,
    Status.EXCEPTION,
    Status.FAILED_ATTEMPT,
    Status.AVAILABLE_FOR_PICKUP,
    Status.UNKNOWN,
    Status.OUT_FOR_DELIVERY,
)
ENDINGS = (Status.DELIVERED, Status.DELIVERED, Status.DELIVERED, Status.RETURNED, Status.FAILED)


@dataclass(frozen=True)
class Shipment:
    carrier: str
    tracking_number: str
    events: tuple[dict[str, Any], ...]  # generic-format events


@dataclass(frozen=True)
class Delivery:
    """One POST of one webhook; the three deliveries of a webhook share its id."""

    webhook_id: str
    body: bytes
    malformed: bool = False


@dataclass
class Workload:
    shipments: list[Shipment]
    webhooks: list[tuple[str, bytes]]  # (webhook id, body): the valid ones
    deliveries: list[Delivery]
    orders: list[dict[str, Any]] = field(default_factory=list)

    @property
    def malformed_bodies(self) -> set[bytes]:
        return {delivery.body for delivery in self.deliveries if delivery.malformed}


def _event(rng: random.Random, status: Status, at: datetime, index: int) -> dict[str, Any]:
    city = rng.choice(CITIES)
    event: dict[str, Any] = {
        "status": status.value,
        "occurred_at": at.astimezone(rng.choice(OFFSETS)).isoformat(),
        "description": f"{status.value} #{index}",
        "carrier_status": f"C{index:02d}",
    }
    if city:
        event["location"] = {"city": city, "country": "TR"}
    return event


def _shipment(rng: random.Random, number: int, events_per_shipment: int) -> Shipment:
    carrier = CARRIERS[number % len(CARRIERS)]
    tracking = f"FT{number:04d}{rng.randrange(10**6):06d}TR"
    at = START + timedelta(hours=number)
    statuses = [Status.INFO_RECEIVED]
    statuses += [rng.choice(MIDDLE) for _ in range(events_per_shipment - 2)]
    statuses.append(rng.choice(ENDINGS))
    events = []
    for index, status in enumerate(statuses):
        # Every seventh shipment ends with a tie: a final and a non-final event at
        # the same moment (the final one must win, whatever arrives first).
        tie = index == len(statuses) - 1 and number % 7 == 0
        if not tie:
            at += timedelta(minutes=rng.randint(30, 600), seconds=rng.randint(0, 59))
        events.append(_event(rng, status, at, index))
    return Shipment(carrier, tracking, tuple(events))


def _webhooks(rng: random.Random, shipment: Shipment) -> list[dict[str, Any]]:
    """The shipment's events in two to five per webhook, not in time order."""
    events = list(shipment.events)
    rng.shuffle(events)
    payloads = []
    while events:
        size = rng.randint(2, 5)
        part, events = events[:size], events[size:]
        payload: dict[str, Any] = {
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "events": part,
        }
        if rng.random() < 0.3:
            payload["estimated_delivery"] = (START + timedelta(days=rng.randint(3, 20))).date()
            payload["estimated_delivery"] = payload["estimated_delivery"].isoformat()
        payloads.append(payload)
    return payloads


def _malformed(rng: random.Random, index: int, shipment: Shipment) -> bytes:
    """Signed, well-formed HTTP, but never readable as a generic update."""
    good: dict[str, Any] = {
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "events": [dict(shipment.events[0])],
        "nonce": index,  # unknown fields are ignored: it only makes each body distinct
    }
    kind = index % 9
    if kind == 0:
        return f'{{"broken": {index},'.encode()
    if kind == 1:
        return json.dumps([good]).encode()
    if kind == 2:
        return json.dumps({**good, "events": []}).encode()
    if kind == 3:
        naive = {**good["events"][0], "occurred_at": "2026-11-20T10:00:00"}
        return json.dumps({**good, "events": [naive]}).encode()
    if kind == 4:
        bad_status = {**good["events"][0], "status": "teleported"}
        return json.dumps({**good, "events": [bad_status]}).encode()
    if kind == 5:
        return json.dumps({**good, "tracking_number": "no spaces allowed!"}).encode()
    if kind == 6:
        return json.dumps({**good, "carrier": "Not A Slug"}).encode()
    if kind == 7:
        return json.dumps({**good, "events": "in_transit"}).encode()
    return json.dumps({**good, "events": [{"status": "in_transit"}] * rng.randint(1, 3)}).encode()


def build_workload(
    seed: int,
    shipments: int = 50,
    events_per_shipment: int = 10,
    copies: int = 3,
    malformed_share: float = 0.05,
) -> Workload:
    rng = random.Random(seed)
    made = [_shipment(rng, number, events_per_shipment) for number in range(shipments)]
    webhooks: list[tuple[str, bytes]] = []
    for shipment in made:
        for payload in _webhooks(rng, shipment):
            webhooks.append((f"msg_{len(webhooks):05d}", json.dumps(payload).encode()))
    deliveries = [Delivery(msg_id, body) for msg_id, body in webhooks for _ in range(copies)]
    # malformed / (valid + malformed) == malformed_share
    malformed_count = round(len(deliveries) * malformed_share / (1 - malformed_share))
    deliveries += [
        Delivery(f"bad_{index:04d}", _malformed(rng, index, rng.choice(made)), malformed=True)
        for index in range(malformed_count)
    ]
    rng.shuffle(deliveries)
    workload = Workload(made, webhooks, deliveries)
    workload.orders = [_order(rng, index, shipment) for index, shipment in enumerate(made)]
    return workload


def _order(rng: random.Random, index: int, shipment: Shipment) -> dict[str, Any]:
    customer: dict[str, Any] = {
        "name": f"Müşteri{index} Yılmaz",
        "email": f"customer{index}@example.com",
        "locale": rng.choice(("tr", "en")),
    }
    if index % 3:
        customer["phone"] = f"+90532{index:07d}"
    return {
        "order_id": f"F{index:04d}",
        "customer": customer,
        "shipments": [{"carrier": shipment.carrier, "tracking_number": shipment.tracking_number}],
        # SMS is asked for only where there is a phone: a channel without an address is refused.
        "notifications": {"email": True, "sms": index % 2 == 0 and "phone" in customer},
    }


def expected_states(workload: Workload) -> dict[tuple[str, str], ShipmentState]:
    """Every valid webhook applied once, oldest first, with the pure merge."""
    updates: dict[tuple[str, str], list[CarrierUpdate]] = {}
    for _, body in workload.webhooks:
        (update,) = generic.SOURCE.parse(body)
        updates.setdefault(update.shipment_key, []).append(update)
    states = {}
    for key, parts in updates.items():
        state = ShipmentState(*key)
        for update in sorted(parts, key=lambda u: max(e.occurred_at for e in u.events)):
            state = merge_update(state, update).state
        states[key] = comparable(state)
    return states


def comparable(state: ShipmentState) -> ShipmentState:
    """`reached` records the path the status took, which depends on arrival order;
    everything else must not."""
    return replace(state, reached=frozenset())
