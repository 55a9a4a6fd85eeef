"""Signed webhooks to the shop's own endpoint (Standard Webhooks), with retries.

Deliveries travel on their own SQS queue, so a slow receiver never slows the
customer notifications. A retryable failure (timeout, connection error, 5xx,
408, 429) is sent back to the queue with a delay — exponential backoff with
jitter, `Retry-After` honoured — until 24 hours have passed, then dead-lettered.
Any other 4xx is final. The `webhook-id` is the event id on every attempt.
"""

from __future__ import annotations

import json
import logging
import random
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from chalicelib import aws, store
from chalicelib.carriers.signatures import sign_standard_webhook
from chalicelib.clock import utc_now
from chalicelib.config import settings
from chalicelib.domain.events import format_utc, parse_utc

TIMEOUT_SECONDS = 10
FIRST_RETRY_SECONDS = 5.0
MAX_RETRY_SECONDS = 3600.0
GIVE_UP_AFTER = timedelta(hours=24)
SQS_MAX_DELAY_SECONDS = 900  # longer waits hop through the queue several times
RETRYABLE_STATUSES = frozenset({408, 429})
WEBHOOK_QUEUE_NAME = "kargo-merchant-webhooks"
WEBHOOK_DLQ_NAME = "kargo-merchant-webhooks-dlq"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryJob:
    """What travels on the queue: the event and how far its delivery has come."""

    event: dict[str, Any]
    order_id: str
    first_attempt_at: str
    attempt: int = 0  # attempts made so far
    not_before: str | None = None  # for waits longer than one SQS delay

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> DeliveryJob:
        return cls(**json.loads(text))


@dataclass(frozen=True)
class Attempt:
    """The outcome of one POST: what the receiver said, or why there was no answer."""

    status_code: int | None
    retry_after: str | None = None
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def retryable(self) -> bool:
        if self.status_code is None:
            return True  # timeout or could not connect
        return self.status_code >= 500 or self.status_code in RETRYABLE_STATUSES

    def describe(self) -> str:
        return f"HTTP {self.status_code}" if self.status_code else (self.error or "no answer")


def backoff_seconds(attempt: int, rng: random.Random) -> float:
    """About 5 s before the first retry, doubling, capped at an hour, ±20 % jitter
    so receivers that come back are not hit by every sender at once."""
    base: float = min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2.0 ** max(0, attempt - 1))
    jitter: float = rng.uniform(0.8, 1.2)
    return base * jitter


def retry_after_seconds(header: str | None, now: datetime) -> float | None:
    """`Retry-After` as seconds or as an HTTP date."""
    if not header:
        return None
    text = header.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - now).total_seconds())


def post_event(url: str, secret: str, event: dict[str, Any]) -> Attempt:
    """POST once. Signed with the wall clock: receivers reject stale timestamps."""
    body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(utc_now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Kargo-Webhooks/1",
        "webhook-id": event["id"],
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign_standard_webhook(secret, event["id"], timestamp, body),
    }
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return Attempt(response.status)
    except urllib.error.HTTPError as error:
        return Attempt(error.code, retry_after=error.headers.get("Retry-After"))
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        return Attempt(None, error=type(error).__name__)


def note_id(event_id: str) -> str:
    return f"ntf_wh_{event_id.removeprefix('evt_')}"


def schedule_first_delivery(event: dict[str, Any], order_id: str, now: datetime) -> None:
    """Called by the notifier: queue the event for delivery and show it as pending."""
    entry = store.NotificationEntry(
        id=note_id(event["id"]),
        order_id=order_id,
        channel="webhook",
        kind=event["type"],
        carrier=event["data"].get("carrier"),
        tracking_number=event["data"].get("tracking_number"),
        status="retrying",
        created_at=now,
        reason="queued",
    )
    if not store.claim_notification(entry, allow_retrying=False):
        return  # a redelivered outbox row: already queued once
    job = DeliveryJob(event=event, order_id=order_id, first_attempt_at=format_utc(now))
    aws.sqs().send_message(QueueUrl=queue_url(), MessageBody=job.to_json())


def deliver(job: DeliveryJob, now: datetime, rng: random.Random | None = None) -> str:
    """One step of a delivery. Returns the resulting status: sent, retrying, failed."""
    config = settings()
    if job.not_before and parse_utc(job.not_before) > now:
        _requeue(job, (parse_utc(job.not_before) - now).total_seconds())
        return "retrying"
    if not config.merchant_webhook_url or not config.merchant_webhook_secret:
        reason = "no URL set" if not config.merchant_webhook_url else "no signing secret set"
        store.finish_notification(job.order_id, note_id(job.event["id"]), "failed", reason)
        return "failed"
    attempt = post_event(config.merchant_webhook_url, config.merchant_webhook_secret, job.event)
    entry_id, number = note_id(job.event["id"]), job.attempt + 1
    if attempt.succeeded:
        store.finish_notification(job.order_id, entry_id, "sent", f"attempt {number}: delivered")
        return "sent"
    detail = f"attempt {number}: {attempt.describe()}"
    started = parse_utc(job.first_attempt_at)
    if not attempt.retryable or now - started >= GIVE_UP_AFTER:
        store.finish_notification(job.order_id, entry_id, "failed", detail)
        _dead_letter(job, detail)
        return "failed"
    wait = retry_after_seconds(attempt.retry_after, now)
    wait = max(wait or 0.0, backoff_seconds(number, rng or random.Random()))  # noqa: S311
    wait = min(wait, (started + GIVE_UP_AFTER - now).total_seconds() + 1)
    store.finish_notification(job.order_id, entry_id, "retrying", f"{detail}; next in {wait:.0f} s")
    not_before = format_utc(now + timedelta(seconds=wait))
    _requeue(DeliveryJob(job.event, job.order_id, job.first_attempt_at, number, not_before), wait)
    return "retrying"


def _requeue(job: DeliveryJob, wait_seconds: float) -> None:
    delay = int(min(SQS_MAX_DELAY_SECONDS, max(0.0, wait_seconds)))
    aws.sqs().send_message(QueueUrl=queue_url(), MessageBody=job.to_json(), DelaySeconds=delay)


def _dead_letter(job: DeliveryJob, reason: str) -> None:
    aws.sqs().send_message(
        QueueUrl=dead_letter_queue_url(),
        MessageBody=job.to_json(),
        MessageAttributes={"error": {"DataType": "String", "StringValue": reason[:1000]}},
    )


def handle_delivery_batch(event: dict[str, Any]) -> dict[str, Any]:
    """The merchant-webhook Lambda's body: one job per SQS record."""
    failures = []
    for record in event.get("Records", []):
        try:
            deliver(DeliveryJob.from_json(record["body"]), utc_now())
        except Exception:
            logger.exception("merchant webhook step failed; SQS will retry it")
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def queue_url() -> str:
    from chalicelib.ingress import queue_url_by_name

    return settings().merchant_webhook_queue_url or queue_url_by_name(WEBHOOK_QUEUE_NAME)


def dead_letter_queue_url() -> str:
    from chalicelib.ingress import queue_url_by_name

    return settings().merchant_webhook_dlq_url or queue_url_by_name(WEBHOOK_DLQ_NAME)
