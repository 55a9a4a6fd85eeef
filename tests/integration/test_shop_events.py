"""CONTRACT.md section 9: events on the bus and signed webhooks to the shop."""

from __future__ import annotations

import http.server
import json
import random
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from chalicelib import aws, clock
from chalicelib.clock import utc_now
from chalicelib.config import DEFAULT_MERCHANT_WEBHOOK_SECRET, reset_settings
from chalicelib.shop_events import webhooks
from tests.integration.conftest import Kargo, carrier_update, order_payload


class Receiver:
    """A shop's endpoint on 127.0.0.1 that answers from a script and checks signatures."""

    def __init__(self, answers: list[int], hang: bool = False):
        self.answers, self.hang = answers, hang
        self.seen: list[dict[str, Any]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                payload = Webhook(DEFAULT_MERCHANT_WEBHOOK_SECRET).verify(body, dict(self.headers))
                receiver.seen.append({"id": self.headers["webhook-id"], "event": payload})
                if receiver.hang:
                    clock.sleep(2)
                    return
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "30")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/kargo"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_factory(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    made: list[Receiver] = []

    def make(answers: list[int], hang: bool = False) -> Receiver:
        receiver = Receiver(answers, hang)
        made.append(receiver)
        monkeypatch.setenv("KARGO_MERCHANT_WEBHOOK_URL", receiver.url)
        reset_settings()
        return receiver

    yield make
    for receiver in made:
        receiver.close()


