"""Use case: the notifier. Outbox rows from the DynamoDB stream -> e-mail and SMS.

Exactly-once per (shipment, change, channel) is the notification log's job: a
conditional put claims the notification before anything is sent, so a stream
redelivery finds the claim and sends nothing. A throttled send is released
for the stream to retry; a send the provider refused is recorded as failed.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from chalicelib import store
from chalicelib.aws import error_code
from chalicelib.clock import utc_now
from chalicelib.config import settings
from chalicelib.domain.events import parse_utc
from chalicelib.domain.status import Locale, Status, parse_locale
from chalicelib.domain.timing import end_of_quiet_hours, in_quiet_hours
from chalicelib.dynamo_codec import decode_item
from chalicelib.notify.render import MessageContext

logger = logging.getLogger(__name__)

# Worth another try: the throttling codes botocore itself retries, and server trouble.
TRANSIENT_ERROR_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "Throttled",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "SlowDown",
        "LimitExceededException",
        "ServiceUnavailable",
        "InternalFailure",
        "InternalError",
        "RequestTimeout",
        # No connection was made, so nothing was sent. (A read timeout is not here:
        # the message may have gone out, and at most once wins.)
        "EndpointConnectionError",
        "ConnectTimeoutError",
    }
)


def is_transient(error: Exception) -> bool:
    if error_code(error) in TRANSIENT_ERROR_CODES:
        return True
    response = getattr(error, "response", None)
    status = (
        response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if isinstance(response, dict)
        else None
    )
    return isinstance(status, int) and (status == 429 or status >= 500)


# A rating request is a longer ask than SMS suits.
EMAIL_ONLY_KINDS = frozenset({"feedback_request"})


@dataclass(frozen=True)
class OutgoingMessage:
    """What was just sent, for observers such as the local stack's console."""

    channel: str
    recipient: str
    kind: str
    subject: str | None
    text: str
    tracking_url: str


SENT_OBSERVERS: list[Callable[[OutgoingMessage], None]] = []


class RetryLater(Exception):
    """A provider was busy: the stream should deliver this record again."""


def handle_stream_batch(event: dict[str, Any]) -> dict[str, Any]:
    """The notifier Lambda's body: customers first, then the shop's systems.

    Stops at the first failure and reports it: Lambda retries a stream from
    the lowest failed sequence number on, and everything here is idempotent."""
    from chalicelib.shop_events.publish import publish_shop_events

    now = utc_now()
    handled: list[tuple[str, dict[str, Any]]] = []
    failure: str | None = None
    for record in event.get("Records", []):
        sequence = record.get("dynamodb", {}).get("SequenceNumber", "")
        try:
            row = process_stream_record(record, now)
        except Exception:
            logger.exception("notifier failed on a stream record")
            failure = sequence
            break
        if row is not None:
            handled.append((sequence, row))
    try:
        publish_shop_events([row for _, row in handled], now)
    except Exception:
        logger.exception("publishing shop events failed; the stream will retry")
        failure = handled[0][0] if handled else failure
    return {"batchItemFailures": [{"itemIdentifier": failure}] if failure else []}


def process_stream_record(
    record: dict[str, Any], now: datetime | None = None
) -> dict[str, Any] | None:
    """Tell the customer about one outbox row; returns the row for the shop events."""
    if record.get("eventName") != "INSERT":
        return None
    image = record.get("dynamodb", {}).get("NewImage")
    if not image:
        return None
    row = decode_item(image)
    if row.get("record_type") != "outbox":
        return None
    from chalicelib.stats.updater import count_outbox_row  # the console's aggregates

    count_outbox_row(row, now or utc_now())
    deliver_outbox_row(row, now or utc_now())
    return row


def notification_id(row: dict[str, Any], channel: str) -> str:
    """Deterministic per (shipment, change, channel): the dedupe key."""
    identity = f"{row['carrier']}#{row['tracking_number']}#{row['change_id']}#{channel}"
    return "ntf_" + hashlib.sha256(identity.encode()).hexdigest()[:24]


def deliver_outbox_row(row: dict[str, Any], now: datetime) -> None:
    if not row.get("order_id") or not row.get("notify_customer"):
        return
    stored = store.load_order(row["order_id"])
    if stored is None:
        return
    document = stored.document
    customer = document.get("customer", {})
    preferences = document.get("notifications", {})
    context = _message_context(row, customer)
    channels = [
        ("email", customer.get("email"), preferences.get("email", True)),
        ("sms", customer.get("phone"), preferences.get("sms", False)),
    ]
    if row["kind"] in EMAIL_ONLY_KINDS:
        channels = channels[:1]
    for channel, address, enabled in channels:
        if address:
            _deliver(channel, address, bool(enabled), row, context, now)


