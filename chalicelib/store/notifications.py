"""The order's notification log, and the claims that make a message go out once.

| item                  | pk                      | sk               |
|-----------------------|-------------------------|------------------|
| notification log      | ORDER#{order_id}        | NOTE#{note_id}   |
| shop event claim      | ORDER#{order_id}        | EVT#{event_id}   |
| WhatsApp message id   | WAMSG#{message_id}      | WAMSG            |

A log entry is written (claimed) before its message is sent, conditional on
being new, so a redelivered stream record sends nothing twice. A held SMS waits
in the due index (`due_shard`/`due_at`) until quiet hours end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib import aws
from chalicelib.domain.events import format_utc, parse_utc
from chalicelib.dynamo_codec import decode_item, encode_item
from chalicelib.store.outbox import OUTBOX_RETENTION
from chalicelib.store.table import due_shard, item_key, order_pk, query_all, table_name


@dataclass(frozen=True)
class NotificationEntry:
    id: str
    order_id: str
    channel: str
    kind: str
    carrier: str | None
    tracking_number: str | None
    status: str
    created_at: datetime
    reason: str | None = None  # why it was skipped, held or failed
    occurred_at: datetime | None = None  # of the change it tells about: orders the log
    delayed: bool = False  # the message also told of a delay

    def as_public(self) -> dict[str, Any]:
        view: dict[str, Any] = {
            "id": self.id,
            "channel": self.channel,
            "kind": self.kind,
            "carrier": self.carrier,
            "tracking_number": self.tracking_number,
            "status": self.status,
            "created_at": format_utc(self.created_at),
            "delayed": self.delayed,
        }
        if self.status in ("skipped", "held", "failed", "retrying"):
            view["reason"] = self.reason or "unknown"
        return view


def claim_notification(
    entry: NotificationEntry,
    *,
    allow_retrying: bool = True,
    hold_until: datetime | None = None,
    held_row: dict[str, Any] | None = None,
) -> bool:
    """Record a notification before sending it. False: it was claimed before
    (a redelivered stream record), so it must not be sent again. A claim
    released after a throttled send (`retrying`) may be taken again."""
    client = aws.dynamodb()
    item = encode_item(
        {
            "pk": order_pk(entry.order_id),
            "sk": f"NOTE#{entry.id}",
            "record_type": "notification",
            "id": entry.id,
            "order_id": entry.order_id,
            "channel": entry.channel,
            "kind": entry.kind,
            "carrier": entry.carrier,
            "tracking_number": entry.tracking_number,
            "status": entry.status,
            "created_at": format_utc(entry.created_at),
            "reason": entry.reason,
            "delayed": entry.delayed or None,
            "occurred_at": format_utc(entry.occurred_at) if entry.occurred_at else None,
            # A held SMS waits in the scan's due index until quiet hours end.
            "due_shard": due_shard(order_pk(entry.order_id)) if hold_until else None,
            "due_at": format_utc(hold_until) if hold_until else None,
            "held_row": held_row,
        }
    )
    condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
    if allow_retrying:
        condition = {
            "ConditionExpression": "attribute_not_exists(pk) OR #status = :retrying",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":retrying": {"S": "retrying"}},
        }
    try:
        client.put_item(TableName=table_name(), Item=item, **condition)
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def claim_event(order_id: str, event_id: str, now: datetime) -> bool:
    """Mark a shop event as published. False: it was published before."""
    client = aws.dynamodb()
    try:
        client.put_item(
            TableName=table_name(),
            Item=encode_item(
                {
                    "pk": order_pk(order_id),
                    "sk": f"EVT#{event_id}",
                    "record_type": "event_claim",
                    "created_at": format_utc(now),
                    "expires_at": int((now + OUTBOX_RETENTION).timestamp()),
                }
            ),
            ConditionExpression="attribute_not_exists(pk)",
        )
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def release_event(order_id: str, event_id: str) -> None:
    aws.dynamodb().delete_item(
        TableName=table_name(), Key=item_key(order_pk(order_id), f"EVT#{event_id}")
    )


def take_held_notification(order_id: str, note_id: str) -> bool:
    """Move a held SMS to sending, out of the due index. False: already taken."""
    client = aws.dynamodb()
    try:
        client.update_item(
            TableName=table_name(),
            Key=item_key(order_pk(order_id), f"NOTE#{note_id}"),
            UpdateExpression="SET #status = :sending REMOVE due_shard, due_at",
            ConditionExpression="#status = :held",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":sending": {"S": "sending"}, ":held": {"S": "held"}},
        )
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def settle_held_notification(order_id: str, note_id: str, status: str, reason: str) -> bool:
    """End a held message without sending it (superseded). False: already taken."""
    client = aws.dynamodb()
    try:
        client.update_item(
            TableName=table_name(),
            Key=item_key(order_pk(order_id), f"NOTE#{note_id}"),
            UpdateExpression="SET #status = :status, reason = :reason REMOVE due_shard, due_at",
            ConditionExpression="#status = :held",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":status": {"S": status},
                ":reason": {"S": reason},
                ":held": {"S": "held"},
            },
        )
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def held_notifications(order_id: str) -> list[dict[str, Any]]:
    """The order's log entries still held or being sent (quiet hours' candidates)."""
    return [
        raw
        for raw in query_all(order_pk(order_id), "NOTE#")
        if raw.get("status") in ("held", "sending", "sent") and raw.get("held_row")
    ]


def release_notification(order_id: str, note_id: str) -> None:
    """Nothing was sent (the provider was busy): let the next delivery claim it."""
    finish_notification(order_id, note_id, "retrying", None)


def finish_notification(order_id: str, note_id: str, status: str, reason: str | None) -> None:
    values: dict[str, Any] = {":status": {"S": status}}
    expression = "SET #status = :status"
    if reason:
        expression += ", reason = :reason"
        values[":reason"] = {"S": reason[:500]}
    aws.dynamodb().update_item(
        TableName=table_name(),
        Key=item_key(order_pk(order_id), f"NOTE#{note_id}"),
        UpdateExpression=expression,
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues=values,
    )


# A claim older than this whose send never reported back (the sender died
# mid-send) is shown as failed: nobody can tell whether it went out.
IN_FLIGHT_GRACE = timedelta(minutes=5)


def list_notifications(order_id: str, now: datetime) -> list[NotificationEntry]:
    """Oldest first. Sends still in flight are not notifications yet."""
    entries: list[NotificationEntry] = []
    for raw in query_all(order_pk(order_id), "NOTE#"):
        # An e-mail or SMS being sent, or released for the stream to retry, is in
        # flight: not listed until it settles, `failed` if it never does.
        in_flight = raw["status"] == "sending" or (
            raw["status"] == "retrying" and raw["channel"] in ("email", "sms", "whatsapp")
        )
        if in_flight:
            if now - parse_utc(raw["created_at"]) < IN_FLIGHT_GRACE:
                continue
            raw |= {"status": "failed", "reason": "outcome_unknown"}
        entries.append(
            NotificationEntry(
                id=raw["id"],
                order_id=order_id,
                channel=raw["channel"],
                kind=raw["kind"],
                carrier=raw.get("carrier"),
                tracking_number=raw.get("tracking_number"),
                status=raw["status"],
                created_at=parse_utc(raw["created_at"]),
                reason=raw.get("reason"),
                occurred_at=parse_utc(raw["occurred_at"]) if raw.get("occurred_at") else None,
                delayed=bool(raw.get("delayed")),
            )
        )
    return sorted(entries, key=_log_order)


_CHANNEL_ORDER = {"email": 0, "sms": 1, "whatsapp": 2, "webhook": 3, "merchant": 4}


def _log_order(entry: NotificationEntry) -> tuple[Any, ...]:
    """Oldest first; messages for one change in a fixed order: what changed
    before the delay it brought, e-mail before SMS before the shop's systems."""
    return (
        entry.created_at,
        entry.occurred_at or entry.created_at,
        entry.kind == "delayed",
        _CHANNEL_ORDER.get(entry.channel, 9),
        entry.id,
    )


