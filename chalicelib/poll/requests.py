"""The poll-request queue: "ask the carrier about this shipment now".

Registration sends one (a polled shipment is asked about within a minute of
being registered, not at its first slot, which may be two hours away), and so
does the merchant's refresh. An SQS message, no DynamoDB write; the poller's
`poll_requested` entry point consumes them. Losing one loses nothing: the
schedule asks about every open shipment anyway.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from chalicelib import aws
from chalicelib.config import poll_settings
from chalicelib.domain.events import format_utc

logger = logging.getLogger(__name__)

POLL_REQUEST_QUEUE_NAME = "kargo-poll-requests"
POLL_REQUEST_DLQ_NAME = "kargo-poll-requests-dlq"
SQS_BATCH = 10


def poll_request_queue_url() -> str:
    from chalicelib.ingress import queue_url_by_name

    return poll_settings().request_queue_url or queue_url_by_name(POLL_REQUEST_QUEUE_NAME)


def request_first_polls(keys: Iterable[tuple[str, str]], now: datetime) -> None:
    """Best effort after a registration: the order is stored whatever SQS says, and
    a request that could not be sent only means the shipment waits for its slot."""
    try:
        send_poll_requests(keys, "registered", now)
    except Exception:
        logger.warning("first poll not requested; the schedule will ask", exc_info=True)


def send_poll_requests(keys: Iterable[tuple[str, str]], reason: str, now: datetime) -> int:
    """One SendMessageBatch per 10 shipments of a polled carrier; how many were sent."""
    from chalicelib.carriers import POLLED_MODULES

    wanted = [key for key in dict.fromkeys(keys) if key[0] in POLLED_MODULES]
    for start in range(0, len(wanted), SQS_BATCH):
        entries: list[Any] = [
            {
                "Id": str(index),
                "MessageBody": json.dumps(
                    {
                        "carrier": carrier,
                        "tracking_number": tracking,
                        "reason": reason,
                        "requested_at": format_utc(now),
                    }
                ),
            }
            for index, (carrier, tracking) in enumerate(wanted[start : start + SQS_BATCH])
        ]
        response = aws.sqs().send_message_batch(QueueUrl=poll_request_queue_url(), Entries=entries)
        if response.get("Failed"):
            raise RuntimeError(f"{len(response['Failed'])} poll requests not queued")
    return len(wanted)


def read_poll_request(body: str) -> tuple[str, str] | None:
    """(carrier, tracking number), or None for a message that is no poll request."""
    try:
        raw = json.loads(body)
        carrier, tracking = raw["carrier"], raw["tracking_number"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(carrier, str) or not isinstance(tracking, str):
        return None
    return carrier, tracking
