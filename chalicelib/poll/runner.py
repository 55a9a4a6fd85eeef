"""One run of the poller: ask each polled carrier about its shipments that came due.

The scheduled run (`run_scheduled`, every minute in AWS) reads from the sparse
`by_poll` index exactly the slots that came due during the last tick (see
`schedule`); the request run (`handle_poll_requests`) asks about the shipments
named on the poll-request queue (first polls, merchant refreshes). Both ask
each carrier in batches of its `batch_size`, at most `max_concurrency` at once,
paced by its own token bucket, and put every raw answer on the webhook queue as
a delivery of source `poll:<slug>`: the consumer parses, dedupes and notifies
as for any webhook, so a poll that learns nothing writes nothing.

Carriers are asked side by side, each on its own: one that fails is retried a
few times with backoff and jitter inside the run, then left alone for a growing
time. That is the only poll state that is stored: one small item per carrier
(`POLLER#{slug}` / `STATE`, in chalicelib/store/pollers.py), written when it
fails and deleted when it recovers, holding when to try again and the earliest
due moment it still owes (`missed_from`), so its shipments wait for it rather
than miss a cycle.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib import aws, clock
from chalicelib.carriers.polled import (
    POLL_SOURCE_PREFIX,
    CarrierAccount,
    CarrierRefused,
    CarrierUnavailable,
    PolledCarrier,
)
from chalicelib.config import PollSettings, carrier_accounts, poll_settings
from chalicelib.domain.events import format_utc, parse_utc
from chalicelib.poll import limits, schedule
from chalicelib.poll.requests import read_poll_request
from chalicelib.store.pollers import (
    CarrierState,
    load_carrier_states,
    query_slots,
    save_carrier_state,
)

logger = logging.getLogger(__name__)

# A poll request the carrier could not be asked about is retried by SQS this
# many times; then it is dropped (logged): the schedule asks anyway.
REQUEST_RECEIVES = 4
_said_once: set[str] = set()


def _say_once(key: str, message: str, *args: Any) -> None:
    if key not in _said_once:
        _said_once.add(key)
        logger.warning(message, *args)


@dataclass
class Pacing:
    """What a run may spend, and its sources of time and chance (tests pin them)."""

    budget_seconds: float = 50.0
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = clock.sleep
    rng: random.Random = field(default_factory=random.Random)


# --- reports -----------------------------------------------------------------------


@dataclass
class CarrierReport:
    carrier: str
    shipments: int = 0  # tracking numbers due (or requested)
    requests: int = 0  # calls to the carrier's API
    enqueued: int = 0  # answers put on the webhook queue
    failures: int = 0  # calls that failed (CarrierUnavailable, errors)
    retries: int = 0  # in-run retries after a pause
    unasked: int = 0  # shipments left for a later run
    outcome: str = "done"  # done | unavailable | refused | unfinished | backing_off | skipped
    backoff_seconds: float | None = None  # set when the carrier was backed off by this run
    retry_at: str | None = None
    reason: str | None = None


@dataclass
class RunReport:
    kind: str
    at: str
    window: tuple[str, str] | None = None
    carriers: list[CarrierReport] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        asked = [c for c in self.carriers if c.outcome not in ("skipped", "backing_off")]
        return {
            "kind": self.kind,
            "at": self.at,
            "window": list(self.window) if self.window else None,
            "carriers_asked": len(asked),
            "requests": sum(c.requests for c in self.carriers),
            "shipments": sum(c.shipments for c in self.carriers),
            "enqueued": sum(c.enqueued for c in self.carriers),
            "failures": sum(c.failures for c in self.carriers),
            "backoffs": sum(1 for c in self.carriers if c.backoff_seconds is not None),
            "carriers": [asdict(c) for c in self.carriers],
        }


# --- the carriers to ask -------------------------------------------------------------


@dataclass(frozen=True)
class Carrier:
    client: PolledCarrier
    account: CarrierAccount

    @property
    def slug(self) -> str:
        return self.client.slug


def available_carriers(report: RunReport, slugs: Sequence[str] | None = None) -> dict[str, Carrier]:
    """The polled carriers Kargo can ask: a client module and an account each.
    One without credentials, or whose module is missing, is not polled (said once)."""
    from chalicelib.carriers import POLLED_MODULES, get_polled

    accounts = carrier_accounts()
    found: dict[str, Carrier] = {}
    for slug in slugs if slugs is not None else list(POLLED_MODULES):
        account = accounts.get(slug)
        if account is None:
            _say_once(f"credentials:{slug}", "carrier %s has no credentials: not polled", slug)
            report.carriers.append(CarrierReport(slug, outcome="skipped", reason="no_credentials"))
            continue
        try:
            client = get_polled(slug)
        except (ImportError, AttributeError):
            client = None
        if client is None:
            _say_once(f"client:{slug}", "carrier %s has no client module: not polled", slug)
            report.carriers.append(CarrierReport(slug, outcome="skipped", reason="no_client"))
            continue
        found[slug] = Carrier(client, account)
    return found


# --- asking one carrier ----------------------------------------------------------------


@dataclass
class Asking:
    """One carrier's round of requests: shared by its workers, guarded by `lock`."""

    carrier: Carrier
    now: datetime
    pacing: Pacing
    deadline: float
    report: CarrierReport
    bucket: limits.TokenBucket
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    outcome: str = "done"
    retry_after: float | None = None
    asked: set[str] = field(default_factory=set)

    def end(self, outcome: str, retry_after: float | None = None) -> None:
        """The first reason to stop wins, except that a refusal beats everything."""
        with self.lock:
            if self.outcome == "done" or outcome == "refused":
                self.outcome, self.retry_after = outcome, retry_after
            self.stop.set()

    def count(self, **increments: int) -> None:
        with self.lock:
            for name, value in increments.items():
                setattr(self.report, name, getattr(self.report, name) + value)


