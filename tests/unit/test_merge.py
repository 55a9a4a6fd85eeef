"""The merge rules of CONTRACT.md section 3, and their order-independence."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.events import CarrierUpdate, Location, TrackingEvent
from chalicelib.domain.shipment import DelayReason, ShipmentState, merge_update, start_delay
from chalicelib.domain.status import Status

BASE = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def event(
    status: Status, hours: float, description: str | None = None, **extra: object
) -> TrackingEvent:
    return TrackingEvent(
        carrier="yurtici",
        tracking_number="YT123456789TR",
        occurred_at=BASE + timedelta(hours=hours),
        status=status,
        description=description,
        **extra,  # type: ignore[arg-type]
    )


def update(*events: TrackingEvent, estimate: str | None = None) -> CarrierUpdate:
    return CarrierUpdate("yurtici", "YT123456789TR", tuple(events), estimate)


EMPTY = ShipmentState("yurtici", "YT123456789TR")


def test_latest_event_by_time_sets_status_whatever_the_arrival_order() -> None:
    newer, older = event(Status.OUT_FOR_DELIVERY, 5), event(Status.IN_TRANSIT, 1)
    first = merge_update(EMPTY, update(newer))
    second = merge_update(first.state, update(older))
    assert second.state.status == Status.OUT_FOR_DELIVERY
    assert second.changes == ()  # an older event never notifies
    assert [e.status for e in second.state.events] == [Status.OUT_FOR_DELIVERY, Status.IN_TRANSIT]


def test_unknown_events_are_kept_but_never_set_the_status() -> None:
    result = merge_update(EMPTY, update(event(Status.IN_TRANSIT, 1), event(Status.UNKNOWN, 2)))
    assert result.state.status == Status.IN_TRANSIT
    assert len(result.state.events) == 2


def test_only_unknown_events_leave_a_new_shipment_pending() -> None:
    result = merge_update(EMPTY, update(event(Status.UNKNOWN, 2)))
    assert result.state.status == Status.PENDING
    assert result.changes == ()


def test_tie_on_time_final_beats_non_final_then_lower_in_table() -> None:
    tie = merge_update(EMPTY, update(event(Status.DELIVERED, 3), event(Status.OUT_FOR_DELIVERY, 3)))
    assert tie.state.status == Status.DELIVERED
    tie = merge_update(EMPTY, update(event(Status.EXCEPTION, 3), event(Status.IN_TRANSIT, 3)))
    assert tie.state.status == Status.EXCEPTION


def test_redelivery_is_a_noop() -> None:
    first = merge_update(EMPTY, update(event(Status.IN_TRANSIT, 1, "left hub")))
    again = merge_update(first.state, update(event(Status.IN_TRANSIT, 1, "left hub")))
    assert again.is_noop


def test_event_identity_includes_description_and_location() -> None:
    a = event(Status.IN_TRANSIT, 1, "left hub", location=Location(city="İstanbul"))
    b = event(Status.IN_TRANSIT, 1, "left hub", location=Location(city="Ankara"))
    c = event(Status.IN_TRANSIT, 1, "arrived")
    assert len({a.event_id, b.event_id, c.event_id}) == 3
    same_instant_other_offset = TrackingEvent(
        "yurtici",
        "YT123456789TR",
        (BASE + timedelta(hours=1)).astimezone(),
        Status.IN_TRANSIT,
        "left hub",
        Location(city="İstanbul"),
    )
    assert same_instant_other_offset.event_id == a.event_id


def test_a_history_arriving_at_once_notifies_once_for_where_it_ends() -> None:
    result = merge_update(
        EMPTY,
        update(
            event(Status.INFO_RECEIVED, 0), event(Status.IN_TRANSIT, 1), event(Status.DELIVERED, 9)
        ),
    )
    assert [(c.kind, c.previous_status) for c in result.changes] == [("delivered", Status.PENDING)]


def test_in_transit_notifies_the_first_time_only() -> None:
    first = merge_update(EMPTY, update(event(Status.IN_TRANSIT, 1)))
    assert first.changes[0].notify_customer
    failed = merge_update(first.state, update(event(Status.FAILED_ATTEMPT, 2)))
    back = merge_update(failed.state, update(event(Status.IN_TRANSIT, 3)))
    assert back.changes[0].kind == "in_transit"
    assert not back.changes[0].notify_customer


def test_info_received_changes_status_without_telling_the_shopper() -> None:
    result = merge_update(EMPTY, update(event(Status.INFO_RECEIVED, 1)))
    assert result.changes[0].kind == "info_received"
    assert not result.changes[0].notify_customer


def test_carrier_reported_delay_starts_one_episode_and_a_later_estimate_clears_it() -> None:
    late = merge_update(
        EMPTY, update(event(Status.IN_TRANSIT, 1, delayed=True), estimate="2026-11-25")
    )
    assert late.state.delayed and late.state.delay_reason == DelayReason.CARRIER_REPORTED
    assert [c.kind for c in late.changes] == ["in_transit", "delayed"]
    still = merge_update(late.state, update(event(Status.IN_TRANSIT, 2, "more", delayed=True)))
    assert still.state.delayed
    assert [c.kind for c in still.changes] == []  # same episode, no second message
    cleared = merge_update(
        still.state, update(event(Status.IN_TRANSIT, 3, "moving"), estimate="2026-11-27")
    )
    assert not cleared.state.delayed


def test_final_status_clears_a_delay() -> None:
    late = start_delay(
        merge_update(EMPTY, update(event(Status.IN_TRANSIT, 1))).state,
        DelayReason.STALLED,
        BASE + timedelta(hours=80),
    )
    assert late.state.delayed and late.changes[0].kind == "delayed"
    done = merge_update(late.state, update(event(Status.DELIVERED, 90)))
    assert not done.state.delayed and done.state.delay_reason is None


def test_estimate_from_the_newest_update_wins_in_any_order() -> None:
    old = update(event(Status.IN_TRANSIT, 1), estimate="2026-11-25")
    new = update(event(Status.OUT_FOR_DELIVERY, 5), estimate="2026-11-24")
    forward = merge_update(merge_update(EMPTY, old).state, new).state
    backward = merge_update(merge_update(EMPTY, new).state, old).state
    assert forward.estimated_delivery == backward.estimated_delivery == "2026-11-24"


# --- properties -----------------------------------------------------------------

statuses = st.sampled_from(list(Status))
events = st.builds(
    event,
    statuses,
    st.integers(min_value=0, max_value=12).map(float),
    st.sampled_from([None, "hub", "courier"]),
    delayed=st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(events, min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_any_permutation_of_any_multiset_gives_the_same_state_and_changes(
    batch: list[TrackingEvent], rng: random.Random
) -> None:
    with_duplicates = batch + rng.sample(batch, k=rng.randint(0, len(batch)))
    shuffled = with_duplicates[:]
    rng.shuffle(shuffled)
    a = merge_update(EMPTY, update(*batch))
    b = merge_update(EMPTY, update(*shuffled))
    assert a.state == b.state
    assert set(a.changes) == set(b.changes)


@settings(max_examples=200, deadline=None)
@given(st.lists(events, min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_one_at_a_time_in_any_order_ends_in_the_same_status_and_history(
    batch: list[TrackingEvent], rng: random.Random
) -> None:
    at_once = merge_update(EMPTY, update(*batch)).state
    shuffled = batch + batch
    rng.shuffle(shuffled)
    state = EMPTY
    for item in shuffled:
        state = merge_update(state, update(item)).state
    assert (state.status, state.status_at, state.events) == (
        at_once.status,
        at_once.status_at,
        at_once.events,
    )
