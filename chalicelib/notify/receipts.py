"""WhatsApp delivery and read receipts: Meta's status events, relayed by AWS End
User Messaging Social to the SNS topic of the WhatsApp Business Account, move the
notification log entry on.

An SNS record's `Message` is the AWS event: a header (`context`, `messageId`, ...)
and `whatsAppWebhookEntry`, Meta's webhook `entry` as a JSON string:
`{"id": <WABA>, "changes": [{"field": "messages", "value": {"statuses": [{"id":
<message id>, "status": "sent"|"delivered"|"read"|"failed", "timestamp",
"recipient_id", "biz_opaque_callback_data", "errors": [{"code", "title"}]}]}}]}`.
Inbound messages and other changes are ignored.

The rules (events come twice and out of order):
- the log entry only moves forward: sending < sent < delivered < read. Each move
  is one conditional update on the entry's current status, so a repeated or late
  event changes nothing;
- `failed` is taken only before `delivered` (a message the shopper has cannot
  un-arrive) and is terminal: a `delivered` or `read` after it changes nothing,
  because the fallback SMS has gone out by then and the log must say why;
- a `failed` (Meta's `errors[0]` code and title become the entry's reason) sends
  the fallback SMS, once (see `dispatch.fall_back_to_sms`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib import store

logger = logging.getLogger(__name__)

# The statuses an entry may come from to take a receipt's status.
MOVES_FROM: dict[str, tuple[str, ...]] = {
    "sent": ("sending",),
    "delivered": ("sending", "sent"),
    "read": ("sending", "sent", "delivered"),
    "failed": ("sending", "sent"),
}
RANK = {"sending": 0, "sent": 1, "delivered": 2, "read": 3}


@dataclass(frozen=True)
class Receipt:
    message_id: str
    status: str  # sent | delivered | read | failed
    reason: str | None = None  # failed: Meta's code and title
    reference: tuple[str, str] | None = None  # (order id, log entry id), when Meta echoed it


def move_entry(order_id: str, note_id: str, status: str, reason: str | None = None) -> bool:
    """Move a WhatsApp log entry to `status` if that is forward. False: not moved
    (already there or further, failed before, or no such entry)."""
    allowed = MOVES_FROM.get(status)
    if not allowed:
        return False
    return store.move_whatsapp_entry(order_id, note_id, status, allowed, reason)


def failure_reason(status: dict[str, Any]) -> str:
    errors = status.get("errors") or []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    code, title = first.get("code"), first.get("title") or first.get("message")
    return ": ".join(str(part) for part in (code, title) if part) or "whatsapp_failed"


def parse_statuses(entry: dict[str, Any]) -> list[Receipt]:
    """Meta's `statuses` in one webhook entry, as receipts (others ignored)."""
    from chalicelib.notify.whatsapp import parse_callback_data

    receipts: list[Receipt] = []
    for change in entry.get("changes") or []:
        value = change.get("value") if isinstance(change, dict) else None
        for status in (value or {}).get("statuses") or []:
            if not isinstance(status, dict) or status.get("status") not in MOVES_FROM:
                continue
            if not status.get("id"):
                continue
            receipts.append(
                Receipt(
                    message_id=str(status["id"]),
                    status=str(status["status"]),
                    reason=failure_reason(status) if status["status"] == "failed" else None,
                    reference=parse_callback_data(status.get("biz_opaque_callback_data")),
                )
            )
    return receipts


def receipts_in_sns_record(record: dict[str, Any]) -> list[Receipt]:
    """An SNS record -> the AWS event -> Meta's webhook entry -> receipts."""
    message = json.loads(record["Sns"]["Message"])
    entry = message.get("whatsAppWebhookEntry")
    if isinstance(entry, str):
        entry = json.loads(entry)
    return parse_statuses(entry) if isinstance(entry, dict) else []


def apply_receipt(receipt: Receipt, now: datetime) -> bool:
    """Record one receipt; a failure also sends the fallback SMS. False: nothing
    to do (a repeat, a late event, or a message Kargo did not send)."""
    reference = store.find_whatsapp_message(receipt.message_id) or receipt.reference
    if reference is None:
        # Another system on the same WhatsApp number, or older than the lookup.
        logger.info("receipt for a message Kargo does not know")
        return False
    order_id, note_id = reference
    if not move_entry(order_id, note_id, receipt.status, receipt.reason):
        return False
    if receipt.status == "failed":
        from chalicelib.notify.dispatch import fall_back_to_sms

        fall_back_to_sms(order_id, note_id, now)
    return True


def handle_receipts(event: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The receipts Lambda's body. A record that cannot be read is logged and
    skipped (it never will be readable); trouble with the table raises, so that
    Lambda retries the event and, after that, keeps it in the dead-letter queue.
    Every step is idempotent, so a retried event changes nothing twice."""
    applied = ignored = 0
    for record in event.get("Records", []):
        try:
            receipts = receipts_in_sns_record(record)
        except (KeyError, TypeError, ValueError):
            logger.warning("unreadable WhatsApp event skipped")
            ignored += 1
            continue
        for receipt in receipts:
            if apply_receipt(receipt, now):
                applied += 1
            else:
                ignored += 1
    return {"applied": applied, "ignored": ignored}