def ask_carrier(
    carrier: Carrier,
    numbers: Sequence[str],
    now: datetime,
    pacing: Pacing,
    deadline: float,
    report: CarrierReport,
) -> Asking:
    """Ask about `numbers` in batches; `asked` says which were answered and queued."""
    client = carrier.client
    bucket = limits.TokenBucket(
        client.requests_per_second, monotonic=pacing.monotonic, sleep=pacing.sleep
    )
    asking = Asking(carrier, now, pacing, deadline, report, bucket)
    size = max(1, client.batch_size)
    batches = [list(numbers[i : i + size]) for i in range(0, len(numbers), size)]
    workers = max(1, min(client.max_concurrency, len(batches)))
    if workers == 1:
        for batch in batches:
            _ask_batch(asking, batch)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(lambda batch: _ask_batch(asking, batch), batches))
    report.unasked = len(numbers) - len(asking.asked)
    report.outcome = asking.outcome
    return asking


def _ask_batch(asking: Asking, batch: list[str]) -> None:
    client, pacing = asking.carrier.client, asking.pacing
    for attempt in range(1, limits.ATTEMPTS_IN_RUN + 1):
        if asking.stop.is_set():
            return
        if not asking.bucket.acquire(asking.deadline):
            asking.end("unfinished")
            return
        asking.count(requests=1)
        try:
            body = client.fetch(batch, asking.carrier.account)
        except CarrierRefused as error:
            asking.count(failures=1)
            asking.end("refused")
            asking.report.reason = str(error)[:200]
            return
        except Exception as error:  # CarrierUnavailable, or a client that let an error out
            asking.count(failures=1)
            retry_after = error.retry_after if isinstance(error, CarrierUnavailable) else None
            if not isinstance(error, CarrierUnavailable):
                logger.exception("carrier %s client failed", client.slug)
            wait = limits.RETRY_IN_RUN.delay(attempt, pacing.rng, retry_after)
            last_try = attempt == limits.ATTEMPTS_IN_RUN
            if last_try or wait > limits.LONGEST_WAIT_IN_RUN:
                asking.end("unavailable", retry_after)
                return
            if pacing.monotonic() + wait > asking.deadline:
                asking.end("unfinished")
                return
            asking.count(retries=1)
            pacing.sleep(wait)
            continue
        _queue_answer(asking, batch, body)
        return


