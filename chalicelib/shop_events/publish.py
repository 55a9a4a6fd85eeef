"""Use case: outbox rows -> events on the bus and, when configured, queued webhooks.

Each event is claimed once (a conditional put under the order) before it is
published, so a redelivered outbox row publishes nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from chalicelib import store
from chalicelib.config import settings
from chalicelib.shop_events import eventbridge, webhooks
from chalicelib.shop_events.model import KargoEvent, event_from_outbox


def publish_shop_events(rows: Sequence[dict[str, Any]], now: datetime) -> None:
    built = (event_from_outbox(row, now) for row in rows if row.get("order_id"))
    events = [event for event in built if event is not None]
    if not events:
        return
    fresh = [event for event in events if store.claim_event(event.data.order_id, event.id, now)]
    try:
        eventbridge.publish(fresh)
    except Exception:
        for event in fresh:  # let the stream's retry publish them again
            store.release_event(event.data.order_id, event.id)
        raise
    if settings().merchant_webhook_url:
        for event in events:
            webhooks.schedule_first_delivery(_as_json(event), event.data.order_id, now)


def _as_json(event: KargoEvent) -> dict[str, Any]:
    return event.model_dump(mode="json")
