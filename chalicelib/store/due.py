"""The sparse `by_due` index: what the scheduled scan must look at, shard by shard.

An item is in it while it carries `due_shard` and `due_at`: a registered open
shipment until its next check (see `shipments`), a held night-time SMS until
quiet hours end (see `notifications`). The index holds keys only (every state
write would otherwise pay for a full copy), so a page of keys is read back with
one consistent BatchGetItem; that read also skips entries the index still
shows after the item moved on.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain.events import format_utc
from chalicelib.dynamo_codec import decode_item
from chalicelib.store.schema import DUE_INDEX
from chalicelib.store.shipments import ShipmentRecord, shipment_from_item
from chalicelib.store.table import get_raw_items, query_pages


@dataclass(frozen=True)
class DueKey:
    pk: str
    sk: str
    due_at: str  # as indexed: UTC, ISO 8601

    @property
    def key(self) -> tuple[str, str]:
        return (self.pk, self.sk)


@dataclass(frozen=True)
class DueItem:
    """A due item as read back: still due at `now`, one of the kinds the scan knows."""

    record_type: str | None
    item: dict[str, Any]  # as stored

    def shipment(self) -> ShipmentRecord:
        return shipment_from_item(self.item)

    def values(self) -> dict[str, Any]:
        return decode_item(self.item)


def shard_name(shard: int) -> str:
    return f"DUE#{shard:02d}"


def due_pages(shard: int, now: datetime, page_size: int) -> Iterator[list[DueKey]]:
    """The keys of one shard due at `now`, earliest first, a page at a time."""
    for page in query_pages(
        IndexName=DUE_INDEX,
        KeyConditionExpression="due_shard = :shard AND due_at <= :now",
        ExpressionAttributeValues={
            ":shard": {"S": shard_name(shard)},
            ":now": {"S": format_utc(now)},
        },
        Limit=page_size,
    ):
        yield [DueKey(key["pk"]["S"], key["sk"]["S"], key["due_at"]["S"]) for key in page]


def load_due_items(keys: Sequence[DueKey], now: datetime) -> dict[tuple[str, str], DueItem]:
    """The items behind `keys` that are still due at `now` (read consistently);
    one that is gone or was rescheduled meanwhile is left out."""
    found: dict[tuple[str, str], DueItem] = {}
    for key, item in get_raw_items([due.key for due in keys]).items():
        if "due_at" not in item or item["due_at"]["S"] > format_utc(now):
            continue
        found[key] = DueItem(item.get("record_type", {}).get("S"), item)
    return found