def _queue_answer(asking: Asking, batch: list[str], body: bytes) -> None:
    from chalicelib.ingress import DeliveryTooLarge, enqueue_delivery

    slug = asking.carrier.slug
    try:
        enqueue_delivery(POLL_SOURCE_PREFIX + slug, body, asking.now)
    except DeliveryTooLarge:
        if len(batch) == 1:
            logger.error("carrier %s answer for one shipment is over the SQS limit", slug)
            with asking.lock:
                asking.asked.add(batch[0])  # asking again cannot make it smaller
            return
        half = len(batch) // 2  # ask again in halves: each answer is smaller
        _ask_batch(asking, batch[:half])
        _ask_batch(asking, batch[half:])
        return
    except Exception:
        logger.exception("poll answer of %s not queued; asked again later", slug)
        asking.end("unfinished")
        return
    asking.count(enqueued=1)
    with asking.lock:
        asking.asked.update(batch)


def _state_after(
    state: CarrierState, asking: Asking | None, owed_from: int | None, pacing: Pacing
) -> CarrierState:
    """What to store for the carrier after it was asked (scheduled runs)."""
    if asking is None or asking.outcome == "done":
        return CarrierState()  # recovered (or never failed): nothing stored
    if asking.outcome == "unfinished":
        return CarrierState(state.failures, state.retry_at, owed_from)
    failures = state.failures + 1
    delay = limits.BETWEEN_RUNS.delay(failures, pacing.rng, asking.retry_after)
    asking.report.backoff_seconds = round(delay, 3)
    retry_at = asking.now + timedelta(seconds=delay)
    asking.report.retry_at = format_utc(retry_at)
    return CarrierState(failures, retry_at, owed_from)


# --- the scheduled run -----------------------------------------------------------------


@dataclass(frozen=True)
class DueShipment:
    tracking_number: str
    due_at: int  # epoch seconds: the moment its slot came due in this window


def due_shipments(
    slug: str, window: schedule.Window, config: PollSettings, missed_from: int | None = None
) -> list[DueShipment]:
    """The carrier's shipments whose slot came due for the run of `window`, earliest
    first: one Query per tier, shard and slot range on the keys-only sparse index.
    Each tier is read in periods (`schedule.cadence`); at most one cycle is caught up."""
    found: dict[str, DueShipment] = {}
    intervals = {
        schedule.Tier.NEAR: config.near_interval_seconds,
        schedule.Tier.REGULAR: config.interval_seconds,
    }
    for tier, interval in intervals.items():
        period = schedule.cadence(interval, config.tick_seconds)
        read = schedule.tier_window(window, period, missed_from)
        read = schedule.Window(max(read.start, read.end - interval), read.end)
        ranges = schedule.slot_ranges(read, interval)
        for shard in range(schedule.POLL_SHARDS):
            partition = schedule.poll_partition(slug, tier, shard)
            for low, high in ranges:
                for polled in query_slots(partition, low, high):
                    due_at = _first_moment(polled.slot, interval, read)
                    known = found.get(polled.tracking_number)
                    if polled.carrier == slug and (known is None or due_at < known.due_at):
                        tracking = polled.tracking_number
                        found[tracking] = DueShipment(tracking, due_at)
    return sorted(found.values(), key=lambda due: (due.due_at, due.tracking_number))


def _first_moment(slot: int, interval: int, window: schedule.Window) -> int:
    offset = slot * interval // schedule.SLOT_SPACE
    moment = window.start // interval * interval + offset
    return moment if moment >= window.start else moment + interval


def run_scheduled(
    now: datetime, scheduled_at: datetime | None = None, pacing: Pacing | None = None
) -> dict[str, Any]:
    """The scheduled run: what came due in the tick that ended at `scheduled_at`
    (the EventBridge event's time; `now` when absent), for every carrier at once."""
    pacing = pacing or Pacing()
    config = poll_settings()
    window = schedule.tick_window(scheduled_at or now, config.tick_seconds)
    report = RunReport(
        "scheduled",
        format_utc(now),
        (format_utc(_at(window.start)), format_utc(_at(window.end))),
    )
    carriers = available_carriers(report)
    states = load_carrier_states(list(carriers))
    deadline = pacing.monotonic() + pacing.budget_seconds
    aws.sqs()  # create the shared client before the workers do

    def run(carrier: Carrier) -> CarrierReport:
        try:
            state = states.get(carrier.slug, CarrierState())
            return _run_carrier(carrier, state, window, now, config, pacing, deadline)
        except Exception:
            logger.exception("poll of %s failed", carrier.slug)
            return CarrierReport(carrier.slug, outcome="unfinished", reason="error")

    if carriers:
        with ThreadPoolExecutor(max_workers=len(carriers)) as pool:
            report.carriers += list(pool.map(run, carriers.values()))
    result = report.as_dict()
    logger.info("poll run %s", json.dumps(result, sort_keys=True))
    return result


