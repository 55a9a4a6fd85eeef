"""AWS calls per operation, measured on moto through the real entry points."""

from __future__ import annotations

from typing import Any

from bench.aws_calls import CallCounter, Usage
from bench.stage import Stage, moto_stage, order, sqs_record, webhook

TRACKING = "YT100000001TR"
HISTORY = "YT100000050TR"


def _consume(stage: Stage, *payloads: dict[str, Any]) -> None:
    result = stage.app.consume_webhooks(
        {"Records": [sqs_record(payload) for payload in payloads]}, None
    )
    assert result == {"batchItemFailures": []}, result


def _outbox_records(stage: Stage) -> list[dict[str, Any]]:
    """The notifier's pending stream records, as Lambda would deliver them."""
    from local.pollers import StreamPoller

    captured: list[dict[str, Any]] = []

    def keep(event: dict[str, Any]) -> dict[str, Any]:
        captured.extend(event["Records"])
        return {"batchItemFailures": []}

    poller = StreamPoller(stage.resources.stream_arn, keep)
    while True:  # poll_once counts outbox rows only: read until the position stops moving
        before = dict(poller.positions)
        poller.poll_once()
        if poller.positions == before:
            return captured


def measure_calls() -> dict[str, dict[str, Any]]:
    """Each operation once (or N times, averaged), counted inside its entry point only."""
    results: dict[str, Usage] = {}
    counts: dict[str, int] = {}
    with moto_stage() as stage:
        counter = CallCounter()
        counter.attach_pipeline_clients()
        _warm_up(stage)
        with counter.measure() as results["merchant: register an order (1 shipment)"]:
            created = stage.register(order("B-1", "yurtici", TRACKING))
        token = created["shipments"][0]["tracking_token"]
        stage.register(order("B-2", "yurtici", HISTORY, sms=False))
        _outbox_records(stage)  # skip past the registrations and the warm-up

        first = webhook(TRACKING, ("in_transit", "2026-11-21T10:00:00+03:00"))
        with counter.measure() as results["ingress: one webhook (HTTP -> SQS)"]:
            assert stage.post_webhook(first) == 202
        counts["ingress: one webhook (HTTP -> SQS)"] = 1

        with counter.measure() as results["consumer: webhook with a new status"]:
            _consume(stage, first)
        with counter.measure() as results["consumer: webhook redelivered"]:
            _consume(stage, first)
        scan = webhook(TRACKING, ("in_transit", "2026-11-21T16:00:00+03:00"))
        with counter.measure() as results["consumer: new event, same status"]:
            _consume(stage, scan)
        stranger = webhook("YT999999999TR", ("in_transit", "2026-11-21T10:00:00+03:00"))
        with counter.measure() as results["consumer: unregistered shipment"]:
            _consume(stage, stranger)

        history = webhook(
            HISTORY,
            *[
                ("in_transit", f"2026-11-{10 + i // 24:02d}T{i % 24:02d}:00:00+03:00")
                for i in range(50)
            ],
        )
        with counter.measure() as results["consumer: 50-event history, first time"]:
            _consume(stage, history)
        with counter.measure() as results["consumer: 50-event history, repeated"]:
            _consume(stage, history)

        lookups = 20
        with counter.measure() as results["lookup: GET /track/{token}"]:
            for _ in range(lookups):
                stage.track(token)
        counts["lookup: GET /track/{token}"] = lookups

        records = [r for r in _outbox_records(stage) if _outbox_of(r, TRACKING)]
        assert records, "the status change left an outbox row"
        with counter.measure() as usage:
            result = stage.app.notify_changes({"Records": records[:1]}, None)
        assert result == {"batchItemFailures": []}, result
        results["notifier: one change, e-mail + SMS"] = usage
        messages = usage.emails + usage.sms
        per_message = Usage()
        per_message.add(usage)
        results["notifier: per message sent"] = per_message
        counts["notifier: per message sent"] = max(1, messages)

    return {name: usage.per(counts.get(name, 1)) for name, usage in results.items()}


def _warm_up(stage: Stage) -> None:
    """Each entry point once on another order: imports and templates load on the
    first call of a Lambda container, not on every call (cold starts are measured
    on their own)."""
    stage.register(order("B-0", "aras", "AR100000000"))
    payload = webhook("AR100000000", ("in_transit", "2026-11-21T10:00:00+03:00"), carrier="aras")
    assert stage.post_webhook(payload) == 202
    _consume(stage, payload)
    result = stage.app.notify_changes({"Records": _outbox_records(stage)}, None)
    assert result == {"batchItemFailures": []}, result


def _outbox_of(record: dict[str, Any], tracking: str) -> bool:
    image = record.get("dynamodb", {}).get("NewImage", {})
    return bool(image.get("tracking_number", {}).get("S") == tracking)
