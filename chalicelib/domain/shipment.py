"""A shipment's state and the one rule that moves it: `merge_update`.

The merge is a pure function of (stored state, new events), so the same
multiset of events in any order, delivered any number of times, gives the
same state (CONTRACT.md section 3). Everything that must happen because the
state changed is returned as `Change`s, which the store writes as outbox rows
in the same transaction as the state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from chalicelib.domain.events import CarrierUpdate, TrackingEvent, format_utc
from chalicelib.domain.status import NOTIFYING_STATUSES, Status

# The state item keeps the newest events only; DynamoDB items stop at 400 KB, so the
# history is cut by count and by its (estimated) stored size, whichever comes first.
MAX_STORED_EVENTS = 300
MAX_STORED_HISTORY_BYTES = 300_000


# An event dated more than this far ahead of the receiving clock is kept but does
# nothing until its time has come (a carrier's clock may run a little fast, not months).
FUTURE_TOLERANCE = timedelta(hours=1)
# Carriers whose "final" statuses may be reversed the same day (MNG: delivered, not
# delivered and returned can be corrected before the day closes). Such a status
# counts only from the end of its day, in the carrier's own time zone.
SAME_DAY_REVERSIBLE_CARRIERS = frozenset({"mng"})
CARRIER_ZONE = ZoneInfo("Europe/Istanbul")


def effective_from(event: TrackingEvent) -> datetime:
    """From when an event may move the shipment's status (CONTRACT.md sections 3, 10)."""
    if event.carrier in SAME_DAY_REVERSIBLE_CARRIERS and event.status.is_final:
        local_day = event.occurred_at.astimezone(CARRIER_ZONE).date() + timedelta(days=1)
        return datetime.combine(local_day, time(0), tzinfo=CARRIER_ZONE).astimezone(
            event.occurred_at.tzinfo
        )
    return event.occurred_at - FUTURE_TOLERANCE


class DelayReason(StrEnum):
    CARRIER_REPORTED = "carrier_reported"
    ETA_PASSED = "eta_passed"
    STALLED = "stalled"


@dataclass(frozen=True, slots=True)
class Change:
    """Something the shopper or the shop may need to hear about: one outbox row."""

    kind: str  # a Status value, or "delayed"
    status: Status
    previous_status: Status
    occurred_at: datetime
    notify_customer: bool
    delay_reason: DelayReason | None = None
    # A status change that also starts a delay: its one message says both, and the
    # delay's own change (kept for the shop's `shipment.delayed` event) tells no one.
    with_delay: bool = False

    @property
    def change_id(self) -> str:
        """Stable across redeliveries: the same change always gets the same id."""
        return f"{format_utc(self.occurred_at)}#{self.kind}"


@dataclass(frozen=True, slots=True)
class ShipmentState:
    carrier: str
    tracking_number: str
    status: Status = Status.PENDING
    status_at: datetime | None = None
    events: tuple[TrackingEvent, ...] = ()  # newest first
    estimated_delivery: str | None = None
    estimate_as_of: datetime | None = None
    delayed: bool = False
    delay_reason: DelayReason | None = None
    delay_since: datetime | None = None
    reached: frozenset[Status] = field(default_factory=frozenset)
    last_event_at: datetime | None = None
    # The earliest moment a stored but not yet effective event (dated in the future,
    # or a same-day reversible final) starts to count: the scan merges again then.
    pending_until: datetime | None = None

    @property
    def event_ids(self) -> frozenset[str]:
        return frozenset(event.event_id for event in self.events)


@dataclass(frozen=True, slots=True)
class MergeResult:
    state: ShipmentState
    new_events: tuple[TrackingEvent, ...]
    changes: tuple[Change, ...]

    estimate_moved: bool = False

    @property
    def is_noop(self) -> bool:
        """Nothing to write: a redelivery or a repeat of known history."""
        return not self.new_events and not self.changes and not self.estimate_moved


