"""Use case: the notifier. Outbox rows from the DynamoDB stream -> e-mail, SMS
and WhatsApp.

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

from chalicelib import observability, store
from chalicelib.aws import error_code
from chalicelib.clock import utc_now
from chalicelib.config import settings
from chalicelib.domain.events import parse_utc
from chalicelib.domain.status import Locale, Status, parse_locale
from chalicelib.domain.timing import end_of_quiet_hours, in_quiet_hours
from chalicelib.dynamo_codec import decode_item
from chalicelib.notify.render import MerchantAlert, MessageContext, ShipmentLink

logger = logging.getLogger(__name__)


# Worth another try: the throttling codes botocore itself retries, and server trouble.
def is_transient(error: Exception) -> bool:
    """Throttled or a passing fault, by botocore's own retry classification; a read
    timeout is not (the message may have gone out, and at most once wins)."""
    from chalicelib.retry import is_transient_aws_error

    return is_transient_aws_error(error)


# A rating request or a thank-you is a longer ask than SMS suits.
EMAIL_ONLY_KINDS = frozenset({"feedback_request", "thank_you"})
# Commercial electronic messages (İYS, Law 6563): only with the customer's consent.
COMMERCIAL_KINDS = frozenset({"feedback_request", "thank_you"})
# Kinds whose message must not show a shipment status.
STATUSLESS_KINDS = frozenset(
    {
        "refunded",
        "order_confirmed",
        "thank_you",
        "cancellation_declined",
        "return_approved",
        "return_declined",
    }
)
# The shopper's self-service: what alerts the shop, and the shop's answers that
# carry a reason for the shopper.
REQUEST_ALERT_KINDS = frozenset({"cancellation_request", "return_request", "issue"})
DECISION_KINDS = frozenset({"cancellation_declined", "return_approved", "return_declined"})
COMPLAINT_SCORES = frozenset({1, 2})


@dataclass(frozen=True)
class OutgoingMessage:
    """What was just sent, for observers such as the local stack's console."""

    channel: str
    recipient: str
    kind: str
    subject: str | None
    text: str
    tracking_url: str
    provider_id: str | None = None  # WhatsApp: Meta's message id, for the receipts


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
    """Deterministic per (shipment or order, change, channel): the dedupe key."""
    subject = (
        f"order#{row['order_id']}"
        if row.get("order_wide")
        else f"{row['carrier']}#{row['tracking_number']}"
    )
    identity = f"{subject}#{row['change_id']}#{channel}"
    return "ntf_" + hashlib.sha256(identity.encode()).hexdigest()[:24]


# Why a notification was not sent (the `reason` of skipped and held entries).
OPTED_OUT = "opted_out"
NO_COMMERCIAL_CONSENT = "no_commercial_consent"
QUIET_HOURS = "quiet_hours"
SUPERSEDED = "superseded"

# Channels whose messages wait for the end of quiet hours; e-mail never waits.
HELD_AT_NIGHT = frozenset({"sms", "whatsapp"})
# A change that goes out on WhatsApp does not also go by SMS: the SMS is its
# fallback, sent once if WhatsApp fails for good (False: both, always).
SMS_WAITS_FOR_WHATSAPP = True
VIA_WHATSAPP = "via_whatsapp"  # the reason of an SMS not sent because WhatsApp carried it


def deliver_outbox_row(row: dict[str, Any], now: datetime) -> None:
    if not row.get("order_id"):
        return
    if row["kind"] == "feedback" and int(row.get("score") or 0) in COMPLAINT_SCORES:
        alert_shop_of_complaint(row, now)
        return
    if row["kind"] in REQUEST_ALERT_KINDS:
        alert_shop_of_request(row, now)
        return
    if not row.get("notify_customer"):
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
    if settings().whatsapp_phone_number_id:  # not configured: not a channel at all
        channels.append(("whatsapp", customer.get("phone"), preferences.get("whatsapp", False)))
    if row["kind"] in EMAIL_ONLY_KINDS:
        channels = channels[:1]
    # İYS (Law 6563): commercial messages only with the customer's consent.
    refused = None
    if row["kind"] in COMMERCIAL_KINDS and not customer.get("commercial_consent"):
        refused = NO_COMMERCIAL_CONSENT
    by_whatsapp = (
        SMS_WAITS_FOR_WHATSAPP
        and refused is None
        and any(
            channel == "whatsapp" and address and enabled for channel, address, enabled in channels
        )
    )
    for channel, address, enabled in channels:
        if address:
            reason = refused or (None if enabled else OPTED_OUT)
            if channel == "sms" and reason is None and by_whatsapp:
                reason = VIA_WHATSAPP
            _deliver(channel, address, reason, row, context, now)


