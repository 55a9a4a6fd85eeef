"""The DynamoDB single table: keys, item shapes, conditional writes, lookups.

| item              | pk                          | sk                  | module          |
|-------------------|-----------------------------|---------------------|-----------------|
| order             | ORDER#{order_id}            | ORDER               | `orders`        |
| notification log  | ORDER#{order_id}            | NOTE#{note_id}      | `notifications` |
| shipment state    | SHIP#{carrier}#{tracking}   | STATE               | `shipments`     |
| outbox row        | SHIP#{carrier}#{tracking}   | OUT#{change_id}     | `outbox`        |

The other item kinds have a module each, imported by the code that needs them
(not re-exported here, so a Lambda that never touches them does not load them):
`stats` (aggregates and counters), `platforms` (shop platform links and seen
deliveries), `pollers` (poll state, the `by_poll` index), `due` (the scan's
`by_due` index), `sessions` (console sessions), `rate_limits` (counters).
`table` holds what they share; `schema` declares the table and its indexes.

A tracking token seals its shipment's key and its order's id (chalicelib/tokens.py),
so the lookup (`lookup`) is one consistent BatchGetItem and no index copies the
state. Every write that depends on what was read is guarded by a condition on
`version`, never read-then-write without one.

Only this package talks to DynamoDB (tests/unit/test_store_boundary.py checks it).
"""

from __future__ import annotations

from chalicelib.store.lookup import TrackedShipment as TrackedShipment
from chalicelib.store.lookup import find_shipment_by_token as find_shipment_by_token
from chalicelib.store.merges import merge_writes as merge_writes
from chalicelib.store.merges import save_merge as save_merge
from chalicelib.store.merges import save_merges as save_merges
from chalicelib.store.merges import save_rating as save_rating
from chalicelib.store.notifications import IN_FLIGHT_GRACE as IN_FLIGHT_GRACE
from chalicelib.store.notifications import NotificationEntry as NotificationEntry
from chalicelib.store.notifications import claim_event as claim_event
from chalicelib.store.notifications import claim_notification as claim_notification
from chalicelib.store.notifications import find_whatsapp_message as find_whatsapp_message
from chalicelib.store.notifications import finish_notification as finish_notification
from chalicelib.store.notifications import held_notifications as held_notifications
from chalicelib.store.notifications import list_notifications as list_notifications
from chalicelib.store.notifications import move_whatsapp_entry as move_whatsapp_entry
from chalicelib.store.notifications import release_event as release_event
from chalicelib.store.notifications import release_notification as release_notification
from chalicelib.store.notifications import (
    remember_whatsapp_message as remember_whatsapp_message,
)
from chalicelib.store.notifications import settle_held_notification as settle_held_notification
from chalicelib.store.notifications import take_held_notification as take_held_notification
from chalicelib.store.orders import StoredOrder as StoredOrder
from chalicelib.store.orders import add_order_shipment as add_order_shipment
from chalicelib.store.orders import load_order as load_order
from chalicelib.store.orders import record_refund as record_refund
from chalicelib.store.orders import register_order as register_order
from chalicelib.store.orders import save_order_cancellation as save_order_cancellation
from chalicelib.store.orders import save_order_decision as save_order_decision
from chalicelib.store.orders import update_order_document as update_order_document
from chalicelib.store.outbox import OUTBOX_RETENTION as OUTBOX_RETENTION
from chalicelib.store.outbox import order_outbox_put as order_outbox_put
from chalicelib.store.outbox import outbox_item as outbox_item
from chalicelib.store.schema import DELAY_INDEX as DELAY_INDEX
from chalicelib.store.schema import DUE_INDEX as DUE_INDEX
from chalicelib.store.shipments import DELAYED_PARTITION as DELAYED_PARTITION
from chalicelib.store.shipments import TRENDING_PARTITION as TRENDING_PARTITION
from chalicelib.store.shipments import Registration as Registration
from chalicelib.store.shipments import ShipmentRecord as ShipmentRecord
from chalicelib.store.shipments import clock_facts as clock_facts
from chalicelib.store.shipments import load_shipment as load_shipment
from chalicelib.store.shipments import load_shipments as load_shipments
from chalicelib.store.shipments import query_delayed as query_delayed
from chalicelib.store.shipments import query_trending_late as query_trending_late
from chalicelib.store.shipments import shipment_from_item as shipment_from_item
from chalicelib.store.shipments import shipment_to_item as shipment_to_item
from chalicelib.store.shipments import trending_late as trending_late
from chalicelib.store.table import DUE_SHARDS as DUE_SHARDS
from chalicelib.store.table import ConcurrentUpdate as ConcurrentUpdate
from chalicelib.store.table import due_shard as due_shard
from chalicelib.store.table import get_raw_item as get_raw_item
from chalicelib.store.table import get_raw_items as get_raw_items
from chalicelib.store.table import order_pk as order_pk
from chalicelib.store.table import shipment_pk as shipment_pk
