"""The poller, measured on moto against fake carrier servers (`make bench`).

Per polled carrier that has a client and a fake here (the six Turkish carriers once
their clients are in; always the test-only "testpost" double, batch size 3):

- carrier API calls per open shipment per day at the default intervals
  (KARGO_POLL_INTERVAL 7200 s, 60 s ticks): every scheduled run of one full
  regular cycle (120 runs) is executed, the fake counts the requests it gets, and
  the count is scaled to 24 hours (12 cycles);
- AWS calls per poll cycle per shipment: the poller's own calls (index queries,
  the carrier state read, SQS sends) over that cycle, and the consumer's calls to
  read the answers, divided by the shipments;
- DynamoDB writes per poll that learns nothing: every answer repeats what is
  stored; the poller and the consumer must write nothing (counted, must be 0).

Shipments are claimed straight through the store (no first-poll requests), with
journeys that do not move, so each cycle's answers repeat the last one.
"""

from __future__ import annotations

import importlib
import os
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.aws_calls import CallCounter
from bench.stage import moto_stage

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DEFAULT_SHIPMENTS = (60, 600)
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")


def _carriers() -> list[tuple[str, str, Any]]:
    """(slug, client module, fake module) for each carrier that can be measured here."""
    from chalicelib.carriers import POLLED_MODULES

    found = []
    for slug, module in POLLED_MODULES.items():
        try:
            importlib.import_module(module).CLIENT  # noqa: B018 - does it exist yet?
            fake = importlib.import_module(f"local.fakes.{slug}")
        except (ImportError, AttributeError):
            continue
        found.append((slug, module, fake))
    from tests.support import testpost

    found.append((testpost.SLUG, testpost.MODULE, testpost))
    return found


@contextmanager
def _serving(slug: str, module: str, fake_module: Any) -> Iterator[Any]:
    from chalicelib.carriers import POLLED_MODULES
    from chalicelib.config import reset_settings
    from local.polled import dev_account

    fake = fake_module.Fake()
    prefix = f"KARGO_{slug.upper()}_"
    saved = {k: v for k, v in os.environ.items() if k.startswith(prefix)}
    added = slug not in POLLED_MODULES
    POLLED_MODULES[slug] = module
    os.environ[prefix + "URL"] = fake.start()
    for suffix, value in dev_account(slug, fake).items():
        os.environ[prefix + suffix] = value
    reset_settings()
    try:
        yield fake
    finally:
        fake.stop()
        for key in [k for k in os.environ if k.startswith(prefix)]:
            del os.environ[key]
        os.environ.update(saved)
        if added:
            del POLLED_MODULES[slug]
        reset_settings()


def _claim(slug: str, count: int, fake: Any) -> list[str]:
    from chalicelib import store

    numbers = [f"BP{slug.upper()[:4]}{i:07d}" for i in range(count)]
    for start in range(0, count, 50):
        chunk = numbers[start : start + 50]
        order_id = f"bench-{slug}-{start}"
        registrations = [
            ((slug, n), store.Registration(order_id, f"tok-{slug}-{n}", "Ayşe", "tr", START), None)
            for n in chunk
        ]
        document = {"order_id": order_id, "customer": {"name": "Ayşe"}, "shipments": []}
        store.register_order(document, "bench", registrations, START)
    for number in numbers:  # journeys that stand still: every answer repeats the last
        steps = fake.default_journey(number)
        fake.set_journey(number, steps, auto=False)
        fake.reveal(number, min(2, len(steps)))
    return numbers


def _quick_pacing() -> Any:
    from chalicelib.poll.runner import Pacing

    clock = [0.0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    return Pacing(monotonic=lambda: clock[0], sleep=sleep, rng=random.Random(1))


def _drain(stage: Any, counter: CallCounter) -> Any:
    from local.pollers import SqsPoller

    consumer = SqsPoller(stage.resources.queue_url, lambda e: stage.app.consume_webhooks(e, None))
    with counter.measure() as usage:
        while consumer.poll_once(visibility_timeout=0) > 0:
            pass
    return usage


def measure_polling(shipment_counts: tuple[int, ...] = DEFAULT_SHIPMENTS) -> dict[str, Any]:
    from chalicelib.config import poll_settings
    from chalicelib.poll.runner import run_scheduled

    results: dict[str, Any] = {}
    for slug, module, fake_module in _carriers():
        for count in shipment_counts:
            with moto_stage() as stage, _serving(slug, module, fake_module) as fake:
                counter = CallCounter()
                counter.attach_pipeline_clients()
                numbers = _claim(slug, count, fake)
                # First cycle: learn the standing journeys (writes expected here).
                config = poll_settings()
                runs = config.interval_seconds // config.tick_seconds
                for run in range(runs):
                    run_scheduled(START, START + timedelta(minutes=run + 1), _quick_pacing())
                _drain(stage, counter)
                fake.requests.clear()
                # Second cycle: nothing new anywhere. Measured.
                second = START + timedelta(seconds=config.interval_seconds)
                with counter.measure() as poller:
                    for run in range(runs):
                        at = second + timedelta(minutes=run + 1)
                        run_scheduled(at, at, _quick_pacing())
                consumer = _drain(stage, counter)
                requests = len(fake.requests)
                cycles_per_day = 86_400 / config.interval_seconds
                calls = poller.calls + consumer.calls
                writes = sum(n for name, n in calls.items() if name.split(".")[-1] in WRITES)
                batch = importlib.import_module(module).CLIENT.batch_size
                results[f"{slug} x{count}"] = {
                    "carrier": slug,
                    "open_shipments": len(numbers),
                    "batch_size": batch,
                    "carrier_requests_per_cycle": requests,
                    "carrier_calls_per_shipment_per_day": requests * cycles_per_day / count,
                    "poller_aws_calls_per_shipment_per_cycle": sum(poller.calls.values()) / count,
                    "poller_aws_calls": dict(poller.calls),
                    "consumer_aws_calls_per_shipment_per_cycle": (
                        sum(consumer.calls.values()) / count
                    ),
                    "consumer_aws_calls": dict(consumer.calls),
                    "dynamodb_writes_when_nothing_changed": writes,
                    "read_units_per_shipment_per_cycle": (
                        (poller.read_units + consumer.read_units) / count
                    ),
                }
    return results


def render_polling(results: dict[str, Any]) -> list[str]:
    out = [
        "",
        "Poller (moto + fake carriers; default intervals, one 2 h cycle measured, x12 for a day)",
        f"  {'carrier x open shipments':28}{'batch':>6}{'API/ship/day':>14}"
        f"{'AWS/ship/cycle':>16}{'consumer':>10}{'writes':>8}",
    ]
    for name, row in results.items():
        out.append(
            f"  {name:28}{row['batch_size']:>6}{row['carrier_calls_per_shipment_per_day']:>14.2f}"
            f"{row['poller_aws_calls_per_shipment_per_cycle']:>16.3f}"
            f"{row['consumer_aws_calls_per_shipment_per_cycle']:>10.3f}"
            f"{row['dynamodb_writes_when_nothing_changed']:>8}"
        )
    out.append("  (karrio: 12 API calls per tracker per day at 2 h, 10 numbers per request)")
    return out


if __name__ == "__main__":
    import json

    measured = measure_polling()
    print(json.dumps(measured, indent=2))
    print("\n".join(render_polling(measured)))
