"""Writes that land a shipment's new state together with its outbox rows, in one
transaction: the state guarded by the version that was read (a concurrent
writer makes the write raise `ConcurrentUpdate` instead of losing its update),
the rows conditional on being new.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from chalicelib.domain.shipment import Change, MergeResult
from chalicelib.dynamo_codec import encode_value
from chalicelib.store.outbox import outbox_put
from chalicelib.store.shipments import ShipmentRecord, shipment_to_item
from chalicelib.store.table import guarded_put, item_key, shipment_pk, table_name, transact


def save_merge(record: ShipmentRecord, result: MergeResult, now: datetime) -> None:
    """Write the merged state and one outbox row per change in one transaction.

    The state write is conditional on the version we read, so a concurrent
    writer makes this raise `ConcurrentUpdate` instead of losing its update.
    Changes are written only for registered shipments: nobody to tell otherwise.
    """
    save_merges([(record, result)], now)


def merge_writes(
    merges: Sequence[tuple[ShipmentRecord, MergeResult]], now: datetime
) -> list[dict[str, Any]]:
    """The transaction items of merges: each state guarded by the version read,
    and, for a registered shipment, one outbox row per change."""
    writes: list[dict[str, Any]] = []
    for record, result in merges:
        merged = replace(record, state=result.state)
        item = shipment_to_item(merged, record.version + 1, now)
        writes.append({"Put": guarded_put(item, record.version)})
        if record.registration:
            writes += [{"Put": outbox_put(merged, change, now)} for change in result.changes]
    return writes


def save_merges(merges: Sequence[tuple[ShipmentRecord, MergeResult]], now: datetime) -> None:
    """Several shipments' merges in one transaction: all land or none do."""
    writes = merge_writes(merges, now)
    if writes:
        transact(writes)


def save_rating(
    record: ShipmentRecord,
    feedback: dict[str, Any],
    change: Change,
    now: datetime,
    **outbox_extra: Any,
) -> None:
    """The rating on the shipment's STATE item and its outbox row (`change`, with
    `outbox_extra` riding along), in one transaction.

    The update is the "one rating per shipment" rule: conditional on there being
    no rating yet, and on the token the rating was given for (it stays on that
    registration). It bumps `version` too, so a consumer that read the item before
    fails its guarded put and merges again instead of writing back a copy without
    the rating. Raises `ConcurrentUpdate` when a condition failed."""
    assert record.registration is not None
    rate: dict[str, Any] = {
        "TableName": table_name(),
        "Key": item_key(shipment_pk(*record.key), "STATE"),
        "UpdateExpression": "SET feedback = :feedback, #version = #version + :one",
        "ConditionExpression": "#token = :token AND attribute_not_exists(feedback)",
        "ExpressionAttributeNames": {"#token": "token", "#version": "version"},
        "ExpressionAttributeValues": {
            ":feedback": encode_value(feedback),
            ":token": {"S": record.registration.token},
            ":one": {"N": "1"},
        },
    }
    transact([{"Update": rate}, {"Put": outbox_put(record, change, now, **outbox_extra)}])