# --- WhatsApp message ids ----------------------------------------------------------

# Meta's receipts name the message by its id; the lookup outlives their retries.
WHATSAPP_LOOKUP_RETENTION = timedelta(days=30)


def _whatsapp_lookup_key(message_id: str) -> dict[str, Any]:
    return item_key(f"WAMSG#{message_id}", "WAMSG")


def remember_whatsapp_message(order_id: str, note_id: str, message_id: str, now: datetime) -> None:
    """Meta's message id -> the log entry, for the receipts (kept for a month)."""
    aws.dynamodb().put_item(
        TableName=table_name(),
        Item=encode_item(
            {
                "pk": f"WAMSG#{message_id}",
                "sk": "WAMSG",
                "record_type": "whatsapp_message",
                "order_id": order_id,
                "note_id": note_id,
                "created_at": format_utc(now),
                "expires_at": int((now + WHATSAPP_LOOKUP_RETENTION).timestamp()),
            }
        ),
    )


def find_whatsapp_message(message_id: str) -> tuple[str, str] | None:
    """(order id, log entry id) of a message Kargo sent, if it is remembered."""
    item = (
        aws.dynamodb()
        .get_item(TableName=table_name(), Key=_whatsapp_lookup_key(message_id), ConsistentRead=True)
        .get("Item")
    )
    if not item:
        return None
    values = decode_item(item)
    return str(values["order_id"]), str(values["note_id"])


def move_whatsapp_entry(
    order_id: str, note_id: str, status: str, allowed: Sequence[str], reason: str | None = None
) -> bool:
    """Set a WhatsApp log entry's status if it is now one of `allowed`: one
    conditional update, so a repeated or late receipt changes nothing. False: not
    moved (in another status, not a WhatsApp entry, or no such entry)."""
    client = aws.dynamodb()
    names = {"#status": "status", "#channel": "channel"}
    values: dict[str, Any] = {":new": {"S": status}, ":whatsapp": {"S": "whatsapp"}}
    values |= {f":from{index}": {"S": value} for index, value in enumerate(allowed)}
    expression = "SET #status = :new"
    if reason:
        expression += ", reason = :reason"
        values[":reason"] = {"S": reason[:500]}
    try:
        client.update_item(
            TableName=table_name(),
            Key=item_key(order_pk(order_id), f"NOTE#{note_id}"),
            UpdateExpression=expression,
            ConditionExpression=(
                "attribute_exists(pk) AND #channel = :whatsapp AND #status IN ("
                + ", ".join(f":from{index}" for index in range(len(allowed)))
                + ")"
            ),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True
