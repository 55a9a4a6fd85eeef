"""Logs and metrics of the entry points: JSON, keyed by the delivery's id, no
personal data, and the counts the alarms and dashboards read (EMF on stdout)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib import aws, observability
from tests.integration.conftest import Kargo, carrier_update, order_payload


def emf_documents(out: str) -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in out.splitlines() if line.startswith("{") and '"_aws"' in line
    ]


def metric(documents: list[dict[str, Any]], name: str, **dimensions: str) -> float:
    return sum(
        doc[name][0] if isinstance(doc[name], list) else doc[name]
        for doc in documents
        if name in doc and all(doc.get(k) == v for k, v in dimensions.items())
    )


def test_webhooks_are_counted_accepted_or_rejected_by_source(
    kargo: Kargo, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert kargo.webhook(carrier_update("YT123456789TR")).status_code == 202
    raw = json.dumps({"carrier": "yurtici"}).encode()
    forged = {"webhook-id": "msg_1", "webhook-timestamp": "1", "webhook-signature": "v1,AAAA"}
    assert kargo.client.http.post("/webhooks/generic", body=raw, headers=forged).status_code == 401
    assert kargo.client.http.post("/webhooks/no-such-source", body=raw).status_code == 404
    documents = emf_documents(capsys.readouterr().out)
    assert metric(documents, "WebhooksAccepted", source="generic") == 1
    assert metric(documents, "WebhooksRejected", source="generic") == 1
    # A made-up source name never becomes a dimension value of its own.
    assert metric(documents, "WebhooksRejected", source="unknown") == 1
    assert not [doc for doc in documents if doc.get("source") == "no-such-source"]


def test_a_dead_lettered_delivery_is_logged_by_message_id_and_counted(
    kargo: Kargo, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    kargo.register(order_payload())
    aws.sqs().send_message(
        QueueUrl=kargo.resources.queue_url,
        MessageBody="{not json, from Ayşe Yılmaz",
        MessageAttributes={"source": {"DataType": "String", "StringValue": "generic"}},
    )
    capsys.readouterr()
    kargo.run_consumer()
    (record,) = [r for r in caplog.records if r.getMessage() == "webhook delivery dead-lettered"]
    assert record.message_id and record.source == "generic" and record.reason
    # The correlation id of that log line is the SQS message's own id.
    assert observability.correlation_id({"Records": [{"messageId": "m-1"}]}) == "m-1"
    documents = emf_documents(capsys.readouterr().out)
    assert metric(documents, "DeadLettered") == 1
    assert "Yılmaz" not in json.dumps(documents) and "Yılmaz" not in record.reason


def test_events_applied_and_writes_saved_by_dedupe(
    kargo: Kargo, capsys: pytest.CaptureFixture[str]
) -> None:
    kargo.register(order_payload())
    update = carrier_update(
        "YT123456789TR",
        ("info_received", "2026-11-20T09:00:00+03:00"),
        ("in_transit", "2026-11-21T09:00:00+03:00"),
    )
    kargo.webhook(update)
    capsys.readouterr()
    kargo.run_consumer()
    first = emf_documents(capsys.readouterr().out)
    assert metric(first, "EventsApplied") == 2 and metric(first, "WritesSavedByDedupe") == 0
    kargo.webhook(update)  # the same history again: no write
    capsys.readouterr()
    kargo.run_consumer()
    again = emf_documents(capsys.readouterr().out)
    assert metric(again, "WritesSavedByDedupe") == 1 and metric(again, "EventsApplied") == 0


def test_correlation_ids_of_each_event_source() -> None:
    assert observability.correlation_id({"Records": [{"messageId": "abc"}]}) == "abc"
    stream = {"Records": [{"dynamodb": {"SequenceNumber": "4200"}}]}
    assert observability.correlation_id(stream) == "4200"
    assert observability.correlation_id({"headers": {"webhook-id": "msg_9"}}) == "msg_9"
    assert observability.correlation_id({}) is None
