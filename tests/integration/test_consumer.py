"""The consumer under bad neighbours, redelivery, reordering and contention."""

from __future__ import annotations

import json
import uuid
from typing import Any

from chalicelib import aws, store
from tests.integration.conftest import Kargo, carrier_update, order_payload


def sqs_record(body: str, source: str = "generic") -> dict[str, Any]:
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "r",
        "body": body,
        "attributes": {},
        "messageAttributes": {
            "source": {"stringValue": source, "dataType": "String"},
            "encoding": {"stringValue": "utf-8", "dataType": "String"},
        },
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-central-1:123456789012:kargo-webhooks",
        "awsRegion": "eu-central-1",
    }


def invoke_consumer(kargo: Kargo, records: list[dict[str, Any]]) -> dict[str, Any]:
    payload: dict[str, Any] = kargo.client.lambda_.invoke(
        "consume_webhooks", {"Records": records}
    ).payload
    return payload


def test_a_bad_message_never_holds_back_its_neighbours(kargo: Kargo) -> None:
    kargo.register(order_payload())
    good = json.dumps(carrier_update("YT123456789TR", ("in_transit", "2026-11-21T10:00:00+03:00")))
    records = [
        sqs_record("{broken"),
        sqs_record(good),
        sqs_record('{"carrier": "x"}', source="nope"),
    ]
    result = invoke_consumer(kargo, records)
    # Unparseable ones are parked in the DLQ at once, so nothing is reported failed.
    assert result == {"batchItemFailures": []}
    record = store.load_shipment("yurtici", "YT123456789TR")
    assert record is not None and record.state.status.value == "in_transit"
    parked = kargo.dead_letters()
    assert sorted(m["Body"] for m in parked) == sorted(['{"carrier": "x"}', "{broken"])
    assert all("error" in m["MessageAttributes"] for m in parked)


def test_a_failing_store_reports_only_that_message(kargo: Kargo, monkeypatch: Any) -> None:
    kargo.register(order_payload())
    kargo.register(order_payload(order_id="1002", tracking="YT222222222TR"))
    original = store.load_shipment

    def flaky(carrier: str, tracking: str) -> Any:
        if tracking == "YT222222222TR":
            raise RuntimeError("DynamoDB is having a bad day")
        return original(carrier, tracking)

    monkeypatch.setattr(store, "load_shipment", flaky)
    ok = sqs_record(
        json.dumps(carrier_update("YT123456789TR", ("in_transit", "2026-11-21T10:00:00+03:00")))
    )
    bad = sqs_record(
        json.dumps(carrier_update("YT222222222TR", ("in_transit", "2026-11-21T10:00:00+03:00")))
    )
    result = invoke_consumer(kargo, [ok, bad])
    assert result == {"batchItemFailures": [{"itemIdentifier": bad["messageId"]}]}


def test_whole_history_repeat_costs_no_write(kargo: Kargo) -> None:
    kargo.register(order_payload())
    history = [("in_transit", f"2026-11-21T{hour:02d}:00:00+03:00") for hour in range(0, 24)]
    payload = json.dumps(carrier_update("YT123456789TR", *history))
    invoke_consumer(kargo, [sqs_record(payload)])
    writes: list[str] = []
    client = aws.dynamodb()
    client.meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: writes.append(model.name)
    )
    invoke_consumer(kargo, [sqs_record(payload)])
    assert writes == ["GetItem"]


def test_new_events_cost_one_read_and_one_write_per_shipment(kargo: Kargo) -> None:
    kargo.register(order_payload())
    calls: list[str] = []
    aws.dynamodb().meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: calls.append(model.name)
    )
    first = [("info_received", "2026-11-20T23:00:00+03:00")]
    invoke_consumer(kargo, [sqs_record(json.dumps(carrier_update("YT123456789TR", *first)))])
    # The first carrier event also makes the delivery prediction: the order (its
    # city) and the carrier's delivery aggregates, read once in the shipment's life.
    assert calls == ["GetItem", "GetItem", "Query", "TransactWriteItems"]
    calls.clear()
    history = [("in_transit", f"2026-11-21T{hour:02d}:00:00+03:00") for hour in range(0, 24)]
    invoke_consumer(kargo, [sqs_record(json.dumps(carrier_update("YT123456789TR", *history)))])
    assert calls == ["GetItem", "TransactWriteItems"]


def test_out_of_order_deliveries_end_at_the_latest_event(kargo: Kargo) -> None:
    created = kargo.register(order_payload())
    token = created["shipments"][0]["tracking_token"]
    for status, at in [
        ("delivered", "2026-11-22T15:00:00+03:00"),
        ("in_transit", "2026-11-21T10:00:00+03:00"),
        ("out_for_delivery", "2026-11-22T08:00:00+03:00"),
    ]:
        kargo.webhook(carrier_update("YT123456789TR", (status, at)))
    kargo.settle()
    assert json.loads(kargo.track(token).body)["status"] == "delivered"
    kinds = [m["Subject"] for m in kargo.sent_emails()]
    assert kinds == ["Kargo: Siparişin teslim edildi"]


def test_concurrent_writer_is_retried_not_lost(kargo: Kargo, monkeypatch: Any) -> None:
    kargo.register(order_payload())
    real_save = store.save_merge
    interfered = []

    def save_after_a_rival(record: Any, result: Any, now: Any) -> None:
        if not interfered:
            interfered.append(True)
            # A rival writer lands between our read and our write.
            aws.dynamodb().update_item(
                TableName="kargo",
                Key={"pk": {"S": "SHIP#yurtici#YT123456789TR"}, "sk": {"S": "STATE"}},
                UpdateExpression="SET version = version + :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )
        real_save(record, result, now)

    monkeypatch.setattr(store, "save_merge", save_after_a_rival)
    invoke_consumer(
        kargo,
        [
            sqs_record(
                json.dumps(
                    carrier_update("YT123456789TR", ("in_transit", "2026-11-21T10:00:00+03:00"))
                )
            )
        ],
    )
    record = store.load_shipment("yurtici", "YT123456789TR")
    assert record is not None and record.state.status.value == "in_transit"
    assert record.version == 3  # registration 1, rival 2, our retried write 3