def merge_update(
    state: ShipmentState, update: CarrierUpdate, now: datetime | None = None
) -> MergeResult:
    """Fold one carrier update into the stored state, as things stand at `now`.

    Events that are not yet effective at `now` (see `effective_from`) are stored
    but move nothing; `pending_until` says when to merge again. Without `now`
    every event counts (the history's own view, used by property tests)."""
    # Events are keyed by identity. Two deliveries of one event may differ in
    # fields outside the identity (the vendor's raw status, the delay flag);
    # the larger `detail_rank` wins, so the stored history never depends on
    # which copy arrived first.
    stored = {event.event_id: event for event in state.events}
    fresh: dict[str, TrackingEvent] = {}
    for event in update.events:
        key = event.event_id
        best = fresh.get(key) or stored.get(key)
        if best is None or event.detail_rank > best.detail_rank:
            fresh[key] = event
    new_events = tuple(sorted(fresh.values(), key=_sort_key, reverse=True))
    kept = (event for key, event in stored.items() if key not in fresh)
    all_events = tuple(sorted((*kept, *new_events), key=_sort_key, reverse=True))

    effective = (
        all_events
        if now is None
        else tuple(event for event in all_events if effective_from(event) <= now)
    )
    pending_until = min(
        (effective_from(event) for event in all_events if event not in effective), default=None
    )
    status, status_at = _current_status(effective, state)
    changes: list[Change] = []
    previous = state.status
    if status != previous and status_at is not None:
        changes.append(
            Change(
                kind=status.value,
                status=status,
                previous_status=previous,
                occurred_at=status_at,
                notify_customer=_notifies(status, state.reached),
            )
        )

    estimate, estimate_as_of, estimate_later = _merge_estimate(state, update)
    delayed, reason, since = state.delayed, state.delay_reason, state.delay_since
    if status.is_final or estimate_later:
        delayed, reason, since = False, None, None
    reported_at = _carrier_delay_reported_at(effective, status, estimate_as_of)
    if not delayed and reported_at is not None:
        delayed, reason, since = True, DelayReason.CARRIER_REPORTED, reported_at
        status_change = changes[0] if changes else None
        if status_change is not None and status_change.notify_customer:
            # One change, one message: the status message says the delay too.
            changes[0] = replace(status_change, with_delay=True, delay_reason=reason)
        changes.append(
            Change(
                kind="delayed",
                status=status,
                previous_status=previous,
                occurred_at=reported_at,
                notify_customer=not (changes and changes[0].with_delay),
                delay_reason=reason,
            )
        )

    last_event_at = max((event.occurred_at for event in effective), default=state.last_event_at)
    merged = replace(
        state,
        status=status,
        status_at=status_at,
        events=_trim_history(all_events),
        estimated_delivery=estimate,
        estimate_as_of=estimate_as_of,
        delayed=delayed,
        delay_reason=reason,
        delay_since=since,
        reached=state.reached | {status} if status != Status.PENDING else state.reached,
        last_event_at=last_event_at,
        pending_until=pending_until,
    )
    moved = (estimate, estimate_as_of) != (state.estimated_delivery, state.estimate_as_of)
    moved = moved or pending_until != state.pending_until
    return MergeResult(merged, new_events, tuple(changes), estimate_moved=moved)


def start_delay(state: ShipmentState, reason: DelayReason, since: datetime) -> MergeResult:
    """A delay found by the clock (estimate passed, or no news for too long)."""
    if state.delayed or state.status.is_final:
        return MergeResult(state, (), ())
    change = Change(
        kind="delayed",
        status=state.status,
        previous_status=state.status,
        occurred_at=since,
        notify_customer=True,
        delay_reason=reason,
    )
    delayed = replace(state, delayed=True, delay_reason=reason, delay_since=since)
    return MergeResult(delayed, (), (change,))


def _sort_key(event: TrackingEvent) -> tuple[datetime, bool, int, str]:
    return (*event.precedence, event.event_id)


def _latest_status_event(events: Iterable[TrackingEvent]) -> TrackingEvent | None:
    """The newest event that may set a status (`unknown` never does)."""
    candidates = [event for event in events if event.status != Status.UNKNOWN]
    return max(candidates, key=_sort_key) if candidates else None


def _current_status(
    events: tuple[TrackingEvent, ...], state: ShipmentState
) -> tuple[Status, datetime | None]:
    latest = _latest_status_event(events)
    if latest is None:
        return state.status, state.status_at
    return latest.status, latest.occurred_at


def _carrier_delay_reported_at(
    events: tuple[TrackingEvent, ...], status: Status, estimate_as_of: datetime | None
) -> datetime | None:
    """The time of the newest delay report, unless a newer estimate superseded it
    (it names the delay episode). A function of the history, not of arrival order."""
    reports = [event for event in events if event.delayed and event.status != Status.UNKNOWN]
    if not reports or status.is_final:
        return None
    newest = max(reports, key=_sort_key)
    if estimate_as_of is not None and estimate_as_of > newest.occurred_at:
        return None
    return newest.occurred_at


def _trim_history(events: tuple[TrackingEvent, ...]) -> tuple[TrackingEvent, ...]:
    """Newest first, as many as fit the item."""
    kept, size = 0, 0
    for event in events[:MAX_STORED_EVENTS]:
        size += event.stored_size_estimate
        if size > MAX_STORED_HISTORY_BYTES:
            break
        kept += 1
    return events[:kept]


def _notifies(status: Status, reached: frozenset[Status]) -> bool:
    if status not in NOTIFYING_STATUSES:
        return False
    return not (status == Status.IN_TRANSIT and Status.IN_TRANSIT in reached)


def _merge_estimate(
    state: ShipmentState, update: CarrierUpdate
) -> tuple[str | None, datetime | None, bool]:
    """The estimate from the newest update wins, whatever order updates arrive in.

    An update's age is the time of the newest event it carries; on a tie the
    later estimate wins, so the result never depends on arrival order. Returns
    (estimate, as of, whether it moved the estimate later).
    """
    if update.estimated_delivery is None or not update.events:
        return state.estimated_delivery, state.estimate_as_of, False
    as_of = max(event.occurred_at for event in update.events)
    current, current_as_of = state.estimated_delivery, state.estimate_as_of
    newer = current_as_of is None or as_of > current_as_of
    tie_and_later = (
        as_of == current_as_of and current is not None and update.estimated_delivery > current
    )
    if not (newer or tie_and_later):
        return current, current_as_of, False
    later = current is not None and update.estimated_delivery > current
    return update.estimated_delivery, as_of, later
