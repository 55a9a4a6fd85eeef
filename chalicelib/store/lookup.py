"""The public lookup by tracking token: the shipment and its order in one read call.

The token seals the shipment's key and its order's id (chalicelib/tokens.py), so
the state and the order (what the shopper may do) come with one consistent
`BatchGetItem`, and no index copies the state.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.store.orders import StoredOrder, order_from_item
from chalicelib.store.shipments import ShipmentRecord, shipment_from_item
from chalicelib.store.table import get_raw_items, order_pk, shipment_pk


@dataclass(frozen=True)
class TrackedShipment:
    """A shipment found by its token, with the order it was registered with."""

    record: ShipmentRecord
    order: StoredOrder | None


def find_shipment_by_token(token: str) -> TrackedShipment | None:
    """None for a token Kargo did not seal (no read) or a shipment not stored; the
    caller still checks the stored token equals the given one."""
    from chalicelib import tokens

    key = tokens.open_token(token)
    if key is None:
        return None
    state_key = (shipment_pk(key.carrier, key.tracking_number), "STATE")
    order_key = (order_pk(key.order_id), "ORDER")
    items = get_raw_items([state_key, order_key])
    state, order = items.get(state_key), items.get(order_key)
    if state is None:
        return None
    return TrackedShipment(shipment_from_item(state), order_from_item(order) if order else None)
