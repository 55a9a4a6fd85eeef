"""Write units per shipment-state write, with and without the token index.

DynamoDB bills a write 1 WCU per started KB of the item (2 in a transaction, which
the consumer's merge is), and every GSI the item projects into bills the same
again for its copy. The item measured is the real `shipment_to_item` of a
registered shipment with a 20-event carrier history; "before" is the old design
(`by_token`, projection ALL: every state write copied the whole item into it),
"after" is the sealed-token design (no token index). The keys-only `by_due` and
`by_poll` entries are the same in both and counted for completeness.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.capacity import WRITE_UNIT_BYTES, item_size

HISTORY_EVENTS = 20
KEY_ATTRIBUTES = ("pk", "sk")


def _state_item() -> dict[str, Any]:
    from chalicelib import store, tokens
    from chalicelib.domain.events import Location, TrackingEvent
    from chalicelib.domain.shipment import ShipmentState
    from chalicelib.domain.status import Status

    carrier, tracking = "yurtici", "YT123456789TR"
    start = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
    cities = ("İstanbul", "Kocaeli", "Bursa", "Eskişehir", "Ankara")
    events = tuple(
        TrackingEvent(
            carrier=carrier,
            tracking_number=tracking,
            occurred_at=start + timedelta(hours=3 * i),
            status=Status.IN_TRANSIT,
            description="Transfer merkezinden çıktı",
            location=Location(city=cities[i % len(cities)], country="TR"),
            carrier_status="ISR",
        )
        for i in range(HISTORY_EVENTS)
    )
    state = ShipmentState(
        carrier=carrier,
        tracking_number=tracking,
        status=Status.IN_TRANSIT,
        status_at=events[-1].occurred_at,
        events=tuple(reversed(events)),
        estimated_delivery="2026-11-25",
        reached=frozenset({Status.INFO_RECEIVED, Status.IN_TRANSIT}),
        last_event_at=events[-1].occurred_at,
    )
    registration = store.Registration(
        order_id="1001",
        token=tokens.mint(carrier, tracking, "1001"),
        first_name="Ayşe",
        locale="tr",
        registered_at=start,
    )
    record = store.ShipmentRecord(state, 3, registration)
    return dict(store.shipment_to_item(record, 4, start + timedelta(days=3)))


def _units(size: int) -> int:
    return max(1, math.ceil(size / WRITE_UNIT_BYTES))


def measure_state_write() -> dict[str, Any]:
    item = _state_item()
    size = item_size(item)
    table_wcu = 2 * _units(size)  # TransactWriteItems: twice the standard rate
    # A GSI copy holds the projected attributes plus the index's keys (and the table's):
    # ALL projects everything, so the copy is the item itself.
    token_copy_wcu = _units(size)
    names = (*KEY_ATTRIBUTES, "due_shard", "due_at")
    keys_only = {name: item[name] for name in names if name in item}
    keys_only_wcu = _units(item_size(keys_only))
    before = table_wcu + token_copy_wcu
    after = table_wcu
    return {
        "history_events": HISTORY_EVENTS,
        "state_item_bytes": size,
        "table_wcu_transactional": table_wcu,
        "by_token_copy_wcu": token_copy_wcu,
        "keys_only_index_entry_wcu": keys_only_wcu,
        "before_wcu": before,
        "after_wcu": after,
        "saved_share": round(1 - after / before, 3),
        # A plain PutItem/UpdateItem of the same item (the scan's guarded writes).
        "plain_before_wcu": _units(size) + token_copy_wcu,
        "plain_after_wcu": _units(size),
    }


def render_state_write(result: dict[str, Any]) -> list[str]:
    return [
        "",
        f"State write, {result['history_events']}-event history "
        f"({result['state_item_bytes']} bytes):",
        f"  before (table in a transaction + by_token ALL copy): {result['before_wcu']} WCU",
        f"  after  (sealed token, no token index):               {result['after_wcu']} WCU"
        f"  ({result['saved_share']:.0%} saved; keys-only index entries, when due_at moves, "
        f"{result['keys_only_index_entry_wcu']} WCU each, in both)",
        f"  a plain write of the same item: {result['plain_before_wcu']} -> "
        f"{result['plain_after_wcu']} WCU",
    ]


if __name__ == "__main__":
    print("\n".join(render_state_write(measure_state_write())))
