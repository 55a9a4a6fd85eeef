"""`make load`: a bounded load test of the local stack.

Registers a set of orders, then posts a few thousand signed generic webhooks
at a fixed concurrency, each carrying one event nobody has seen before, and
retries any 5xx as a carrier would. Reports how many were accepted per second,
then polls the public lookups until every event shows (or the timeout says
which are missing): accepted must mean processed.

    python -m local.load [--base URL] [--webhooks 2000] [--concurrency 16]

Without `--base` it starts the local stack itself on free ports (no demo
order) and stops it afterwards; with `--base` it uses a stack already running.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from chalicelib import clock
from chalicelib.carriers.signatures import sign_standard_webhook
from chalicelib.clock import utc_now
from chalicelib.config import DEFAULT_GENERIC_SECRET
from local.stack import free_port

ROOT = Path(__file__).resolve().parent.parent
MERCHANT = {"Authorization": "Bearer dev-merchant-key"}
EVENTS_PER_SHIPMENT = 10  # a typical history; well under the 300 a shipment keeps
START = datetime(2026, 11, 1, tzinfo=UTC)


# --- the stack ------------------------------------------------------------------------


BANNER_END = "Stop: Ctrl-C"


@dataclass
class RunningStack:
    """A `python -m local.stack` this process started. A thread keeps reading its
    output into `output`: a pipe nobody reads fills up and freezes the stack."""

    base: str
    aws_endpoint: str
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    def banner(self) -> str:
        """What it printed up to its "Kargo is running" banner's last line."""
        lines = []
        for line in list(self.output):
            lines.append(line)
            if BANNER_END in line:
                break
        return "".join(lines)

    def text(self) -> str:
        return "".join(self.output)

    def stop(self) -> float:
        """SIGTERM (what Ctrl-C does); how long the stack took to exit."""
        started = time.monotonic()
        stop(self.process)
        took = time.monotonic() - started
        if self.reader is not None:
            self.reader.join(timeout=10)  # the last lines it printed on the way out
        return took


@contextmanager
def moto_server(port: int) -> Iterator[str]:
    """moto's server with copy-on-write transaction snapshots (bench/moto_speed.py):
    stock moto copies the whole table and its stream on every TransactWriteItems,
    which slows a long run down quadratically and is not how DynamoDB behaves."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.moto_speed", "-H", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{endpoint}/moto-api/", timeout=1)
                break
            except requests.RequestException:
                clock.sleep(0.1)
        else:
            raise RuntimeError("moto server did not start")
        yield endpoint
    finally:
        stop(process)


@contextmanager
def local_stack(
    extra_env: dict[str, str] | None = None, timeout: float = 180, fast_moto: bool = True
) -> Iterator[RunningStack]:
    """`make run` on free ports without the demo order; stopped on exit (SIGTERM,
    then, should it hang, a kill of the process group it was started in). With
    `fast_moto` the AWS endpoint is `moto_server()`, else the stack's own moto."""
    with contextlib.ExitStack() as resources:
        port, moto_port = free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KARGO_"))}
        env |= {
            "KARGO_PORT": str(port),
            "KARGO_MOTO_PORT": str(moto_port),
            "KARGO_DEMO": "0",
            "KARGO_SCAN_INTERVAL": "3600",
            **(extra_env or {}),
        }
        if fast_moto:
            env["KARGO_AWS_ENDPOINT"] = resources.enter_context(moto_server(moto_port))
        yield resources.enter_context(_stack_process(env, port, moto_port, timeout))