def _message_context(row: dict[str, Any], customer: dict[str, Any]) -> MessageContext:
    config = settings()
    token = row.get("tracking_token") or ""
    locale: Locale = parse_locale(customer.get("locale")) or "tr"
    link = config.tracking_url(token)
    kind = row["kind"]
    if kind == "feedback_request":
        link += "#rating"  # straight to the rating form on the page
    shipments = tuple(
        ShipmentLink(entry["carrier"], entry["tracking_number"],
                     config.tracking_url(entry.get("tracking_token") or ""))
        for entry in row.get("shipments") or ()
    )  # fmt: skip
    return MessageContext(
        kind=kind,
        locale=locale,
        brand=config.brand_name,
        first_name=first_name(customer.get("name", "")),
        carrier=row.get("carrier") or "",
        tracking_number=row.get("tracking_number") or "",
        status=None if kind in STATUSLESS_KINDS else Status(row["status"]),
        tracking_url=link,
        unsubscribe_url=f"{config.tracking_url(token)}/unsubscribe",
        estimated_delivery=row.get("estimated_delivery"),
        delayed=bool(row.get("with_delay")),
        delay_reason=row.get("delay_reason"),
        refund_amount=row.get("amount"),
        refund_currency=row.get("currency"),
        coupon=config.thank_you_coupon if kind == "thank_you" else None,
        review_url=config.review_url if kind == "thank_you" else None,
        shipments=shipments,
        reason=row.get("reason") if kind in DECISION_KINDS else None,
    )


def first_name(full_name: str) -> str:
    parts = full_name.strip().split()
    return parts[0] if parts else ""


def _log_entry(
    row: dict[str, Any], channel: str, status: str, reason: str | None, now: datetime
) -> store.NotificationEntry:
    return store.NotificationEntry(
        id=notification_id(row, channel),
        order_id=row["order_id"],
        channel=channel,
        kind=row["kind"],
        carrier=row.get("carrier"),
        tracking_number=row.get("tracking_number"),
        status=status,
        created_at=parse_utc(row["created_at"]) if row.get("created_at") else now,
        reason=reason,
        occurred_at=parse_utc(row["occurred_at"]) if row.get("occurred_at") else None,
        delayed=bool(row.get("with_delay")) or row["kind"] == "delayed",
    )


def _deliver(
    channel: str,
    address: str,
    skip_reason: str | None,
    row: dict[str, Any],
    context: MessageContext,
    now: datetime,
    entry_id: str | None = None,
) -> None:
    if skip_reason is not None:
        store.claim_notification(_log_entry(row, channel, "skipped", skip_reason, now))
        return
    entry = _log_entry(row, channel, "sending", None, now)
    if entry_id:
        entry = replace(entry, id=entry_id)
    if channel in HELD_AT_NIGHT and in_quiet_hours(now, settings().zone):
        # Not at night where the shopper lives: the scan sends it at 09:00, unless
        # a newer message about the same shipment supersedes it by then.
        held = replace(entry, status="held", reason=QUIET_HOURS)
        store.claim_notification(held, hold_until=end_of_quiet_hours(now, settings().zone),
                                 held_row=_held_row(row))  # fmt: skip
        return
    # A WhatsApp entry keeps its row: a failure reported later sends the SMS from it.
    kept = _held_row(row) if channel == "whatsapp" else None
    if not store.claim_notification(entry, held_row=kept):
        return
    _send_claimed(entry, address, context)


def _held_row(row: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "kind", "status", "carrier", "tracking_number", "order_id", "tracking_token",
        "estimated_delivery", "delay_reason", "change_id", "created_at", "amount", "currency",
        "occurred_at", "with_delay", "order_wide", "shipments",
    )  # fmt: skip
    return {key: row[key] for key in keys if row.get(key) is not None}


