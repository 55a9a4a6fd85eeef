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

from chalicelib.domain.shipment import MergeResult
from chalicelib.store.outbox import outbox_put
from chalicelib.store.shipments import ShipmentRecord, shipment_to_item
from chalicelib.store.table import guarded_put, transact


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
