"""Use case: the scheduled scan (an EventBridge schedule in AWS; every
`KARGO_SCAN_INTERVAL` seconds locally).

It reads only what is due: the sparse `by_due` index holds a shipment only
while something may happen to it (a stall, a passed estimate, expiry, the
rating request) and held night-time SMS until 09:00. Its cost grows with the
number of due items, not with the table.

At 10 million open shipments about 27,000 items fall due between two runs, so:
- the 16 index shards are worked concurrently (a bounded thread pool), each
  page of up to 100 keys read back with one consistent BatchGetItem;
- the first shard rotates with the run, so with fewer workers than shards no
  shard always comes last;
- a run stops cleanly before its time budget (the Lambda's remaining time less
  a margin): what it did not reach is still due, and the next run takes it up;
- each item's work is bounded (a few retries on contention, then the next run);
- the report is logged as one JSON line and emitted as metrics, with the lag:
  how long the oldest item it saw had been due.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from chalicelib import store
from chalicelib.config import settings
from chalicelib.domain.events import CarrierUpdate, format_utc, parse_utc
from chalicelib.domain.shipment import Change, MergeResult, merge_update
from chalicelib.domain.status import Status
from chalicelib.domain.timing import (
    clock_delay,
    expiry_event,
    feedback_due_at,
    thank_you_due_at,
)
from chalicelib.store.due import DueItem, due_pages, load_due_items
from chalicelib.store.table import prepare_client

logger = logging.getLogger(__name__)
PAGE_SIZE = 100
# Stop this long before the Lambda would be killed: a page in flight finishes.
SAFETY_MARGIN_MS = 5_000
CONTENTION_RETRIES = 3


@dataclass
class ScanReport:
    items_read: int = 0
    delayed: int = 0
    expired: int = 0
    applied_pending: int = 0
    feedback_requests: int = 0
    thank_yous: int = 0
    held_sms_sent: int = 0
    rescheduled: int = 0
    contended: int = 0
    errors: list[str] = field(default_factory=list)
    shards_done: int = 0  # shards read to their end (every due item of them handled)
    stopped_early: bool = False  # the time budget ran out: the rest stays due
    first_shard: int = 0
    lag_seconds: float = 0.0  # how long the oldest item seen had been due
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + amount)

    def note_error(self, name: str) -> None:
        with self._lock:
            self.errors.append(name)

    def note_due(self, due_at: str, now: datetime) -> None:
        lag = (now - parse_utc(due_at)).total_seconds()
        with self._lock:
            self.lag_seconds = max(self.lag_seconds, lag)

    def as_dict(self, now: datetime) -> dict[str, Any]:
        values = {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
        return {"at": format_utc(now), **values}


class Budget:
    """The time a run may take: `remaining_ms` (the Lambda context's
    `get_remaining_time_in_millis`) less a margin; None: no limit (local runs)."""

    def __init__(self, remaining_ms: Callable[[], int] | None, margin_ms: int = SAFETY_MARGIN_MS):
        self._deadline = (
            time.monotonic() + (remaining_ms() - margin_ms) / 1000 if remaining_ms else None
        )

    def exhausted(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline


def first_shard(now: datetime) -> int:
    """Rotates every run (by the scan interval), so no shard is always last."""
    interval = max(1, settings().scan_interval_seconds)
    return int(now.timestamp() // interval) % store.DUE_SHARDS


def scan_due_shipments(
    now: datetime,
    remaining_ms: Callable[[], int] | None = None,
    *,
    workers: int | None = None,
) -> dict[str, Any]:
    """Handle what is due at `now` across all shards, within the time budget, with
    `workers` threads (default: settings, 16 in AWS: the work is round trips)."""
    workers = workers or settings().scan_workers
    report = ScanReport(first_shard=first_shard(now))
    budget = Budget(remaining_ms)
    prepare_client()  # created once, before the threads share it
    settings()
    order = [(report.first_shard + i) % store.DUE_SHARDS for i in range(store.DUE_SHARDS)]
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="scan") as pool:
        for finished in pool.map(lambda shard: _scan_shard(shard, now, budget, report), order):
            if finished:
                report.shards_done += 1
    report.stopped_early = report.shards_done < store.DUE_SHARDS
    result = report.as_dict(now)
    _publish(result)
    return result


def _publish(result: dict[str, Any]) -> None:
    from chalicelib import observability

    observability.scan_report(result)


def _scan_shard(shard: int, now: datetime, budget: Budget, report: ScanReport) -> bool:
    """True when the shard was read to its end; False when the budget ran out
    (or the index could not be read): its remaining items stay due."""
    try:
        for page in due_pages(shard, now, PAGE_SIZE):
            if budget.exhausted():
                return False
            items = load_due_items(page, now)
            for key in page:
                if budget.exhausted():
                    return False
                report.add("items_read")
                report.note_due(key.due_at, now)
                try:
                    _handle(items.get(key.key), now, report)
                except Exception as error:  # one bad item must not stop the scan
                    logger.exception("scan failed on an item")
                    report.note_error(type(error).__name__)
    except Exception as error:  # a shard that cannot be read must not stop the others
        logger.exception("scan could not read a shard")
        report.note_error(type(error).__name__)
        return False
    return True


def _handle(item: DueItem | None, now: datetime, report: ScanReport) -> None:
    # None: gone, or no longer due (rescheduled since the index page was read).
    if item is None:
        return
    if item.record_type == "notification":
        from chalicelib.notify.dispatch import send_held_sms

        if send_held_sms(item.values(), now):
            report.add("held_sms_sent")
        return
    if item.record_type != "shipment":
        return
    from chalicelib.retry import retry

    first = item.shipment()
    reads = [first]

    def attempt() -> None:
        record = reads.pop() if reads else store.load_shipment(*first.key)
        if record is None:
            return
        try:
            _advance(record, now, report)
        except store.ConcurrentUpdate:
            report.add("contended")
            raise

    try:
        retry(attempt, on=store.ConcurrentUpdate, attempts=CONTENTION_RETRIES)
    except store.ConcurrentUpdate:
        logger.warning("scan gave up on a contended shipment until the next run")


def _advance(record: store.ShipmentRecord, now: datetime, report: ScanReport) -> None:
    facts = store.clock_facts(record)
    if facts is None:
        return
    state, timings = record.state, settings().timings
    result: MergeResult | None = None
    if state.pending_until is not None and now >= state.pending_until:
        # Events that were dated ahead (or a same-day reversible final) count now.
        result = merge_update(state, CarrierUpdate(state.carrier, state.tracking_number), now)
        report.add("applied_pending")
    elif not state.status.is_final and now >= expiry_event(state, facts, timings).occurred_at:
        expired = expiry_event(state, facts, timings)
        result = merge_update(
            state, CarrierUpdate(state.carrier, state.tracking_number, (expired,)), now
        )
        report.add("expired")
    elif (delay := clock_delay(state, facts, now, timings)) is not None:
        result = delay
        report.add("delayed")
    due_feedback = feedback_due_at(state, facts, timings)
    if result is None and due_feedback is not None and now >= due_feedback:
        request = Change(
            kind="feedback_request",
            status=Status.DELIVERED,
            previous_status=Status.DELIVERED,
            occurred_at=due_feedback,
            notify_customer=True,
        )
        extra = record.extra | {"feedback_requested_at": format_utc(now)}
        record = replace(record, extra=extra)
        result = MergeResult(state, (), (request,))
        report.add("feedback_requests")
    due_thanks = thank_you_due_at(state, facts, timings)
    if result is None and due_thanks is not None and now >= due_thanks:
        thanks = Change(
            kind="thank_you",
            status=Status.DELIVERED,
            previous_status=Status.DELIVERED,
            occurred_at=due_thanks,
            notify_customer=True,
        )
        record = replace(record, extra=record.extra | {"thanked_at": format_utc(now)})
        result = MergeResult(state, (), (thanks,))
        report.add("thank_yous")
    if result is None:
        result = MergeResult(state, (), ())  # nothing happened: just reschedule
        report.add("rescheduled")
    store.save_merge(record, result, now)
