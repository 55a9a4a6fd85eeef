"""When a polled shipment is asked about: derived from what is stored, never written for it.

Every open shipment of a polled carrier carries two attributes of the sparse GSI
`by_poll`:

- `poll_part` = `POLL#{carrier}#{tier}#{shard}`: the tier is `near` while the
  parcel is close to the door (out for delivery, at a pickup point, after a
  failed attempt), else `regular`. It changes only with the status, that is only
  in writes that happen anyway; a final or expired shipment has no attributes
  and leaves the index, so it is never polled again. The shard (from a hash of
  the key) spreads one carrier's millions of shipments over several partitions.
- `poll_slot`: a fixed place in every polling cycle, `0 <= slot < SLOT_SPACE`,
  from a hash of the key. Slot `s` of a tier with interval `I` comes due at the
  moments `t` with `t mod I == s * I / SLOT_SPACE`, so each shipment is asked
  once per interval, the load spreads evenly over the cycle, and changing an
  interval rewrites nothing.

Runs tile time: each stands for one tick of the schedule, `[end - tick, end)` with
`end` the scheduled time floored to the tick. A tier's slots are read in periods
of 1/24 of its interval (`cadence`: every 5 minutes for 2 hours), by the run in
which a period ends, so a request carries several minutes' worth of shipments.
Each run queries exactly the slots that came due; nothing about a poll is
stored, so a poll that learns nothing writes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from chalicelib.domain.status import Status

# Each run queries every (tier, shard) of a carrier: a fixed 8 queries a minute per
# carrier, against partitions that each take a quarter of the carrier's index writes.
POLL_SHARDS = 4
SLOT_SPACE = 1 << 20

NEAR_STATUSES = frozenset(
    (Status.OUT_FOR_DELIVERY, Status.AVAILABLE_FOR_PICKUP, Status.FAILED_ATTEMPT)
)


class Tier(StrEnum):
    NEAR = "near"
    REGULAR = "regular"


def tier_for(status: Status) -> Tier | None:
    """None: a final (or expired) shipment is not polled."""
    if status.is_final:
        return None
    return Tier.NEAR if status in NEAR_STATUSES else Tier.REGULAR


def _digest(carrier: str, tracking_number: str) -> bytes:
    return hashlib.sha256(f"{carrier}#{tracking_number}".encode()).digest()


def poll_slot(carrier: str, tracking_number: str) -> int:
    return int.from_bytes(_digest(carrier, tracking_number)[:4], "big") % SLOT_SPACE


def poll_shard(carrier: str, tracking_number: str) -> int:
    return _digest(carrier, tracking_number)[4] % POLL_SHARDS


def poll_partition(carrier: str, tier: Tier, shard: int) -> str:
    return f"POLL#{carrier}#{tier.value}#{shard:02d}"


def poll_index_attributes(
    carrier: str, tracking_number: str, status: Status, polled: Collection[str] | None = None
) -> dict[str, Any]:
    """The `by_poll` attributes of a registered shipment; None values remove them
    (the item leaves the sparse index). `polled`: the polled carriers' slugs."""
    if polled is None:
        from chalicelib.carriers import POLLED_MODULES

        polled = POLLED_MODULES
    tier = tier_for(status) if carrier in polled else None
    if tier is None:
        return {"poll_part": None, "poll_slot": None}
    return {
        "poll_part": poll_partition(carrier, tier, poll_shard(carrier, tracking_number)),
        "poll_slot": poll_slot(carrier, tracking_number),
    }


def shipment_key_from_pk(pk: str) -> tuple[str, str]:
    """`SHIP#{carrier}#{tracking}` -> (carrier, tracking): what a keys-only index gives."""
    _, carrier, tracking = pk.split("#", 2)
    return carrier, tracking


# --- which slots came due ----------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Moments `[start, end)` in epoch seconds whose slots one run asks about."""

    start: int
    end: int


def tick_window(scheduled_at: datetime, tick_seconds: int) -> Window:
    """The tick that ended at or before `scheduled_at`: consecutive runs tile time,
    and a retried invocation (same scheduled time) reads the same slots."""
    end = int(scheduled_at.timestamp()) // tick_seconds * tick_seconds
    return Window(end - tick_seconds, end)


# A tier's slots are read in periods of 1/24 of its interval (5 minutes of 2 hours),
# so each request carries the shipments of several minutes: fuller batches, fewer
# calls to the carrier, at most that period later than the slot's moment.
CADENCE_DIVISOR = 24


def cadence(interval_seconds: int, tick_seconds: int) -> int:
    """How often a tier's slots are read: a whole number of ticks, at least one."""
    return tick_seconds * max(1, interval_seconds // (CADENCE_DIVISOR * tick_seconds))


def tier_window(window: Window, period: int, missed_from: int | None = None) -> Window:
    """What a tier read every `period` seconds asks about in the run of `window`: the
    periods that ended in `(start, end]` (none or one for a one-tick window), and from
    `missed_from` on when the carrier still owes shipments from a run that failed.
    Empty when no period ended and nothing is owed."""
    start = window.start // period * period
    end = window.end // period * period
    if missed_from is not None and missed_from < end:
        start = min(start, missed_from)
    return Window(start, end)


def slot_ranges(window: Window, interval_seconds: int) -> list[tuple[int, int]]:
    """Inclusive slot ranges due in `window` for a tier polled every `interval_seconds`.

    Slot `s` is due at offset `s * I / SLOT_SPACE` into each cycle; it falls in
    `[a, b)` exactly when `ceil(a * S / I) <= s < ceil(b * S / I)`."""
    if window.end <= window.start:
        return []
    if window.end - window.start >= interval_seconds:
        return [(0, SLOT_SPACE - 1)]
    first = _first_slot_at(window.start % interval_seconds, interval_seconds)
    last = _first_slot_at(window.end % interval_seconds, interval_seconds)
    if window.start % interval_seconds <= window.end % interval_seconds:
        return [(first, last - 1)] if first < last else []
    ranges = [(first, SLOT_SPACE - 1)] if first < SLOT_SPACE else []
    return ranges + ([(0, last - 1)] if last > 0 else [])


def _first_slot_at(offset: int, interval_seconds: int) -> int:
    return -(-offset * SLOT_SPACE // interval_seconds)


def slot_due_at(slot: int, interval_seconds: int, after: datetime) -> datetime:
    """The first moment at or after `after` when `slot` comes due (for tests and tools)."""
    offset = slot * interval_seconds // SLOT_SPACE
    start = int(after.timestamp())
    cycle = start // interval_seconds * interval_seconds
    moment = cycle + offset
    if moment < start:
        moment += interval_seconds
    return datetime.fromtimestamp(moment, UTC)


def first_run_asking(
    slot: int, interval_seconds: int, tick_seconds: int, after: datetime
) -> datetime:
    """The scheduled time of the first run at or after `after` that asks about `slot`."""
    period = cadence(interval_seconds, tick_seconds)
    moment = int(slot_due_at(slot, interval_seconds, after).timestamp())
    return datetime.fromtimestamp((moment // period + 1) * period, UTC)
