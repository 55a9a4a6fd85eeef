"""When an event starts to count (CONTRACT.md sections 3, 7 and 10): events from the
future wait for their time, a same-day reversible final waits for the day's end,
and a status change that brings a delay is one change to tell."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.domain.events import CarrierUpdate, TrackingEvent
from chalicelib.domain.shipment import ShipmentState, effective_from, merge_update
from chalicelib.domain.status import Status

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def event(status: Status, at: datetime, carrier: str = "yurtici", **extra: object) -> TrackingEvent:
    return TrackingEvent(carrier, "YT1234TR", at, status, **extra)  # type: ignore[arg-type]


def merged(
    *events: TrackingEvent, now: datetime | None = NOW, carrier: str = "yurtici"
) -> ShipmentState:
    update = CarrierUpdate(carrier, "YT1234TR", tuple(events))
    return merge_update(ShipmentState(carrier, "YT1234TR"), update, now).state


def test_an_event_more_than_an_hour_ahead_is_kept_but_moves_nothing() -> None:
    ahead = NOW + timedelta(hours=2)
    state = merged(event(Status.IN_TRANSIT, NOW), event(Status.DELIVERED, ahead))
    assert state.status == Status.IN_TRANSIT
    assert len(state.events) == 2
    assert state.pending_until == ahead - timedelta(hours=1)
    assert state.last_event_at == NOW  # a future event is no sign of life yet


def test_within_the_tolerance_it_counts_at_once() -> None:
    state = merged(event(Status.OUT_FOR_DELIVERY, NOW + timedelta(minutes=59)))
    assert (state.status, state.pending_until) == (Status.OUT_FOR_DELIVERY, None)


def test_merging_again_when_its_time_has_come_applies_it() -> None:
    ahead = NOW + timedelta(days=10)
    waiting = merged(event(Status.IN_TRANSIT, NOW), event(Status.DELIVERED, ahead))
    later = merge_update(waiting, CarrierUpdate("yurtici", "YT1234TR"), ahead)
    assert later.state.status == Status.DELIVERED
    assert [change.kind for change in later.changes] == ["delivered"]
    assert later.state.pending_until is None


def test_without_a_clock_every_event_counts() -> None:
    assert merged(event(Status.DELIVERED, NOW + timedelta(days=300)), now=None).status == (
        Status.DELIVERED
    )


def test_mng_delivered_counts_from_the_end_of_its_day_in_istanbul() -> None:
    at = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # 14:00 in Istanbul
    delivered = event(Status.DELIVERED, at, carrier="mng")
    midnight = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)  # 24:00 in Istanbul
    assert effective_from(delivered) == midnight
    before = merged(event(Status.OUT_FOR_DELIVERY, at - timedelta(hours=3), carrier="mng"),
                    delivered, now=at + timedelta(hours=1), carrier="mng")  # fmt: skip
    assert before.status == Status.OUT_FOR_DELIVERY and before.pending_until == midnight
    after = merge_update(before, CarrierUpdate("mng", "YT1234TR"), midnight).state
    assert after.status == Status.DELIVERED


def test_mng_reversal_the_same_day_never_made_it_final() -> None:
    at = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    reversal = event(Status.OUT_FOR_DELIVERY, at + timedelta(hours=2), carrier="mng")
    state = merged(event(Status.DELIVERED, at, carrier="mng"), reversal,
                   now=at + timedelta(hours=3), carrier="mng")  # fmt: skip
    assert state.status == Status.OUT_FOR_DELIVERY
    assert Status.DELIVERED not in state.reached


def test_other_carriers_finals_count_at_once() -> None:
    assert effective_from(event(Status.DELIVERED, NOW)) == NOW - timedelta(hours=1)


def test_a_new_status_that_brings_a_delay_is_one_message() -> None:
    result = merge_update(
        ShipmentState("yurtici", "YT1234TR"),
        CarrierUpdate("yurtici", "YT1234TR", (event(Status.IN_TRANSIT, NOW, delayed=True),)),
        NOW,
    )
    status_change, delay_change = result.changes
    assert (status_change.kind, status_change.with_delay, status_change.notify_customer) == (
        "in_transit",
        True,
        True,
    )
    # The delay's own change stays for the shop's `shipment.delayed` event, silently.
    assert (delay_change.kind, delay_change.notify_customer) == ("delayed", False)


def test_a_delay_on_a_status_that_tells_no_one_is_its_own_message() -> None:
    first = merged(event(Status.IN_TRANSIT, NOW - timedelta(hours=5)))
    # A second `in_transit` is no news, so the delay tells the shopper on its own.
    update = CarrierUpdate("yurtici", "YT1234TR", (event(Status.IN_TRANSIT, NOW, delayed=True,
                                                          description="Aktarma"),))  # fmt: skip
    changes = merge_update(first, update, NOW).changes
    assert [(c.kind, c.notify_customer) for c in changes] == [("delayed", True)]
