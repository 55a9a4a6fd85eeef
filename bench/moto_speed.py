"""Keep moto fast enough for runs of thousands of calls, without changing what it does.

moto 5.2 deep-copies the whole table (once per item of the transaction) before
every TransactWriteItems, to put it back if a condition fails. That makes each
transaction cost more than the last as the table and its stream grow, which
real DynamoDB does not do, and it would dominate any measurement.

`cheap_transactions()` keeps the rollback exact with a smaller snapshot: the
table's item containers are copied (so puts and deletes are undone), the items
an `Update` of this transaction changes in place are deep-copied, and the
stream's records, which are never changed once written, are shared.

It also fixes a quadratic in moto's SQS: ReceiveMessage checks each message's
retention by computing *all* queue attributes, approximate counts included
(each a pass over the queue); the check needs only the retention period.
"""

from __future__ import annotations

import contextvars
import copy
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.core.utils import unix_time
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.sqs.models import Message, SQSBackend

# (table name, key) of each item an Update in the running transaction changes in place.
_UPDATED: contextvars.ContextVar[tuple[tuple[str, dict[str, Any]], ...]] = contextvars.ContextVar(
    "kargo_bench_updated", default=()
)


def snapshot(table: Table) -> Table:
    """A copy of `table` that a failed transaction can be rolled back to."""
    clone = copy.copy(table)
    if table.has_range_key:
        clone.items = defaultdict(dict, {h: dict(r) for h, r in table.items.items()})
    else:
        clone.items = defaultdict(dict, table.items)
    for name, key in _UPDATED.get():
        if name != table.name:
            continue
        hash_key = DynamoType(key[table.hash_key_attr])
        range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        item = table.get_item(hash_key, range_key)
        if item is None:
            continue
        if range_key is not None:
            clone.items[hash_key][range_key] = copy.deepcopy(item)
        else:
            clone.items[hash_key] = copy.deepcopy(item)  # type: ignore[arg-type]
    if table.stream_shard is not None:
        shard = copy.copy(table.stream_shard)
        shard.items = list(table.stream_shard.items)
        shard.table = clone
        clone.stream_shard = shard
    return clone


class SnapshotCopy:
    """Stands in for the `copy` module inside `moto.dynamodb.models`."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        if isinstance(value, Table):
            return snapshot(value)
        return copy.deepcopy(value, memo)


@contextmanager
def cheap_transactions() -> Iterator[None]:
    """Within: copy-on-write transaction snapshots, linear SQS receives (module doc)."""
    import moto.dynamodb.models as models

    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        updated = tuple(
            (entry["Update"]["TableName"], entry["Update"]["Key"])
            for entry in transact_items
            if "Update" in entry
        )
        token = _UPDATED.set(updated)
        try:
            original(self, transact_items)
        finally:
            _UPDATED.reset(token)

    original_retention = SQSBackend.is_message_valid_based_on_retention_period

    def is_message_valid_based_on_retention_period(
        self: SQSBackend, queue_name: str, message: Message
    ) -> bool:
        period = int(vars(self.get_queue(queue_name))["message_retention_period"])
        return bool(period + message.sent_timestamp / 1000 > unix_time())  # type: ignore[operator]

    SQSBackend.is_message_valid_based_on_retention_period = (  # type: ignore[method-assign]
        is_message_valid_based_on_retention_period
    )
    before = models.copy  # type: ignore[attr-defined]
    models.copy = SnapshotCopy()  # type: ignore[attr-defined,assignment]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    try:
        yield
    finally:
        models.copy = before  # type: ignore[attr-defined]
        DynamoDBBackend.transact_write_items = original  # type: ignore[method-assign]
        SQSBackend.is_message_valid_based_on_retention_period = (  # type: ignore[method-assign]
            original_retention
        )


def serve(argv: list[str] | None = None) -> None:
    """`python -m bench.moto_speed -H 127.0.0.1 -p PORT`: moto's server, cheap transactions."""
    from moto.server import main as moto_server

    with cheap_transactions():
        moto_server(argv)


if __name__ == "__main__":
    serve()
