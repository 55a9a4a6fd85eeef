"""What the clock does to a shipment: stalls, passed estimates, expiry, and the
post-delivery rating request (CONTRACT.md sections 3 and 8).

Pure functions of (state, now, timings). The scheduled scan applies them to
the shipments whose `next_check` has come, and `next_check` is what the
sparse due-index stores, so the scan reads only what is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from chalicelib.domain.events import TrackingEvent, estimate_deadline
from chalicelib.domain.shipment import DelayReason, MergeResult, ShipmentState, start_delay
from chalicelib.domain.status import Status

QUIET_FROM, QUIET_UNTIL = time(21, 0), time(9, 0)


@dataclass(frozen=True)
class Timings:
    stall: timedelta
    expire: timedelta
    feedback_delay: timedelta
    zone: tzinfo
    thank_you_delay: timedelta | None = None  # None: no thank-you messages


@dataclass(frozen=True)
class ClockFacts:
    """What the shipment item knows beyond the merge state."""

    registered_at: datetime
    feedback_requested: bool = False
    rated: bool = False
    is_return: bool = False
    thanked: bool = False


def activity_since(state: ShipmentState, facts: ClockFacts) -> datetime:
    """The last sign of life: the newest carrier event, else the registration."""
    return max(filter(None, (state.last_event_at, facts.registered_at)))


def expiry_event(state: ShipmentState, facts: ClockFacts, timings: Timings) -> TrackingEvent:
    """The synthetic event that ends tracking; its time is fixed by the data, so
    running the scan twice cannot make two of them."""
    return TrackingEvent(
        carrier=state.carrier,
        tracking_number=state.tracking_number,
        occurred_at=activity_since(state, facts) + timings.expire,
        status=Status.EXPIRED,
        description=None,
        carrier_status="kargo:expired",  # Kargo's own event, shown in the reader's language
    )


def clock_delay(
    state: ShipmentState, facts: ClockFacts, now: datetime, timings: Timings
) -> MergeResult | None:
    """A delay the clock finds: the estimate has passed, or no news for too long."""
    if state.status.is_final or state.delayed:
        return None
    if state.estimated_delivery:
        deadline = estimate_deadline(state.estimated_delivery, timings.zone)
        if now >= deadline:
            return start_delay(state, DelayReason.ETA_PASSED, deadline)
    stalled_at = activity_since(state, facts) + timings.stall
    if now >= stalled_at:
        return start_delay(state, DelayReason.STALLED, stalled_at)
    return None


def feedback_due_at(state: ShipmentState, facts: ClockFacts, timings: Timings) -> datetime | None:
    if state.status != Status.DELIVERED or facts.feedback_requested or facts.rated:
        return None
    if facts.is_return or state.status_at is None:
        return None
    return state.status_at + timings.feedback_delay


def thank_you_due_at(state: ShipmentState, facts: ClockFacts, timings: Timings) -> datetime | None:
    """`thank_you` (section 8): days after delivery, once, never for a return."""
    if state.status != Status.DELIVERED or facts.thanked or facts.is_return:
        return None
    if state.status_at is None or timings.thank_you_delay is None:
        return None
    return state.status_at + timings.thank_you_delay


def next_check(state: ShipmentState, facts: ClockFacts, timings: Timings) -> datetime | None:
    """When the scan must look at this shipment next; None: never again."""
    pending = [state.pending_until] if state.pending_until else []
    if state.status.is_final:
        due = [*pending, *filter(None, (feedback_due_at(state, facts, timings),))]
        due += filter(None, (thank_you_due_at(state, facts, timings),))
        return min(due, default=None)
    since = activity_since(state, facts)
    candidates = [*pending, since + timings.expire]
    if not state.delayed:
        candidates.append(since + timings.stall)
        if state.estimated_delivery:
            candidates.append(estimate_deadline(state.estimated_delivery, timings.zone))
    return min(candidates)


def in_quiet_hours(now: datetime, zone: tzinfo) -> bool:
    local = now.astimezone(zone).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


def end_of_quiet_hours(now: datetime, zone: tzinfo) -> datetime:
    """The next 09:00 where the shopper lives (SMS held overnight go out then)."""
    local = now.astimezone(zone)
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_UNTIL, tzinfo=zone)
