"""Publishing events to the shop's EventBridge bus, batched, failed entries retried."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib import aws
from chalicelib.config import settings
from chalicelib.retry import wait_before_retry
from chalicelib.shop_events.model import KargoEvent

MAX_ENTRIES_PER_CALL = 10  # PutEvents' limit
ATTEMPTS = 3


class PublishFailed(Exception):
    def __init__(self, failed_ids: list[str]):
        super().__init__(f"EventBridge refused {len(failed_ids)} event(s)")
        self.failed_ids = failed_ids


def publish(events: Sequence[KargoEvent]) -> None:
    """source `kargo`, detail-type = the event type, detail = the whole event.
    Entries EventBridge refuses are sent again; what still fails is raised."""
    pending = list(events)
    for attempt in range(ATTEMPTS):
        if attempt:
            wait_before_retry(attempt - 1)  # refused entries are throttled, mostly
        failed: list[KargoEvent] = []
        for start in range(0, len(pending), MAX_ENTRIES_PER_CALL):
            chunk = pending[start : start + MAX_ENTRIES_PER_CALL]
            response = aws.events().put_events(
                Entries=[
                    {
                        "Source": "kargo",
                        "DetailType": event.type,
                        "Detail": event.model_dump_json(),
                        "EventBusName": settings().event_bus,
                    }
                    for event in chunk
                ]
            )
            if response.get("FailedEntryCount", 0):
                entries = response.get("Entries", [])
                failed += [e for e, r in zip(chunk, entries, strict=False) if r.get("ErrorCode")]
        if not failed:
            return
        pending = failed
    raise PublishFailed([event.id for event in pending])