@contextmanager
def _stack_process(
    env: dict[str, str], port: int, moto_port: int, timeout: float
) -> Iterator[RunningStack]:
    process = subprocess.Popen(
        [sys.executable, "-m", "local.stack"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    stack = RunningStack(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{moto_port}", process)
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            stack.output.append(line)
            if BANNER_END in line:
                ready.set()

    stack.reader = threading.Thread(target=read, daemon=True)
    stack.reader.start()
    try:
        if not ready.wait(timeout) or process.poll() is not None:
            raise RuntimeError("the local stack did not start:\n" + "".join(stack.output[-40:]))
        yield stack
    finally:
        stack.stop()


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the session started above, nothing else
            process.wait(timeout=10)


# --- the load -------------------------------------------------------------------------


@dataclass(frozen=True)
class Webhook:
    tracking: str
    body: bytes


def plan(run: str, webhooks: int) -> tuple[list[str], list[Webhook]]:
    """Shipments and one webhook per new event, interleaved across shipments."""
    shipments = [
        f"LD{run}{index:05d}" for index in range((webhooks - 1) // EVENTS_PER_SHIPMENT + 1)
    ]
    items = []
    for number in range(webhooks):
        tracking = shipments[number % len(shipments)]
        at = START + timedelta(minutes=number)  # every event distinct
        payload = {
            "carrier": "ptt",
            "tracking_number": tracking,
            "events": [
                {
                    "status": "in_transit",
                    "occurred_at": at.isoformat(),
                    "description": f"load scan {number}",
                    "location": {"city": "Ankara", "country": "TR"},
                }
            ],
        }
        items.append(Webhook(tracking, json.dumps(payload).encode()))
    return shipments, items


def register(base: str, shipments: list[str], run: str) -> dict[str, str]:
    """One order per shipment; the tracking token of each."""
    tokens = {}
    for tracking in shipments:
        response = requests.post(
            f"{base}/orders",
            json={
                "order_id": f"load-{run}-{tracking}",
                "customer": {"name": "Yük Testi", "email": "load@example.com", "locale": "tr"},
                "shipments": [{"carrier": "ptt", "tracking_number": tracking}],
                "notifications": {"email": False, "sms": False},
            },
            headers=MERCHANT,
            timeout=30,
        )
        response.raise_for_status()
        tokens[tracking] = response.json()["shipments"][0]["tracking_token"]
    return tokens


def deliver(base: str, webhook: Webhook, statuses: Counter[int]) -> None:
    """POST like a carrier: a new connection, re-signed and retried on 5xx."""
    msg_id = f"msg_{uuid.uuid4().hex}"
    for attempt in range(10):
        ts = int(utc_now().timestamp())
        headers = {
            "webhook-id": msg_id,
            "webhook-timestamp": str(ts),
            "webhook-signature": sign_standard_webhook(
                DEFAULT_GENERIC_SECRET, msg_id, ts, webhook.body
            ),
            "Content-Type": "application/json",
            "Connection": "close",
        }
        try:
            status = requests.post(
                f"{base}/webhooks/generic", data=webhook.body, headers=headers, timeout=30
            ).status_code
        except requests.RequestException:
            status = 599
        statuses[status] += 1
        if status < 500:
            return
        clock.sleep(min(2.0, 0.1 * 2**attempt))


def missing_events(base: str, tokens: dict[str, str], expected: Counter[str]) -> dict[str, int]:
    """Events not yet visible, per shipment (empty: all there). One lookup each."""
    missing = {}
    for tracking, token in tokens.items():
        response = requests.get(f"{base}/track/{token}", timeout=30)
        shown = len(response.json().get("events", [])) if response.status_code == 200 else 0
        if shown < expected[tracking]:
            missing[tracking] = expected[tracking] - shown
    return missing


def wait_until_processed(
    base: str, tokens: dict[str, str], expected: Counter[str], last: str, deadline: float
) -> dict[str, int]:
    """Polling every lookup would compete with the consumer for the same moto, so
    first watch the shipment of the last webhook sent (SQS is roughly FIFO), then
    check them all, then only those still missing."""
    watched = {last: tokens[last]}
    while missing_events(base, watched, expected) and time.monotonic() < deadline:
        clock.sleep(1.0)
    missing = missing_events(base, tokens, expected)
    while missing and time.monotonic() < deadline:
        clock.sleep(2.0)
        missing = missing_events(base, {t: tokens[t] for t in missing}, expected)
    return missing


def run_load(base: str, webhooks: int, concurrency: int, timeout: float) -> dict[str, Any]:
    run = uuid.uuid4().hex[:6].upper()
    shipments, items = plan(run, webhooks)
    tokens = register(base, shipments, run)
    print(f"registered {len(tokens)} orders; sending {webhooks} webhooks", flush=True)
    statuses: Counter[int] = Counter()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(lambda item: deliver(base, item, statuses), items))
    sending = time.perf_counter() - started
    print(f"sent {webhooks} webhooks in {sending:.1f} s; waiting for processing", flush=True)
    expected = Counter(item.tracking for item in items)
    deadline = time.monotonic() + timeout
    missing = wait_until_processed(base, tokens, expected, items[-1].tracking, deadline)
    done = time.perf_counter() - started
    accepted = statuses[202]
    return {
        "webhooks": webhooks,
        "concurrency": concurrency,
        "shipments": len(shipments),
        "accepted": accepted,
        "answers": dict(sorted(statuses.items())),
        "seconds_sending": sending,
        "accepted_per_second": accepted / sending,
        "seconds_until_all_visible": None if missing else done,
        "processed_per_second": None if missing else webhooks / done,
        "missing_events": sum(missing.values()),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Bounded load test of the local stack.")
    parser.add_argument("--base", help="a running stack (default: start one on free ports)")
    parser.add_argument("--webhooks", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for processing")
    parser.add_argument(
        "--stock-moto",
        action="store_true",
        help="let the stack start stock moto (slows down as the table grows)",
    )
    args = parser.parse_args(argv)
    if args.base:
        report = run_load(args.base.rstrip("/"), args.webhooks, args.concurrency, args.timeout)
    else:
        with local_stack(fast_moto=not args.stock_moto) as stack:
            print(f"local stack on {stack.base} (moto {stack.aws_endpoint})", flush=True)
            report = run_load(stack.base, args.webhooks, args.concurrency, args.timeout)
    print(json.dumps(report, indent=2))
    ok = report["missing_events"] == 0 and report["accepted"] == args.webhooks
    print(
        f"\n{report['accepted']}/{args.webhooks} accepted at "
        f"{report['accepted_per_second']:.1f}/s (concurrency {args.concurrency}); "
        + (
            f"all processed after {report['seconds_until_all_visible']:.1f} s"
            if ok
            else f"{report['missing_events']} events NOT visible within the timeout"
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
