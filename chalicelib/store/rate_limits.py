"""Rate-limit counters: one item per limit, client and fixed window, expiring by
itself (the table's TTL).

| item           | pk                           | sk              |
|----------------|------------------------------|-----------------|
| window counter | RATE#{limit}#{client digest} | {window start}  |

The client is stored only as a digest (chalicelib/web/ratelimit.py hashes it):
a counter must not keep anyone's address.
"""

from __future__ import annotations

from typing import Any

from chalicelib import aws
from chalicelib.store.table import item_key, table_name


def _key(limit: str, client_digest: str, window_start: int) -> dict[str, Any]:
    return item_key(f"RATE#{limit}#{client_digest}", str(window_start))


def counted(limit: str, client_digest: str, window_start: int) -> int:
    """The requests counted so far in the window (a consistent read)."""
    response = aws.dynamodb().get_item(
        TableName=table_name(), Key=_key(limit, client_digest, window_start), ConsistentRead=True
    )
    return int((response.get("Item") or {}).get("hits", {}).get("N", "0"))


def count_one(limit: str, client_digest: str, window_start: int, expires_at: int) -> int:
    """Count one request, atomically however many Lambdas count at once (`ADD`);
    the window's count, this one included."""
    response = aws.dynamodb().update_item(
        TableName=table_name(),
        Key=_key(limit, client_digest, window_start),
        UpdateExpression="ADD hits :one SET expires_at = :expires, record_type = :type",
        ExpressionAttributeValues={
            ":one": {"N": "1"},
            ":expires": {"N": str(expires_at)},
            ":type": {"S": "rate_limit"},
        },
        ReturnValues="UPDATED_NEW",
    )
    return int(response["Attributes"]["hits"]["N"])
