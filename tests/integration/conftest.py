"""Kargo on moto, in-process: HTTP through chalice.test.Client, the consumer and
notifier invoked with Lambda-shaped events built by the same pollers the local
stack uses, mail and SMS read back from moto's backends."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
import time_machine
from chalice.test import Client
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from time_machine import TimeMachineFixture

from chalicelib.clock import utc_now
from chalicelib.config import DEFAULT_GENERIC_SECRET

REGION = "eu-central-1"
MERCHANT = {"Authorization": "Bearer dev-merchant-key", "Content-Type": "application/json"}


def sign_generic(
    raw: bytes,
    secret: str = DEFAULT_GENERIC_SECRET,
    ts: int | None = None,
    msg_id: str | None = None,
) -> dict[str, str]:
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    ts = int(utc_now().timestamp()) if ts is None else ts
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{ts}.".encode() + raw, hashlib.sha256).digest()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
        "Content-Type": "application/json",
    }


@dataclass
class SentSms:
    phone: str
    text: str


@dataclass
class Kargo:
    """Drive the whole pipeline step by step, the way Lambda would."""

    client: Client
    resources: Any
    consumer: Any = field(init=False)
    notifier: Any = field(init=False)

    def __post_init__(self) -> None:
        from local.pollers import SqsPoller, StreamPoller

        self.consumer = SqsPoller(self.resources.queue_url, self._invoke("consume_webhooks"))
        self.notifier = StreamPoller(self.resources.stream_arn, self._invoke("notify_changes"))

    def _invoke(self, name: str) -> Any:
        def call(event: dict[str, Any]) -> dict[str, Any]:
            result: dict[str, Any] = self.client.lambda_.invoke(name, event).payload
            return result

        return call

    # HTTP ----------------------------------------------------------------------
    def post_json(self, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
        return self.client.http.post(
            path, body=json.dumps(body).encode(), headers={**MERCHANT, **(headers or {})}
        )

    @staticmethod
    def at(when: datetime) -> Any:
        """Deliver as if it were `when` (webhook timestamps, the consumer's clock):
        an event dated ahead of the receiving clock would be held back."""
        return time_machine.travel(when, tick=True)

    def merchant_get(self, path: str) -> Any:
        return self.client.http.get(path, headers=MERCHANT)

    def register(self, order: dict[str, Any]) -> dict[str, Any]:
        response = self.post_json("/orders", order)
        assert response.status_code in (200, 201), response.body
        body: dict[str, Any] = json.loads(response.body)
        return body

    def webhook(self, payload: dict[str, Any], **sign: Any) -> Any:
        raw = json.dumps(payload).encode()
        return self.client.http.post(
            "/webhooks/generic", body=raw, headers=sign_generic(raw, **sign)
        )

    def track(self, token: str, query: str = "", headers: dict[str, str] | None = None) -> Any:
        return self.client.http.get(f"/track/{token}{query}", headers=headers or {})

    # Lambda event sources ---------------------------------------------------------
    def run_consumer(self) -> int:
        total = 0
        while (count := self.consumer.poll_once(visibility_timeout=0)) > 0:
            total += count
            if total > 10_000:
                raise AssertionError("consumer never drained the queue")
        return total

    def run_notifier(self) -> int:
        total = 0
        for _ in range(20):
            count = self.notifier.poll_once()
            total += count
            if count == 0:
                break
        return total

    def settle(self) -> None:
        self.run_consumer()
        self.run_notifier()

    # The poller (chalicelib/poll/), with a pinned clock and no real sleeping ------------
    def run_poller(self, at: datetime, pacing: Any = None) -> dict[str, Any]:
        """One scheduled run, as if EventBridge fired at `at`."""
        from chalicelib.poll.runner import run_scheduled

        return run_scheduled(at, at, pacing or quick_pacing())

    def run_poll_requests(self, now: datetime, pacing: Any = None) -> int:
        """Drain the poll-request queue through the poller, as its event source would."""
        from chalicelib.poll.runner import handle_poll_requests
        from local.pollers import SqsPoller

        poller = SqsPoller(
            self.resources.poll_request_queue_url,
            lambda event: handle_poll_requests(event, now, pacing or quick_pacing()),
        )
        total = 0
        while (count := poller.poll_once(visibility_timeout=0)) > 0:
            total += count
            if total > 1000:
                raise AssertionError("poll requests never drained")
        return total

    # Read-back ------------------------------------------------------------------------
    def sent_emails(self) -> list[EmailMessage]:
        from moto.ses.models import ses_backends

        backend = ses_backends[DEFAULT_ACCOUNT_ID][REGION]
        parser = BytesParser(policy=policy.default)
        return [
            parser.parsebytes(m.raw_data.encode())
            for m in backend.sent_messages
            if hasattr(m, "raw_data")
        ]  # type: ignore[misc]

    def sent_sms(self) -> list[SentSms]:
        from moto.sns.models import sns_backends

        backend = sns_backends[DEFAULT_ACCOUNT_ID][REGION]
        return [SentSms(phone, text) for phone, text, *_ in backend.sms_messages.values()]

    def dead_letters(self) -> list[dict[str, Any]]:
        from chalicelib import aws

        messages: list[dict[str, Any]] = (
            aws.sqs()
            .receive_message(
                QueueUrl=self.resources.dead_letter_queue_url,
                MaxNumberOfMessages=10,
                MessageAttributeNames=["All"],
            )
            .get("Messages", [])
        )
        return messages


def quick_pacing(seed: int = 7) -> Any:
    """A run that records its pauses instead of sleeping, with seeded jitter."""
    import random

    from chalicelib.poll.runner import Pacing

    clock = [0.0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    return Pacing(monotonic=lambda: clock[0], sleep=sleep, rng=random.Random(seed))


# Noon in Istanbul, after every event date the tests use (an event dated ahead of
# the clock is not news yet): SMS are not held for quiet hours unless a test says so.
DAYTIME = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def kargo(monkeypatch: pytest.MonkeyPatch, time_machine: TimeMachineFixture) -> Iterator[Kargo]:
    """The whole wall clock (the app, moto, signed timestamps) starts at DAYTIME and
    ticks; a test moves it with `time_machine.move_to(...)` / `.shift(...)`."""
    monkeypatch.setenv("KARGO_PUBLIC_URL", "https://kargo.test")
    # Most tests follow one shipment's messages; the order confirmation (on by
    # default) has tests of its own that turn it back on.
    monkeypatch.setenv("KARGO_ORDER_CONFIRMATION", "false")
    time_machine.move_to(DAYTIME, tick=True)
    with mock_aws():
        from chalicelib.ingress import queue_url_by_name
        from local.bootstrap import ensure_resources

        queue_url_by_name.cache_clear()
        resources = ensure_resources()
        monkeypatch.setenv("KARGO_QUEUE_URL", resources.queue_url)
        monkeypatch.setenv("KARGO_DLQ_URL", resources.dead_letter_queue_url)
        monkeypatch.setenv("KARGO_POLL_REQUEST_QUEUE_URL", resources.poll_request_queue_url)
        from chalicelib.config import reset_settings

        reset_settings()
        from app import app

        with Client(app) as client:
            yield Kargo(client, resources)
        queue_url_by_name.cache_clear()


def order_payload(
    order_id: str = "1001", tracking: str = "YT123456789TR", **overrides: Any
) -> dict[str, Any]:
    order: dict[str, Any] = {
        "order_id": order_id,
        "customer": {
            "name": "Ayşe Yılmaz",
            "email": "ayse@example.com",
            "phone": "+905321234567",
            "locale": "tr",
        },
        "shipments": [{"carrier": "yurtici", "tracking_number": tracking}],
        "notifications": {"email": True, "sms": True},
    }
    order.update(overrides)
    return order


def carrier_update(tracking: str, *events: tuple[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "carrier": "yurtici",
        "tracking_number": tracking,
        "events": [
            {"status": status, "occurred_at": at, "description": f"{status} at {at}"}
            for status, at in events
        ],
        **extra,
    }
