"""Consumer throughput on moto, against a floor that only writes what the events need.

Both loops see the same webhooks and the same table, interleaved batch by batch
so neither pays for a bigger table than the other. The floor makes one
PutItem per shipment per webhook, carrying that webhook's events: any consumer
must at least write the new events once. The ratio says what the rest (the
read, the merge, the guarded transaction, the outbox row) costs on top.
"""

from __future__ import annotations

import json
import time
from typing import Any

from bench.stage import Stage, moto_stage, order, sqs_record, webhook
from chalicelib import aws
from chalicelib.config import settings

JOURNEY = ("info_received", "in_transit", "in_transit", "in_transit", "out_for_delivery")


def _webhooks(shipments: int, rounds: int) -> list[dict[str, Any]]:
    """`rounds` webhooks per shipment, each with one new event; some change the status."""
    payloads = []
    for step in range(rounds):
        status = JOURNEY[step % len(JOURNEY)]
        for index in range(shipments):
            at = f"2026-11-{10 + step // 24:02d}T{step % 24:02d}:{index % 60:02d}:00+03:00"
            payloads.append(webhook(f"TP{index:08d}", (status, at)))
    return payloads


def _floor_write(payload: dict[str, Any], number: int) -> None:
    events = payload["events"]
    aws.dynamodb().put_item(
        TableName=settings().table_name,
        Item={
            "pk": {"S": f"FLOOR#{payload['carrier']}#{payload['tracking_number']}"},
            "sk": {"S": f"WEBHOOK#{number:08d}"},
            "events": {"S": json.dumps(events, ensure_ascii=False)},
        },
    )


def measure_throughput(shipments: int = 60, rounds: int = 10, batch: int = 10) -> dict[str, Any]:
    with moto_stage() as stage:
        return _run(stage, shipments, rounds, batch)


def _run(stage: Stage, shipments: int, rounds: int, batch: int) -> dict[str, Any]:
    for index in range(shipments):
        stage.register(order(f"TP-{index}", "yurtici", f"TP{index:08d}", sms=False))
    payloads = _webhooks(shipments, rounds)
    # Warm the consumer's imports on one webhook outside the timing.
    warm = webhook("TPWARM000", ("in_transit", "2026-11-01T00:00:00Z"))
    stage.app.consume_webhooks({"Records": [sqs_record(warm)]}, None)
    consumer_seconds = floor_seconds = 0.0
    events = 0
    for start in range(0, len(payloads), batch):
        part = payloads[start : start + batch]
        records = {"Records": [sqs_record(payload) for payload in part]}
        began = time.perf_counter()
        result = stage.app.consume_webhooks(records, None)
        consumer_seconds += time.perf_counter() - began
        assert result == {"batchItemFailures": []}, result
        began = time.perf_counter()
        for number, payload in enumerate(part, start):
            _floor_write(payload, number)
        floor_seconds += time.perf_counter() - began
        events += sum(len(payload["events"]) for payload in part)
    return {
        "webhooks": len(payloads),
        "events": events,
        "batch_size": batch,
        "consumer_events_per_second": events / consumer_seconds,
        "floor_events_per_second": events / floor_seconds,
        "consumer_over_floor_time": consumer_seconds / floor_seconds,
    }