def send_held_sms(item: dict[str, Any], now: datetime) -> bool:
    """The scan's half of quiet hours: send a message held overnight (SMS or
    WhatsApp, on its own channel), once, unless a newer one about the same shipment
    was held on that channel too (then this one is superseded)."""
    row = item.get("held_row") or {}
    if _superseded(item):
        store.settle_held_notification(item["order_id"], item["id"], "skipped", SUPERSEDED)
        return False
    if not store.take_held_notification(item["order_id"], item["id"]):
        return False  # another scan got it
    stored = store.load_order(item["order_id"])
    customer = stored.document.get("customer", {}) if stored else {}
    preferences = stored.document.get("notifications", {}) if stored else {}
    phone = customer.get("phone")
    if not phone or not preferences.get(item.get("channel") or "sms", False):
        store.finish_notification(item["order_id"], item["id"], "skipped", OPTED_OUT)
        return False
    entry = store.NotificationEntry(
        id=item["id"], order_id=item["order_id"], channel=item.get("channel") or "sms",
        kind=row.get("kind", ""), carrier=row.get("carrier"),
        tracking_number=row.get("tracking_number"), status="sending", created_at=now,
    )  # fmt: skip
    _send_claimed(entry, phone, _message_context(row, customer))
    return True


def fall_back_to_sms(order_id: str, note_id: str, now: datetime) -> bool:
    """WhatsApp failed for good: tell the shopper by SMS instead, once, when the
    order allows SMS (claimed under its own id, held at night like any SMS)."""
    item = store.get_raw_item(store.order_pk(order_id), f"NOTE#{note_id}")
    row = decode_item(item).get("held_row") if item else None
    stored = store.load_order(order_id)
    if not row or stored is None:
        return False
    customer = stored.document.get("customer", {})
    phone = customer.get("phone")
    if not phone or not stored.document.get("notifications", {}).get("sms", False):
        return False
    row = {**row, "order_id": order_id}
    # The claim makes it once: a repeated failure finds it taken and sends nothing.
    context = _message_context(row, customer)
    _deliver("sms", phone, None, row, context, now, entry_id=notification_id(row, "sms_fallback"))
    return True


def _superseded(item: dict[str, Any]) -> bool:
    """A newer message on the same channel about the same shipment (or order) is
    held or on its way: the shopper needs only the newest."""
    mine = item.get("held_row") or {}

    def subject(values: dict[str, Any]) -> tuple[Any, ...]:
        if values.get("order_wide"):
            return ("order",)
        return (values.get("carrier"), values.get("tracking_number"))

    def moment(values: dict[str, Any], entry_id: str) -> tuple[str, str]:
        return (values.get("occurred_at") or values.get("created_at") or "", entry_id)

    for other in store.held_notifications(item["order_id"]):
        if other["id"] == item["id"] or other.get("channel") != item.get("channel"):
            continue
        theirs = other.get("held_row") or {}
        if subject(theirs) == subject(mine) and moment(theirs, other["id"]) > moment(
            mine, item["id"]
        ):
            return True
    return False


def alert_shop_of_complaint(row: dict[str, Any], now: datetime) -> None:
    """A score of 1 or 2 alerts the shop (channel `merchant`, kind `complaint`),
    through the outbox like every other message: claimed once, retried, logged."""
    config = settings()
    complaint_row = {**row, "kind": "complaint", "change_id": "complaint"}
    entry = replace(_log_entry(complaint_row, "merchant", "sending", None, now), created_at=now)
    if not store.claim_notification(entry):
        return
    from chalicelib.notify.render import render_merchant_alert

    alert = MerchantAlert(
        kind="complaint",
        brand=config.brand_name,
        order_id=row["order_id"],
        carrier=row["carrier"],
        tracking_number=row["tracking_number"],
        tracking_url=config.tracking_url(row.get("tracking_token") or ""),
        score=int(row["score"]),
        comment=row.get("comment"),
    )

    def send() -> OutgoingMessage:
        from chalicelib.notify.email import build_email, send_email

        email = render_merchant_alert(alert)
        raw = build_email(config.email_from, config.brand_name, config.support_email,
                          email.subject, email.text, email.html, None)  # fmt: skip
        send_email(config.email_from, config.support_email, raw)
        return OutgoingMessage("merchant", config.support_email, "complaint", email.subject,
                               email.text, alert.tracking_url)  # fmt: skip

    _settle(entry, send)


