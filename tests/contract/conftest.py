"""Kargo's HTTP API in-process for the contract tests: moto, the real app behind
Chalice's local API Gateway (as WSGI), and an order seeded under the ids the
OpenAPI document gives as examples."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from moto import mock_aws

from chalicelib.api.openapi import EXAMPLE_ORDER_ID, EXAMPLE_TOKEN
from tests.contract.wsgi import ChaliceWsgi
from tests.integration.conftest import DAYTIME, MERCHANT, sign_generic

TRACKING = "YT123456789TR"


@pytest.fixture(scope="module")
def api() -> Iterator[ChaliceWsgi]:
    """The wall clock starts at DAYTIME, as in the integration tests: the seeded
    events and estimate keep their place relative to "now" whatever today is."""
    with (
        time_machine.travel(DAYTIME, tick=True),
        pytest.MonkeyPatch.context() as patch,
        mock_aws(),
    ):
        patch.setenv("KARGO_PUBLIC_URL", "https://kargo.test")
        patch.setenv("KARGO_REVIEW_URL", "https://reviews.example/kargo")
        from chalicelib.aws import reset_clients
        from chalicelib.config import reset_settings
        from local.bootstrap import ensure_resources

        reset_settings()
        reset_clients()
        resources = ensure_resources()
        patch.setenv("KARGO_QUEUE_URL", resources.queue_url)
        patch.setenv("KARGO_DLQ_URL", resources.dead_letter_queue_url)
        reset_settings()
        from app import app

        wsgi = ChaliceWsgi(app)
        _seed(wsgi, resources, patch)
        yield wsgi


def _seed(wsgi: ChaliceWsgi, resources: Any, patch: pytest.MonkeyPatch) -> None:
    """Order 1001 with the example token, a few carrier events, its notifications."""
    from werkzeug.test import Client

    import app as kargo
    from chalicelib import orders
    from local.pollers import SqsPoller, StreamPoller

    tokens = iter([EXAMPLE_TOKEN])
    real = orders.new_tracking_token
    patch.setattr(orders, "new_tracking_token", lambda *key: next(tokens, None) or real(*key))
    client = Client(wsgi)
    order = {
        "order_id": EXAMPLE_ORDER_ID,
        "customer": {"name": "Ayşe Yılmaz", "email": "ayse@example.com", "locale": "tr"},
        "shipments": [{"carrier": "yurtici", "tracking_number": TRACKING}],
        "notifications": {"email": True, "sms": False},
    }
    created = client.post("/orders", data=json.dumps(order), headers=MERCHANT)
    assert created.status_code == 201, created.get_data(as_text=True)
    patch.setattr(orders, "new_tracking_token", real)
    events = [
        {"status": "info_received", "occurred_at": "2026-11-20T09:00:00+03:00"},
        {
            "status": "in_transit",
            "occurred_at": "2026-11-21T08:15:00+03:00",
            "description": "Transfer merkezinden çıktı",
            "location": {"city": "İstanbul", "country": "TR"},
            "carrier_status": "ISR",
        },
    ]
    raw = json.dumps(
        {
            "carrier": "yurtici",
            "tracking_number": TRACKING,
            "estimated_delivery": "2026-11-25",
            "events": events,
        }
    ).encode()
    accepted = client.post("/webhooks/generic", data=raw, headers=sign_generic(raw))
    assert accepted.status_code == 202
    consumer = SqsPoller(resources.queue_url, lambda event: kargo.consume_webhooks(event, None))
    notifier = StreamPoller(resources.stream_arn, lambda event: kargo.notify_changes(event, None))
    while consumer.poll_once(visibility_timeout=0):
        pass
    while notifier.poll_once():
        pass
