"""The poller's items: one small state item per carrier, and the reads of the
sparse `by_poll` index.

| item                | pk               | sk     |
|---------------------|------------------|--------|
| a carrier's state   | POLLER#{slug}    | STATE  |

The state exists only while the carrier is failing (written when it fails,
deleted when it recovers); absent means all is well. It holds when to try again
and the earliest due moment it still owes (`missed_from`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from chalicelib import aws
from chalicelib.domain.events import format_utc, parse_utc
from chalicelib.dynamo_codec import decode_item, encode_item
from chalicelib.poll.schedule import shipment_key_from_pk
from chalicelib.store.schema import POLL_INDEX
from chalicelib.store.table import batch_get, item_key, query_pages, table_name

STATE_SK = "STATE"


@dataclass(frozen=True)
class CarrierState:
    failures: int = 0
    retry_at: datetime | None = None
    missed_from: int | None = None  # epoch seconds: the earliest due moment still owed

    @property
    def is_clear(self) -> bool:
        return self == CarrierState()


def carrier_state_pk(slug: str) -> str:
    return f"POLLER#{slug}"


def load_carrier_states(slugs: Sequence[str]) -> dict[str, CarrierState]:
    """One BatchGetItem for every carrier of the run; absent means all is well."""
    if not slugs:
        return {}
    states: dict[str, CarrierState] = {}
    for item in batch_get([item_key(carrier_state_pk(slug), STATE_SK) for slug in slugs]):
        raw = decode_item(item)
        states[raw["carrier"]] = CarrierState(
            failures=int(raw.get("failures", 0)),
            retry_at=parse_utc(raw["retry_at"]) if raw.get("retry_at") else None,
            missed_from=int(raw["missed_from"]) if raw.get("missed_from") else None,
        )
    return states


def save_carrier_state(slug: str, state: CarrierState, now: datetime) -> None:
    """Store the carrier's state; a clear state deletes the item."""
    if state.is_clear:
        aws.dynamodb().delete_item(
            TableName=table_name(), Key=item_key(carrier_state_pk(slug), STATE_SK)
        )
        return
    item = encode_item(
        {
            "pk": carrier_state_pk(slug),
            "sk": STATE_SK,
            "record_type": "poller_state",
            "carrier": slug,
            "failures": state.failures,
            "retry_at": format_utc(state.retry_at) if state.retry_at else None,
            "missed_from": state.missed_from,
            "updated_at": format_utc(now),
        }
    )
    aws.dynamodb().put_item(TableName=table_name(), Item=item)


@dataclass(frozen=True)
class PolledSlot:
    carrier: str
    tracking_number: str
    slot: int


def query_slots(partition: str, low: int, high: int) -> Iterator[PolledSlot]:
    """The shipments of one `by_poll` partition whose slot is in [low, high]."""
    for page in query_pages(
        IndexName=POLL_INDEX,
        KeyConditionExpression="poll_part = :part AND poll_slot BETWEEN :low AND :high",
        ExpressionAttributeValues={
            ":part": {"S": partition},
            ":low": {"N": str(low)},
            ":high": {"N": str(high)},
        },
    ):
        for item in page:
            carrier, tracking = shipment_key_from_pk(item["pk"]["S"])
            yield PolledSlot(carrier, tracking, int(item["poll_slot"]["N"]))