class ControlledRetries:
    """Replaces the SQS delay with a list the test walks through, clock in hand."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.scheduled: list[tuple[webhooks.DeliveryJob, float]] = []
        monkeypatch.setattr(
            webhooks, "_requeue", lambda job, wait: self.scheduled.append((job, wait))
        )

    def first_job(self, kargo: Kargo) -> webhooks.DeliveryJob:
        messages = (
            aws.sqs()
            .receive_message(
                QueueUrl=kargo.resources.merchant_webhook_queue_url, MaxNumberOfMessages=10
            )
            .get("Messages", [])
        )
        assert len(messages) == 1
        return webhooks.DeliveryJob.from_json(messages[0]["Body"])


def notes(kargo: Kargo, channel: str) -> list[tuple[str, str, str | None]]:
    body = json.loads(kargo.merchant_get("/orders/1001/notifications").body)
    return [
        (n["kind"], n["status"], n.get("reason"))
        for n in body["notifications"]
        if n["channel"] == channel
    ]


def test_events_reach_the_bus_once_and_a_rule_can_route_them(kargo: Kargo) -> None:
    events, sqs = aws.events(), aws.sqs()
    target = sqs.create_queue(QueueName="shop-delays")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=target, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(
        Name="all-kargo", EventBusName="kargo", EventPattern=json.dumps({"source": ["kargo"]})
    )
    events.put_targets(Rule="all-kargo", EventBusName="kargo", Targets=[{"Id": "q", "Arn": arn}])

    kargo.register(order_payload())
    kargo.webhook(carrier_update("YT123456789TR", ("in_transit", "2026-11-21T10:00:00+03:00")))
    kargo.run_consumer()
    records: list[dict[str, Any]] = []
    kargo.notifier.handler, original = (
        (lambda e: records.extend(e["Records"]) or original(e)),
        kargo.notifier.handler,
    )
    kargo.run_notifier()
    # A redelivered outbox row publishes nothing again.
    kargo.client.lambda_.invoke("notify_changes", {"Records": records})

    messages = sqs.receive_message(QueueUrl=target, MaxNumberOfMessages=10).get("Messages", [])
    assert len(messages) == 1
    envelope = json.loads(messages[0]["Body"])
    assert envelope["source"] == "kargo"
    assert envelope["detail-type"] == "shipment.status_changed"
    event = envelope["detail"]
    assert event["id"].startswith("evt_")
    assert event["data"] == {
        "order_id": "1001",
        "carrier": "yurtici",
        "tracking_number": "YT123456789TR",
        "status": "in_transit",
        "previous_status": "pending",
        "delayed": False,
        "delay_reason": None,
        "estimated_delivery": None,
        "occurred_at": "2026-11-21T07:00:00Z",
        "tracking_url": event["data"]["tracking_url"],
    }
    assert event["data"]["tracking_url"].startswith("https://kargo.test/t/")


def test_webhook_retries_on_500_and_429_then_is_sent_with_the_same_id(
    kargo: Kargo, receiver_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = receiver_factory([500, 429])
    retries = ControlledRetries(monkeypatch)
    kargo.register(order_payload())
    kargo.webhook(
        carrier_update("YT123456789TR", ("out_for_delivery", "2026-11-22T08:00:00+03:00"))
    )
    kargo.settle()
    assert notes(kargo, "webhook") == [("shipment.status_changed", "retrying", "queued")]

    now, rng = datetime(2026, 11, 22, 9, 0, tzinfo=UTC), random.Random(7)
    job = retries.first_job(kargo)
    assert webhooks.deliver(job, now, rng) == "retrying"
    job, wait = retries.scheduled.pop()
    assert 4 <= wait <= 6  # first retry after about 5 s
    assert webhooks.deliver(job, now + timedelta(seconds=wait), rng) == "retrying"
    job, wait = retries.scheduled.pop()
    assert wait >= 30  # Retry-After: 30 beats the backoff
    assert notes(kargo, "webhook")[0][1] == "retrying"
    assert webhooks.deliver(job, now + timedelta(seconds=60), rng) == "sent"

    assert len({seen["id"] for seen in receiver.seen}) == 1
    assert len(receiver.seen) == 3
    assert receiver.seen[0]["event"]["type"] == "shipment.status_changed"
    assert notes(kargo, "webhook") == [("shipment.status_changed", "sent", None)]


def test_a_400_is_not_retried(
    kargo: Kargo, receiver_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = receiver_factory([400])
    retries = ControlledRetries(monkeypatch)
    kargo.register(order_payload())
    kargo.webhook(carrier_update("YT123456789TR", ("delivered", "2026-11-22T15:00:00+03:00")))
    kargo.settle()
    assert webhooks.deliver(retries.first_job(kargo), utc_now()) == "failed"
    assert retries.scheduled == []
    assert len(receiver.seen) == 1
    assert notes(kargo, "webhook") == [("shipment.status_changed", "failed", "attempt 1: HTTP 400")]
    dead = (
        aws.sqs()
        .receive_message(QueueUrl=kargo.resources.merchant_webhook_dlq_url)
        .get("Messages", [])
    )
    assert len(dead) == 1


def test_retries_stop_after_a_day(
    kargo: Kargo, receiver_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver_factory([503] * 100)
    retries = ControlledRetries(monkeypatch)
    kargo.register(order_payload())
    kargo.webhook(carrier_update("YT123456789TR", ("delivered", "2026-11-22T15:00:00+03:00")))
    kargo.settle()
    job, now, rng = retries.first_job(kargo), utc_now(), random.Random(1)
    outcome, waits = webhooks.deliver(job, now, rng), []
    while outcome == "retrying":
        job, wait = retries.scheduled.pop()
        waits.append(wait)
        now += timedelta(seconds=wait)
        outcome = webhooks.deliver(job, now, rng)
    assert outcome == "failed"
    assert waits == sorted(waits[:8]) + waits[8:]  # growing, then capped
    assert (
        timedelta(hours=23)
        < now - datetime.fromisoformat(job.first_attempt_at)
        < timedelta(hours=25)
    )


def test_a_receiver_that_never_answers_does_not_delay_email_and_sms(
    kargo: Kargo, receiver_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver_factory([], hang=True)
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.3)
    kargo.register(order_payload())
    kargo.webhook(
        carrier_update("YT123456789TR", ("out_for_delivery", "2026-11-22T08:00:00+03:00"))
    )
    started = time.monotonic()
    kargo.settle()
    assert time.monotonic() - started < 3
    assert len(kargo.sent_emails()) == 1 and len(kargo.sent_sms()) == 1
    retries = ControlledRetries(monkeypatch)
    assert webhooks.deliver(retries.first_job(kargo), utc_now()) == "retrying"
    assert "TimeoutError" in (notes(kargo, "webhook")[0][2] or "") or "URLError" in (
        notes(kargo, "webhook")[0][2] or ""
    )


def test_backoff_grows_with_jitter() -> None:
    rng = random.Random(3)
    waits = [webhooks.backoff_seconds(n, rng) for n in range(1, 12)]
    assert 4 <= waits[0] <= 6 and 8 <= waits[1] <= 12
    assert max(waits) <= 3600 * 1.2


def test_unused_port_is_a_retryable_connection_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    attempt = webhooks.post_event(
        f"http://127.0.0.1:{port}/", DEFAULT_MERCHANT_WEBHOOK_SECRET, {"id": "evt_1", "type": "x"}
    )
    assert attempt.status_code is None and attempt.retryable


def test_published_event_schema_is_fresh() -> None:
    from pathlib import Path

    from chalicelib.shop_events.model import KargoEvent

    published = Path(__file__).resolve().parents[2] / "docs" / "events.schema.json"
    assert json.loads(published.read_text()) == KargoEvent.model_json_schema(), (
        "regenerate docs/events.schema.json (see the README's events section)"
    )
