"""Poll answers over the SQS limit travel compressed; beyond that, they are refused."""

from __future__ import annotations

import json
import os

import pytest

from chalicelib.errors import UnprocessableDelivery
from chalicelib.ingress import SQS_BODY_LIMIT, DeliveryTooLarge, decode_delivery_body


def test_a_large_answer_is_compressed_and_read_back(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib import aws, ingress

    sent: list[dict[str, object]] = []

    class Sqs:
        def send_message(self, **kwargs: object) -> None:
            sent.append(kwargs)

    monkeypatch.setattr(aws, "sqs", lambda: Sqs())
    monkeypatch.setattr(ingress, "webhook_queue_url", lambda: "queue")
    raw = json.dumps({"shipments": [{"number": f"TP{i}", "moves": []} for i in range(20_000)]})
    assert len(raw) > SQS_BODY_LIMIT
    from datetime import UTC, datetime

    ingress.enqueue_delivery("poll:testpost", raw.encode(), datetime(2026, 11, 23, tzinfo=UTC))
    (message,) = sent
    encoding = message["MessageAttributes"]["encoding"]["StringValue"]  # type: ignore[index]
    assert encoding == "gzip+base64"
    assert len(str(message["MessageBody"])) <= SQS_BODY_LIMIT
    assert decode_delivery_body(str(message["MessageBody"]), encoding) == raw.encode()

    with pytest.raises(DeliveryTooLarge):
        ingress.enqueue_delivery(
            "poll:testpost", os.urandom(SQS_BODY_LIMIT), datetime(2026, 11, 23, tzinfo=UTC)
        )


def test_a_corrupt_compressed_body_is_unprocessable() -> None:
    with pytest.raises(UnprocessableDelivery):
        decode_delivery_body("bm90IGd6aXA=", "gzip+base64")
