"""Console sessions on the server: one item per session, until it expires (the
table's TTL) or is revoked at sign-out.

| item     | pk                          | sk       |
|----------|-----------------------------|----------|
| session  | SESSION#{sha256(session id)}| SESSION  |

Only a digest of the session id is stored: a copy of the table signs nobody in.
Marked revoked, not deleted: the item goes when it would have expired, and the
API's role needs no DeleteItem.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib import aws
from chalicelib.domain.events import format_utc
from chalicelib.store.table import item_key, table_name


@dataclass(frozen=True)
class StoredSession:
    issued_at: str  # as stored (UTC, ISO 8601)
    expires_at: int  # epoch seconds
    revoked: bool


def _key(session_id: str) -> dict[str, Any]:
    digest = hashlib.sha256(session_id.encode()).hexdigest()
    return item_key(f"SESSION#{digest}", "SESSION")


def create_session(session_id: str, now: datetime, expires_at: datetime) -> None:
    aws.dynamodb().put_item(
        TableName=table_name(),
        Item={
            **_key(session_id),
            "record_type": {"S": "console_session"},
            "issued_at": {"S": format_utc(now)},
            "expires_at": {"N": str(int(expires_at.timestamp()))},
        },
        ConditionExpression="attribute_not_exists(pk)",
    )


def load_session(session_id: str) -> StoredSession | None:
    response = aws.dynamodb().get_item(
        TableName=table_name(), Key=_key(session_id), ConsistentRead=True
    )
    item = response.get("Item")
    if not item:
        return None
    return StoredSession(
        issued_at=item["issued_at"]["S"],
        expires_at=int(item["expires_at"]["N"]),
        revoked=bool(item.get("revoked", {}).get("BOOL")),
    )


def revoke_session(session_id: str) -> None:
    """Mark the session revoked; nothing when there is none (signed out before,
    or expired and gone)."""
    client = aws.dynamodb()
    try:
        client.update_item(
            TableName=table_name(),
            Key=_key(session_id),
            UpdateExpression="SET revoked = :yes",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":yes": {"BOOL": True}},
        )
    except client.exceptions.ConditionalCheckFailedException:
        return
