"""Kargo on moto in-process, for measurements: the real app, Lambda-shaped events.

Mirrors the integration tests' fixture (tests/integration/conftest.py) without
pytest: environment, resources, the app behind chalice's test client, and
helpers that build orders, signed webhooks and SQS records the way carriers,
the ingress and Lambda do.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bench.moto_speed import cheap_transactions
from chalicelib.carriers.signatures import sign_standard_webhook
from chalicelib.clock import utc_now
from chalicelib.config import DEFAULT_GENERIC_SECRET

REGION = "eu-central-1"
MERCHANT = {"Authorization": "Bearer dev-merchant-key", "Content-Type": "application/json"}
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "KARGO_PUBLIC_URL": "https://kargo.bench",
}


def midday_zone() -> str:
    """A time zone where it is about noon now: SMS wait out the shopper's night
    (quiet hours), which would hide them from a measurement."""
    offset = (12 - utc_now().hour) % 24
    offset = offset - 24 if offset > 14 else offset
    return f"Etc/GMT{-offset:+d}" if offset else "UTC"


@dataclass
class Stage:
    client: Any  # chalice.test.Client
    app: Any  # the Chalice app module (`app.py`)
    resources: Any  # local.bootstrap.Resources

    def register(self, order: dict[str, Any]) -> dict[str, Any]:
        response = self.client.http.post("/orders", body=json.dumps(order), headers=MERCHANT)
        assert response.status_code in (200, 201), response.body
        body: dict[str, Any] = json.loads(response.body)
        return body

    def post_webhook(self, payload: dict[str, Any]) -> int:
        raw = json.dumps(payload).encode()
        response = self.client.http.post("/webhooks/generic", body=raw, headers=signed(raw))
        return int(response.status_code)

    def track(self, token: str) -> dict[str, Any]:
        response = self.client.http.get(f"/track/{token}")
        assert response.status_code == 200, response.body
        body: dict[str, Any] = json.loads(response.body)
        return body


def signed(raw: bytes, msg_id: str | None = None) -> dict[str, str]:
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    ts = int(utc_now().timestamp())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign_standard_webhook(DEFAULT_GENERIC_SECRET, msg_id, ts, raw),
        "Content-Type": "application/json",
    }


def sqs_record(payload: dict[str, Any], source: str = "generic") -> dict[str, Any]:
    """One webhook as the consumer Lambda receives it from SQS."""
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "bench",
        "body": json.dumps(payload),
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {
            "source": {"stringValue": source, "dataType": "String"},
            "encoding": {"stringValue": "utf-8", "dataType": "String"},
        },
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:kargo-webhooks",
        "awsRegion": REGION,
    }


def order(order_id: str, carrier: str, tracking: str, sms: bool = True) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "customer": {
            "name": "Ayşe Yılmaz",
            "email": f"{order_id}@example.com",
            "phone": "+905321234567",
            "locale": "tr",
        },
        "shipments": [{"carrier": carrier, "tracking_number": tracking}],
        "notifications": {"email": True, "sms": sms},
    }


def webhook(tracking: str, *events: tuple[str, str], carrier: str = "yurtici") -> dict[str, Any]:
    return {
        "carrier": carrier,
        "tracking_number": tracking,
        "events": [
            {
                "status": status,
                "occurred_at": at,
                "description": f"{status} {at}",
                "location": {"city": "İstanbul", "country": "TR"},
                "carrier_status": status.upper()[:3],
            }
            for status, at in events
        ],
    }


@contextmanager
def moto_stage() -> Iterator[Stage]:
    """Everything on moto in this process; restores the environment after."""
    saved = dict(os.environ)
    os.environ.update(FAKE_AWS)
    os.environ["KARGO_TIMEZONE"] = midday_zone()
    for name in ("AWS_ENDPOINT_URL", "KARGO_AWS_ENDPOINT", "AWS_PROFILE"):
        os.environ.pop(name, None)
    from chalice.test import Client
    from moto import mock_aws

    from chalicelib.aws import reset_clients
    from chalicelib.config import reset_settings

    try:
        with mock_aws(), cheap_transactions():
            reset_settings()
            reset_clients()
            from local.bootstrap import ensure_resources

            resources = ensure_resources()
            os.environ["KARGO_QUEUE_URL"] = resources.queue_url
            os.environ["KARGO_DLQ_URL"] = resources.dead_letter_queue_url
            reset_settings()
            import app as kargo

            with Client(kargo.app) as client:
                yield Stage(client, kargo, resources)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset_settings()
        reset_clients()
