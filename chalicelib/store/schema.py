"""Kargo's one DynamoDB table, declared once.

`infra/` builds the CloudFormation table from these definitions and
`local/bootstrap.py` creates the moto table from them, so the local stack and AWS
cannot drift apart (tests/infra/test_schema.py compares the synthesized template
with this module). The shapes are boto3's `CreateTable` shapes.

Every index is sparse: only the items that carry its partition attribute appear.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

AttributeType = Literal["S", "N"]
Projection = Literal["KEYS_ONLY", "ALL"]


@dataclass(frozen=True)
class Index:
    name: str
    partition_key: str
    sort_key: str
    projection: Projection
    why: str


PARTITION_KEY = "pk"
SORT_KEY = "sk"
TTL_ATTRIBUTE = "expires_at"
# Outbox rows are inserts: the new image is all the notifier needs.
STREAM_VIEW_TYPE = "NEW_IMAGE"

DUE_INDEX = "by_due"
DELAY_INDEX = "by_delay"
POLL_INDEX = "by_poll"

INDEXES: tuple[Index, ...] = (
    Index(
        DUE_INDEX, "due_shard", "due_at", "KEYS_ONLY",
        "open shipments by shard and next check; the scan reads each due item itself, so "
        "state writes do not pay for a full copy",
    ),
    Index(
        DELAY_INDEX, "delay_list", "delay_since_key", "ALL",
        "late, open shipments (GET /shipments?delayed=true, the console's work list)",
    ),
    Index(
        POLL_INDEX, "poll_part", "poll_slot", "KEYS_ONLY",
        "open shipments of polled carriers by carrier, tier and shard, sorted by their "
        "slot in the polling cycle",
    ),
)  # fmt: skip

ATTRIBUTE_TYPES: dict[str, AttributeType] = {
    PARTITION_KEY: "S",
    SORT_KEY: "S",
    "due_shard": "S",
    "due_at": "S",
    "delay_list": "S",
    "delay_since_key": "S",
    "poll_part": "S",
    "poll_slot": "N",
}


def index(name: str) -> Index:
    return next(candidate for candidate in INDEXES if candidate.name == name)


def key_schema(partition_key: str, sort_key: str) -> list[dict[str, str]]:
    return [
        {"AttributeName": partition_key, "KeyType": "HASH"},
        {"AttributeName": sort_key, "KeyType": "RANGE"},
    ]


def attribute_definitions(*names: str) -> list[dict[str, str]]:
    return [{"AttributeName": name, "AttributeType": ATTRIBUTE_TYPES[name]} for name in names]


def index_definition(entry: Index) -> dict[str, object]:
    return {
        "IndexName": entry.name,
        "KeySchema": key_schema(entry.partition_key, entry.sort_key),
        "Projection": {"ProjectionType": entry.projection},
    }


def create_table_request(table_name: str) -> dict[str, object]:
    """The `CreateTable` request for the whole table (the TTL is a separate call)."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": attribute_definitions(*ATTRIBUTE_TYPES),
        "KeySchema": key_schema(PARTITION_KEY, SORT_KEY),
        "GlobalSecondaryIndexes": [index_definition(entry) for entry in INDEXES],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": STREAM_VIEW_TYPE},
    }
