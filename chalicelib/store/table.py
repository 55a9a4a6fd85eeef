"""What every item kind shares: the table's name, the keys, and the calls that
guard a write on what was read (`ConcurrentUpdate`), read many keys at once, or
page through one partition.

Every write that depends on what was read is conditional (on `version`, or on the
item's absence), never read-then-write without one; a lost condition surfaces as
`ConcurrentUpdate`, for the caller to read again (see `chalicelib.retry`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

from chalicelib import aws
from chalicelib.config import settings
from chalicelib.dynamo_codec import Item, decode_item

# The due index is sharded so that 10 million open shipments do not share one
# GSI partition; the scan queries every shard.
DUE_SHARDS = 16
# Unprocessed keys (throttling) are asked for again, after a jittered backoff.
BATCH_GET_ROUNDS = 8
BATCH_GET_KEYS = 100  # DynamoDB's limit per BatchGetItem


class ConcurrentUpdate(Exception):
    """Someone else wrote the item between our read and our write: read again."""


def prepare_client() -> None:
    """Create the cached client now, before threads share it: creating a boto3
    client is not thread-safe, using one is."""
    aws.dynamodb()


def table_name() -> str:
    return settings().table_name


def item_key(pk: str, sk: str) -> Item:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def shipment_pk(carrier: str, tracking_number: str) -> str:
    return f"SHIP#{carrier}#{tracking_number}"


def order_pk(order_id: str) -> str:
    return f"ORDER#{order_id}"


def due_shard(pk: str) -> str:
    digest = hashlib.sha256(pk.encode()).digest()
    return f"DUE#{digest[0] % DUE_SHARDS:02d}"


def guarded_put(item: Item, read_version: int) -> dict[str, Any]:
    """A Put that lands only on the version that was read (0: not stored yet)."""
    put: dict[str, Any] = {"TableName": table_name(), "Item": item}
    if read_version == 0:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        put["ConditionExpression"] = "#version = :read_version"
        put["ExpressionAttributeNames"] = {"#version": "version"}
        put["ExpressionAttributeValues"] = {":read_version": {"N": str(read_version)}}
    return put


def transact(writes: list[dict[str, Any]]) -> None:
    """All the writes or none; a single Put or Update goes as itself (cheaper).
    Raises `ConcurrentUpdate` when a condition failed."""
    client = aws.dynamodb()
    try:
        if len(writes) == 1 and "Put" in writes[0]:
            client.put_item(**writes[0]["Put"])
        elif len(writes) == 1 and "Update" in writes[0]:
            client.update_item(**writes[0]["Update"])
        else:
            client.transact_write_items(TransactItems=writes)  # type: ignore[arg-type]
    except client.exceptions.ConditionalCheckFailedException as error:
        raise ConcurrentUpdate() from error
    except client.exceptions.TransactionCanceledException as error:
        reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
        if "ConditionalCheckFailed" in reasons:
            raise ConcurrentUpdate() from error
        raise


def _back_off(round_number: int) -> None:
    from chalicelib.retry import wait_before_retry

    wait_before_retry(round_number)


def batch_get(keys: Sequence[Item]) -> Iterator[dict[str, Any]]:
    """The items stored under `keys`, read consistently, 100 keys per BatchGetItem;
    absent items are left out. Unprocessed keys (throttling) are asked for again
    after a jittered backoff, as AWS asks, a bounded number of rounds."""
    table = table_name()
    for start in range(0, len(keys), BATCH_GET_KEYS):
        pending: dict[str, Any] = {
            table: {"Keys": list(keys[start : start + BATCH_GET_KEYS]), "ConsistentRead": True}
        }
        for round_number in range(BATCH_GET_ROUNDS):
            response = aws.dynamodb().batch_get_item(RequestItems=pending)
            yield from response.get("Responses", {}).get(table, [])
            pending = dict(response.get("UnprocessedKeys") or {})
            if not pending:
                break
            _back_off(round_number)
        else:
            raise RuntimeError("BatchGetItem kept returning unprocessed keys")


def query_pages(**kwargs: Any) -> Iterator[list[dict[str, Any]]]:
    """A Query (TableName added), page by page; an empty page is skipped."""
    kwargs = {"TableName": table_name(), **kwargs}
    while True:
        response = aws.dynamodb().query(**kwargs)
        items = response.get("Items", [])
        if items:
            yield list(items)
        if "LastEvaluatedKey" not in response:
            return
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def query_all(pk: str, sk_prefix: str) -> Iterator[dict[str, Any]]:
    """Every item of partition `pk` whose sort key starts with `sk_prefix`, decoded."""
    for page in query_pages(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": {"S": pk}, ":prefix": {"S": sk_prefix}},
    ):
        for item in page:
            yield decode_item(item)


def get_raw_item(pk: str, sk: str) -> dict[str, Any] | None:
    response = aws.dynamodb().get_item(
        TableName=table_name(), Key=item_key(pk, sk), ConsistentRead=True
    )
    item = response.get("Item")
    return dict(item) if item else None


def get_raw_items(keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Many items by (pk, sk), read consistently, 100 per BatchGetItem: the scan's
    keys-only index page costs one read call instead of one per item."""
    unique = list(dict.fromkeys(keys))
    return {
        (item["pk"]["S"], item["sk"]["S"]): dict(item)
        for item in batch_get([item_key(pk, sk) for pk, sk in unique])
    }