def _message_context(row: dict[str, Any], customer: dict[str, Any]) -> MessageContext:
    config = settings()
    token = row.get("tracking_token") or ""
    locale: Locale = parse_locale(customer.get("locale")) or "tr"
    link = config.tracking_url(token)
    if row["kind"] == "feedback_request":
        link += "#rating"  # straight to the rating form on the page
    return MessageContext(
        kind=row["kind"],
        locale=locale,
        brand=config.brand_name,
        first_name=first_name(customer.get("name", "")),
        carrier=row["carrier"],
        tracking_number=row["tracking_number"],
        status=Status(row["status"]),
        tracking_url=link,
        unsubscribe_url=f"{config.tracking_url(token)}/unsubscribe",
        estimated_delivery=row.get("estimated_delivery"),
        delay_reason=row.get("delay_reason"),
        refund=f"{row['amount']} {row['currency']}" if row.get("amount") else None,
    )


def first_name(full_name: str) -> str:
    parts = full_name.strip().split()
    return parts[0] if parts else ""


def _deliver(
    channel: str,
    address: str,
    enabled: bool,
    row: dict[str, Any],
    context: MessageContext,
    now: datetime,
) -> None:
    entry = store.NotificationEntry(
        id=notification_id(row, channel),
        order_id=row["order_id"],
        channel=channel,
        kind=row["kind"],
        carrier=row["carrier"],
        tracking_number=row["tracking_number"],
        status="sending" if enabled else "skipped",
        created_at=parse_utc(row["created_at"]) if row.get("created_at") else now,
        detail=None if enabled else "turned off by the customer",
        occurred_at=parse_utc(row["occurred_at"]) if row.get("occurred_at") else None,
    )
    if enabled and channel == "sms" and in_quiet_hours(now, settings().zone):
        # No SMS at night where the shopper lives: the scan sends it at 09:00.
        held = replace(entry, status="held", detail="held for quiet hours")
        store.claim_notification(held, hold_until=end_of_quiet_hours(now, settings().zone),
                                 held_row=_held_row(row))  # fmt: skip
        return
    if not store.claim_notification(entry) or not enabled:
        return
    _send_claimed(entry, address, context)


def _held_row(row: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "kind", "status", "carrier", "tracking_number", "order_id", "tracking_token",
        "estimated_delivery", "delay_reason", "change_id", "created_at", "amount", "currency",
    )  # fmt: skip
    return {key: row[key] for key in keys if row.get(key) is not None}


def send_held_sms(item: dict[str, Any], now: datetime) -> bool:
    """The scan's half of quiet hours: send an SMS held overnight, once."""
    row = item.get("held_row") or {}
    if not store.take_held_notification(item["order_id"], item["id"]):
        return False  # another scan got it
    stored = store.load_order(item["order_id"])
    customer = stored.document.get("customer", {}) if stored else {}
    preferences = stored.document.get("notifications", {}) if stored else {}
    phone = customer.get("phone")
    if not phone or not preferences.get("sms", False):
        store.finish_notification(item["order_id"], item["id"], "skipped", "turned off overnight")
        return False
    entry = store.NotificationEntry(
        id=item["id"], order_id=item["order_id"], channel="sms", kind=row.get("kind", ""),
        carrier=row.get("carrier"), tracking_number=row.get("tracking_number"),
        status="sending", created_at=now,
    )  # fmt: skip
    _send_claimed(entry, phone, _message_context(row, customer))
    return True


def _send_claimed(entry: store.NotificationEntry, address: str, context: MessageContext) -> None:
    channel = entry.channel
    try:
        message = _send(channel, address, context)
    except Exception as error:
        code = error_code(error)
        if is_transient(error):
            store.release_notification(entry.order_id, entry.id)
            raise RetryLater(f"{channel} provider busy ({code})") from error
        store.finish_notification(entry.order_id, entry.id, "failed", code)
        logger.warning("notification failed", extra={"channel": channel, "error_code": code})
        return
    store.finish_notification(entry.order_id, entry.id, "sent", None)
    for observer in SENT_OBSERVERS:
        observer(message)


def _send(channel: str, address: str, context: MessageContext) -> OutgoingMessage:
    from chalicelib.notify.render import render_email, render_sms

    if channel == "email":
        from chalicelib.notify.email import build_email, send_email

        config = settings()
        email = render_email(context)
        raw = build_email(
            config.email_from,
            config.brand_name,
            address,
            email.subject,
            email.text,
            email.html,
            context.unsubscribe_url,
        )
        send_email(config.email_from, address, raw)
        return OutgoingMessage(
            channel, address, context.kind, email.subject, email.text, context.tracking_url
        )
    from chalicelib.notify.sms import send_sms

    text = render_sms(context)
    send_sms(address, text)
    return OutgoingMessage(channel, address, context.kind, None, text, context.tracking_url)