def alert_shop_of_request(row: dict[str, Any], now: datetime) -> None:
    """A shopper's cancellation request, return request or problem report alerts the
    shop (channel `merchant`), claimed once in the order's log like every message."""
    config = settings()
    kind = row["kind"]
    entry = _log_entry(row, "merchant", "sending", None, now)
    if not store.claim_notification(entry):
        return
    from chalicelib.notify.render import render_merchant_alert

    facts = tuple(
        (caption, str(row[field]))
        for caption, field in (
            ("request_id", "request_id"),
            ("return_reason", "reason"),
            ("resolution", "resolution"),
            ("issue_kind", "issue_kind"),
        )
        if row.get(field)
    )
    alert = MerchantAlert(
        kind=kind,
        brand=config.brand_name,
        order_id=row["order_id"],
        carrier=row.get("carrier") or "",
        tracking_number=row.get("tracking_number") or "",
        tracking_url=config.tracking_url(row.get("tracking_token") or ""),
        comment=row.get("comment") if kind != "cancellation_request" else None,
        facts=facts,
    )

    def send() -> OutgoingMessage:
        from chalicelib.notify.email import build_email, send_email

        email = render_merchant_alert(alert)
        raw = build_email(config.email_from, config.brand_name, config.support_email,
                          email.subject, email.text, email.html, None)  # fmt: skip
        send_email(config.email_from, config.support_email, raw)
        return OutgoingMessage("merchant", config.support_email, kind, email.subject,
                               email.text, alert.tracking_url)  # fmt: skip

    _settle(entry, send)


def _send_claimed(entry: store.NotificationEntry, address: str, context: MessageContext) -> None:
    if entry.channel == "whatsapp":
        _settle(entry, lambda: _send_whatsapp(entry, address, context))
        return
    _settle(entry, lambda: _send(entry.channel, address, context))


def _settle(entry: store.NotificationEntry, send: Callable[[], OutgoingMessage]) -> None:
    """Send a claimed notification and record what became of it."""
    channel = entry.channel
    try:
        message = send()
    except Exception as error:
        code = error_code(error)
        if is_transient(error):
            store.release_notification(entry.order_id, entry.id)
            observability.count("Notifications", channel=channel, fate="retrying")
            raise RetryLater(f"{channel} provider busy ({code})") from error
        store.finish_notification(entry.order_id, entry.id, "failed", code)
        observability.logger().warning(
            "notification failed", channel=channel, kind=entry.kind, error_code=code
        )
        observability.count("Notifications", channel=channel, fate="failed")
        if channel == "whatsapp":  # refused at once (a bad template, number or setup)
            fall_back_to_sms(entry.order_id, entry.id, utc_now())
        return
    if channel == "whatsapp":
        from chalicelib.notify.receipts import move_entry

        if message.provider_id:
            store.remember_whatsapp_message(
                entry.order_id, entry.id, message.provider_id, utc_now()
            )
        move_entry(entry.order_id, entry.id, "sent")  # a receipt may have moved it on
    else:
        store.finish_notification(entry.order_id, entry.id, "sent", None)
    observability.count("Notifications", channel=channel, fate="sent")
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


def _send_whatsapp(
    entry: store.NotificationEntry, address: str, context: MessageContext
) -> OutgoingMessage:
    from chalicelib.notify import whatsapp

    config = settings()
    assert config.whatsapp_phone_number_id  # the channel is used only when set
    template = whatsapp.template_message(context, config.whatsapp_templates)
    message = whatsapp.meta_message(
        address, template, whatsapp.callback_data(entry.order_id, entry.id)
    )
    message_id = whatsapp.send_whatsapp(
        config.whatsapp_phone_number_id, config.whatsapp_meta_api_version, message
    )
    text = f"[{template.name} · {template.language}] " + " | ".join(template.parameters)
    return OutgoingMessage("whatsapp", address, context.kind, None, text,
                           context.tracking_url, message_id or None)  # fmt: skip