def _run_carrier(
    carrier: Carrier,
    state: CarrierState,
    window: schedule.Window,
    now: datetime,
    config: PollSettings,
    pacing: Pacing,
    deadline: float,
) -> CarrierReport:
    report = CarrierReport(carrier.slug)
    if state.retry_at is not None and state.retry_at > now:
        report.outcome, report.retry_at = "backing_off", format_utc(state.retry_at)
        return report  # its shipments wait: `missed_from` keeps what it owes
    due = due_shipments(carrier.slug, window, config, state.missed_from)
    report.shipments = len(due)
    asking = None
    if due:
        numbers = [d.tracking_number for d in due]
        asking = ask_carrier(carrier, numbers, now, pacing, deadline, report)
    owed = [d.due_at for d in due if asking is not None and d.tracking_number not in asking.asked]
    owed_from = min(owed) if owed else None
    if asking is not None and asking.outcome == "refused":
        logger.error("carrier %s refused Kargo's account: %s", carrier.slug, report.reason)
    if asking is not None and asking.outcome == "unavailable":
        logger.warning("carrier %s unavailable; backed off", carrier.slug)
    after = _state_after(state, asking, owed_from, pacing)
    if after != state:
        save_carrier_state(carrier.slug, after, now)
    return report


def _at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


# --- the request run --------------------------------------------------------------------


def handle_poll_requests(
    event: Mapping[str, Any], now: datetime, pacing: Pacing | None = None
) -> dict[str, Any]:
    """An SQS batch of poll requests -> the carriers asked -> `batchItemFailures` for
    the requests of a carrier that could not be asked (SQS offers them again later)."""
    pacing = pacing or Pacing(budget_seconds=20.0)
    records = list(event.get("Records") or [])
    report = RunReport("requested", format_utc(now))
    failed: list[str] = []
    wanted: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for record in records:
        request = read_poll_request(record.get("body") or "")
        if request is None:
            logger.warning("not a poll request", extra={"message_id": record.get("messageId")})
            failed.append(record["messageId"])  # the queue's DLQ keeps it for a look
            continue
        slug, tracking = request
        wanted.setdefault(slug, {}).setdefault(tracking, []).append(record)
    carriers = available_carriers(report, list(wanted))
    states = load_carrier_states(list(carriers))
    deadline = pacing.monotonic() + pacing.budget_seconds

    def retry_later(requests: list[dict[str, Any]]) -> None:
        for record in requests:
            receives = int((record.get("attributes") or {}).get("ApproximateReceiveCount", 1))
            if receives < REQUEST_RECEIVES:
                failed.append(record["messageId"])

    for slug, carrier in carriers.items():
        state = states.get(slug, CarrierState())
        carrier_report = CarrierReport(slug, shipments=len(wanted[slug]))
        report.carriers.append(carrier_report)
        if state.retry_at is not None and state.retry_at > now:
            carrier_report.outcome = "backing_off"
            for requests in wanted[slug].values():
                retry_later(requests)
            continue
        asking = ask_carrier(carrier, list(wanted[slug]), now, pacing, deadline, carrier_report)
        for tracking, requests in wanted[slug].items():
            if tracking not in asking.asked:
                retry_later(requests)
        if asking.outcome in ("unavailable", "refused"):
            after = _state_after(state, asking, state.missed_from, pacing)
            save_carrier_state(slug, after, now)
    logger.info("poll requests %s", json.dumps(report.as_dict(), sort_keys=True))
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}


def scheduled_time(event: Mapping[str, Any]) -> datetime | None:
    """The moment an EventBridge schedule fired for (its `time`), so that a retried
    invocation reads the same slots; None for an event without one."""
    value = event.get("time") if isinstance(event, Mapping) else None
    try:
        return parse_utc(value) if isinstance(value, str) else None
    except ValueError:
        return None
