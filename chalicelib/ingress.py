"""Use case: a carrier or a shop platform posts a webhook. Verify it on the raw
bytes, queue it, done.

The ingress does the least possible before answering 202: parsing happens in
the consumer, so a parse bug parks the delivery in the dead-letter queue for a
replay instead of bouncing it back to a carrier that may give up on us.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any

from chalicelib import aws
from chalicelib.carriers import SOURCES
from chalicelib.carriers.base import WebhookRequest
from chalicelib.config import settings
from chalicelib.domain.events import format_utc
from chalicelib.errors import NotFound, UnprocessableDelivery
from chalicelib.platforms import get_platform
from chalicelib.platforms.base import Platform

WEBHOOK_QUEUE_NAME = "kargo-webhooks"
DEAD_LETTER_QUEUE_NAME = "kargo-webhooks-dlq"


def accept_webhook(
    source_name: str,
    raw_body: bytes,
    headers: Mapping[str, str],
    query: Mapping[str, str],
    now: datetime,
) -> None:
    """Verify and enqueue one delivery; counted as accepted or rejected by source."""
    from chalicelib import observability

    known = source_name if get_platform(source_name) or source_name in SOURCES else "unknown"
    try:
        _accept_webhook(source_name, raw_body, headers, query, now)
    except Exception as error:
        observability.count("WebhooksRejected", source=known, reason=type(error).__name__)
        raise
    observability.count("WebhooksAccepted", source=known)


def _accept_webhook(
    source_name: str,
    raw_body: bytes,
    headers: Mapping[str, str],
    query: Mapping[str, str],
    now: datetime,
) -> None:
    platform = get_platform(source_name)
    if platform is not None:
        accept_platform_webhook(platform, raw_body, headers, now)
        return
    source = SOURCES.get(source_name)  # a poll answer can never be posted from outside
    if source is None:
        raise NotFound("Unknown webhook source.")
    request = WebhookRequest(raw_body, {k.lower(): v for k, v in headers.items()}, query, now)
    source.verify(request, settings().webhook_secrets.get(source.name, ()), now)
    enqueue_delivery(source.name, raw_body, now, request.header("webhook-id"))


def accept_platform_webhook(
    platform: Platform, raw_body: bytes, headers: Mapping[str, str], now: datetime
) -> None:
    """A shop platform's webhook: its signature on the raw bytes, then one send,
    with the topic and the platform's delivery id as message attributes."""
    request = WebhookRequest(raw_body, {k.lower(): v for k, v in headers.items()}, {}, now)
    platform.verify(request, settings().webhook_secrets.get(platform.name, ()))
    delivery = platform.delivery(request)
    enqueue_delivery(platform.name, raw_body, now, delivery.delivery_id, delivery.topic)


def is_platform_ping(
    source_name: str, raw_body: bytes | str | None, headers: Mapping[str, str]
) -> bool:
    """A platform checking that the URL answers (WooCommerce, when a webhook is
    saved): answered 200 before any content-type check, and nothing is kept."""
    platform = get_platform(source_name)
    if platform is None or not raw_body:
        return False
    raw = raw_body.encode("utf-8") if isinstance(raw_body, str) else raw_body
    return platform.is_ping(raw, {k.lower(): v for k, v in headers.items()})


# SQS carries at most 256 KiB per message, attributes included.
SQS_BODY_LIMIT = 250 * 1024


class DeliveryTooLarge(Exception):
    """Even compressed, the body does not fit in one SQS message (a poller asks
    again in smaller batches; a webhook body is at most 256 KiB to begin with)."""


def enqueue_delivery(
    source: str,
    raw_body: bytes,
    received_at: datetime,
    delivery_id: str | None = None,
    topic: str | None = None,
) -> None:
    """One SendMessage: the body as text when SQS can carry it, else base64; a body
    over the SQS limit (a carrier's answer about many shipments) gzip-compressed."""
    body, encoding = _sqs_safe_body(raw_body)
    if len(body.encode()) > SQS_BODY_LIMIT:
        import gzip

        body, encoding = base64.b64encode(gzip.compress(raw_body)).decode(), "gzip+base64"
        if len(body) > SQS_BODY_LIMIT:
            raise DeliveryTooLarge(f"{len(raw_body)} bytes do not fit in an SQS message")
    attributes: dict[str, Any] = {
        "source": {"DataType": "String", "StringValue": source},
        "encoding": {"DataType": "String", "StringValue": encoding},
        "received_at": {"DataType": "String", "StringValue": format_utc(received_at)},
    }
    if delivery_id:
        attributes["delivery_id"] = {"DataType": "String", "StringValue": delivery_id[:256]}
    if topic:
        attributes["topic"] = {"DataType": "String", "StringValue": topic[:256]}
    aws.sqs().send_message(
        QueueUrl=webhook_queue_url(), MessageBody=body, MessageAttributes=attributes
    )


def _sqs_safe_body(raw_body: bytes) -> tuple[str, str]:
    try:
        text = raw_body.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(raw_body).decode(), "base64"
    # SQS allows only #x9 #xA #xD and #x20 upwards; an empty body is not allowed.
    if text and all(ch in "\t\n\r" or ord(ch) >= 0x20 for ch in text):
        return text, "utf-8"
    return base64.b64encode(raw_body).decode(), "base64"


def decode_delivery_body(body: str, encoding: str | None) -> bytes:
    if encoding == "gzip+base64":
        import binascii
        import gzip
        import zlib

        try:
            return gzip.decompress(base64.b64decode(body))
        except (binascii.Error, OSError, EOFError, zlib.error) as error:
            raise UnprocessableDelivery("a compressed delivery that does not decompress") from error
    return base64.b64decode(body) if encoding == "base64" else body.encode("utf-8")


def webhook_queue_url() -> str:
    return settings().queue_url or queue_url_by_name(WEBHOOK_QUEUE_NAME)


def dead_letter_queue_url() -> str:
    return settings().dead_letter_queue_url or queue_url_by_name(DEAD_LETTER_QUEUE_NAME)


@cache
def queue_url_by_name(name: str) -> str:
    return aws.sqs().get_queue_url(QueueName=name)["QueueUrl"]
