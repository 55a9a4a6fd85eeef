"""Invariants of the stored shipment state that the fault and adapter tests rely on.

Each began as a pinned defect with its smallest example (fixed since).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.capacity import MAX_ITEM_BYTES, item_size
from chalicelib import store
from chalicelib.domain.events import CarrierUpdate, Location, TrackingEvent
from chalicelib.domain.shipment import MAX_STORED_EVENTS, ShipmentState, merge_update
from chalicelib.domain.status import Status

START = datetime(2026, 11, 20, tzinfo=UTC)
EMPTY = ShipmentState("ups", "1Z999AA10123456784")


def event(status: Status, hour: int, delayed: bool = False, text: str = "") -> TrackingEvent:
    return TrackingEvent(
        "ups",
        "1Z999AA10123456784",
        START + timedelta(hours=hour),
        status,
        f"{status.value} {hour} {text}".strip(),
        delayed=delayed,
    )


def update(*events: TrackingEvent) -> CarrierUpdate:
    return CarrierUpdate("ups", "1Z999AA10123456784", events)


def one_at_a_time(state: ShipmentState, events: list[TrackingEvent]) -> ShipmentState:
    for item in events:
        state = merge_update(state, update(item)).state
    return state


def test_a_carrier_delay_does_not_depend_on_arrival_order() -> None:
    reported = event(Status.IN_TRANSIT, 2, delayed=True)
    later = event(Status.IN_TRANSIT, 3)
    in_time_order = one_at_a_time(EMPTY, [reported, later])
    newest_first = one_at_a_time(EMPTY, [later, reported])
    assert in_time_order.delayed == newest_first.delayed


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([s for s in Status if s != Status.UNKNOWN]),
            st.integers(0, 48),
        ),
        min_size=1,
        max_size=10,
        unique_by=lambda pair: pair[1],
    ),
    st.randoms(use_true_random=False),
)
def test_status_and_history_do_not_depend_on_arrival_order(
    pairs: list[tuple[Status, int]], rng: random.Random
) -> None:
    """What the fault test compares (besides the delay, pinned above)."""
    events = [event(status, hour) for status, hour in pairs]
    in_time_order = one_at_a_time(EMPTY, sorted(events, key=lambda e: e.occurred_at))
    shuffled = events * 2
    rng.shuffle(shuffled)
    arrived = one_at_a_time(EMPTY, shuffled)
    assert (arrived.status, arrived.status_at, arrived.events, arrived.last_event_at) == (
        in_time_order.status,
        in_time_order.status_at,
        in_time_order.events,
        in_time_order.last_event_at,
    )


def test_the_largest_history_a_carrier_may_send_fits_in_one_item() -> None:
    place = Location("c" * 200, "r" * 200, "x" * 64, "p" * 32)
    events = tuple(
        TrackingEvent(
            "ups",
            "1Z999AA10123456784",
            START + timedelta(minutes=i),
            Status.IN_TRANSIT,
            f"{i:06d}" + "d" * 994,
            place,
            "s" * 200,
        )
        for i in range(MAX_STORED_EVENTS + 10)
    )
    state = merge_update(EMPTY, update(*events)).state
    item = store.shipment_to_item(store.ShipmentRecord(state), 1, START)
    assert item_size(item) <= MAX_ITEM_BYTES
