"""Whatever a vendor posts, the consumer copes: events, or a clear dead letter.

For every registered webhook source (`chalicelib.carriers.SOURCES`, so a new
vendor is covered the day it is registered), vendor-shaped bodies, from the
fixtures bent out of shape, go through the consumer's real entry point for
one SQS record. AWS is faked below botocore (requests are validated against
the service models, answers are canned), so each example costs microseconds.

The consumer must never raise: a body either dead-letters with its reason, or
becomes writes that DynamoDB would take (valid parameters, items under 400 KB)
and that read back as the state the pure merge computed.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bench.capacity import MAX_ITEM_BYTES, item_size
from chalicelib import aws, ingest, store
from chalicelib.carriers import SOURCES
from chalicelib.domain.shipment import ShipmentState, merge_update
from chalicelib.errors import UnprocessableDelivery
from tests.property.mutations import vendor_bodies

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CANNED = {
    "GetItem": {},
    "PutItem": {},
    "TransactWriteItems": {},
    "SendMessage": {"MessageId": "dead-letter", "MD5OfMessageBody": "0" * 32},
}


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


@dataclass
class FakeAws:
    """Records every call's parameters; answers each as the service would."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def attach(self, client: Any) -> None:
        service = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register(f"before-parameter-build.{service}", self._record)
        client.meta.events.register_first(f"before-send.{service}", self._answer)

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append((model.name, json.loads(json.dumps(params, default=str))))

    def _answer(self, request: Any, **_: Any) -> AWSResponse:
        operation = self.calls[-1][0]
        body = json.dumps(CANNED[operation]).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "fake"}
        return AWSResponse(request.url, 200, HTTPHeaders.from_dict(headers), _Raw(body))

    def named(self, operation: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == operation]


@pytest.fixture
def fake_aws(monkeypatch: pytest.MonkeyPatch) -> FakeAws:
    monkeypatch.setenv("KARGO_QUEUE_URL", "https://sqs.eu-central-1.amazonaws.com/1/kargo-webhooks")
    monkeypatch.setenv("KARGO_DLQ_URL", "https://sqs.eu-central-1.amazonaws.com/1/kargo-dlq")
    fake = FakeAws()
    fake.attach(aws.dynamodb())
    fake.attach(aws.sqs())
    return fake


def sqs_record(source: str, raw: bytes) -> dict[str, Any]:
    """As the ingress queues it and Lambda delivers it: text when SQS can carry
    it, else base64 (CONTRACT: the raw body is kept, whatever it is)."""
    try:
        text, encoding = raw.decode("utf-8"), "utf-8"
        if not text or any(ch not in "\t\n\r" and ord(ch) < 0x20 for ch in text):
            raise ValueError("not SQS-safe")
    except ValueError:
        text, encoding = base64.b64encode(raw).decode(), "base64"
    return {
        "messageId": "m-1",
        "receiptHandle": "r-1",
        "body": text,
        "attributes": {},
        "messageAttributes": {
            "source": {"stringValue": source, "dataType": "String"},
            "encoding": {"stringValue": encoding, "dataType": "String"},
        },
        "eventSource": "aws:sqs",
        "awsRegion": "eu-central-1",
    }


def _expected_states(source: str, raw: bytes) -> dict[tuple[str, str], ShipmentState] | None:
    """None when the body must be dead-lettered."""
    try:
        updates = SOURCES[source].parse(raw)
    except UnprocessableDelivery:
        return None
    states = {}
    for update in ingest.combine_by_shipment(updates):
        result = merge_update(ShipmentState(*update.shipment_key), update, NOW)
        if not result.is_noop:
            states[update.shipment_key] = result.state
    return states


def _written_items(fake: FakeAws) -> list[dict[str, Any]]:
    items = [params["Item"] for params in fake.named("PutItem")]
    for params in fake.named("TransactWriteItems"):
        items += [entry["Put"]["Item"] for entry in params["TransactItems"] if "Put" in entry]
    return items


@pytest.mark.parametrize("source", sorted(SOURCES))
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_vendor_shaped_body_becomes_events_or_a_dead_letter(
    source: str, data: st.DataObject, fake_aws: FakeAws
) -> None:
    raw = data.draw(vendor_bodies(source), label="body")
    fake_aws.calls.clear()
    expected = _expected_states(source, raw)

    written = ingest.process_message(sqs_record(source, raw), NOW)  # must not raise

    dead = fake_aws.named("SendMessage")
    event("dead letter" if expected is None else f"{len(expected)} shipment(s) written")
    if expected is None:
        assert written == 0 and len(dead) == 1, "an unreadable body is dead-lettered once"
        assert dead[0]["MessageAttributes"]["error"]["StringValue"], "with its reason"
        assert dead[0]["MessageBody"] == sqs_record(source, raw)["body"], "and kept as it came"
        return
    assert dead == [], "a readable body is not dead-lettered"
    items = [item for item in _written_items(fake_aws) if item["sk"]["S"] == "STATE"]
    assert written == len(items) == len(expected)
    for item in items:
        assert item_size(item) <= MAX_ITEM_BYTES, "DynamoDB refuses items over 400 KB"
        record = store.shipment_from_item(item)
        assert record.state == expected[record.key], "the stored state reads back as merged"


@pytest.mark.parametrize("source", sorted(SOURCES))
@settings(max_examples=60, deadline=None)
@given(raw=st.binary(max_size=300))
def test_arbitrary_bytes_never_escape_as_another_exception(source: str, raw: bytes) -> None:
    try:
        updates = SOURCES[source].parse(raw)
    except UnprocessableDelivery:
        return
    for update in updates:  # whatever was read is well formed
        assert update.events and all(e.occurred_at.tzinfo is not None for e in update.events)
