"""Use case: the scheduled scan (an EventBridge schedule in AWS; every
`KARGO_SCAN_INTERVAL` seconds locally).

It reads only what is due: the sparse `by_due` index holds a shipment only
while something may happen to it (a stall, a passed estimate, expiry, the
rating request) and held night-time SMS until 09:00. Its cost grows with the
number of due items, not with the table.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from chalicelib import aws, store
from chalicelib.config import settings
from chalicelib.domain.events import CarrierUpdate, format_utc
from chalicelib.domain.shipment import Change, MergeResult, merge_update
from chalicelib.domain.status import Status
from chalicelib.domain.timing import (
    clock_delay,
    expiry_event,
    feedback_due_at,
    thank_you_due_at,
)
from chalicelib.dynamo_codec import decode_item

logger = logging.getLogger(__name__)
PAGE_SIZE = 100


@dataclass
class ScanReport:
    items_read: int = 0
    delayed: int = 0
    expired: int = 0
    applied_pending: int = 0
    feedback_requests: int = 0
    thank_yous: int = 0
    held_sms_sent: int = 0
    rescheduled: int = 0
    contended: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self, now: datetime) -> dict[str, Any]:
        return {"at": format_utc(now), **self.__dict__}


def scan_due_shipments(now: datetime) -> dict[str, Any]:
    report = ScanReport()
    for shard in range(store.DUE_SHARDS):
        for item in _due_items(f"DUE#{shard:02d}", now):
            report.items_read += 1
            try:
                _handle(item, now, report)
            except Exception as error:  # one bad item must not stop the scan
                logger.exception("scan failed on an item")
                report.errors.append(type(error).__name__)
    return report.as_dict(now)


def _due_items(shard: str, now: datetime) -> Any:
    kwargs: dict[str, Any] = {
        "TableName": settings().table_name,
        "IndexName": store.DUE_INDEX,
        "KeyConditionExpression": "due_shard = :shard AND due_at <= :now",
        "ExpressionAttributeValues": {":shard": {"S": shard}, ":now": {"S": format_utc(now)}},
        "Limit": PAGE_SIZE,
    }
    while True:
        response = aws.dynamodb().query(**kwargs)
        yield from response.get("Items", [])
        if "LastEvaluatedKey" not in response:
            return
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _handle(key: dict[str, Any], now: datetime, report: ScanReport) -> None:
    # The index holds keys only (every state write would otherwise pay for a full
    # copy); the item itself is read consistently, which also skips stale entries.
    item = store.get_raw_item(key["pk"]["S"], key["sk"]["S"])
    if item is None or "due_at" not in item or item["due_at"]["S"] > format_utc(now):
        return
    record_type = item.get("record_type", {}).get("S")
    if record_type == "notification":
        from chalicelib.notify.dispatch import send_held_sms

        if send_held_sms(decode_item(item), now):
            report.held_sms_sent += 1
        return
    if record_type != "shipment":
        return
    record = store.shipment_from_item(item)
    for _ in range(3):
        try:
            _advance(record, now, report)
            return
        except store.ConcurrentUpdate:
            report.contended += 1
            fresh = store.load_shipment(*record.key)
            if fresh is None:
                return
            record = fresh
    logger.warning("scan gave up on a contended shipment until the next run")


def _advance(record: store.ShipmentRecord, now: datetime, report: ScanReport) -> None:
    facts = store.clock_facts(record)
    if facts is None:
        return
    state, timings = record.state, settings().timings
    result: MergeResult | None = None
    if state.pending_until is not None and now >= state.pending_until:
        # Events that were dated ahead (or a same-day reversible final) count now.
        result = merge_update(state, CarrierUpdate(state.carrier, state.tracking_number), now)
        report.applied_pending += 1
    elif not state.status.is_final and now >= expiry_event(state, facts, timings).occurred_at:
        expired = expiry_event(state, facts, timings)
        result = merge_update(
            state, CarrierUpdate(state.carrier, state.tracking_number, (expired,)), now
        )
        report.expired += 1
    elif (delay := clock_delay(state, facts, now, timings)) is not None:
        result = delay
        report.delayed += 1
    due_feedback = feedback_due_at(state, facts, timings)
    if result is None and due_feedback is not None and now >= due_feedback:
        request = Change(
            kind="feedback_request",
            status=Status.DELIVERED,
            previous_status=Status.DELIVERED,
            occurred_at=due_feedback,
            notify_customer=True,
        )
        extra = record.extra | {"feedback_requested_at": format_utc(now)}
        record = replace(record, extra=extra)
        result = MergeResult(state, (), (request,))
        report.feedback_requests += 1
    due_thanks = thank_you_due_at(state, facts, timings)
    if result is None and due_thanks is not None and now >= due_thanks:
        thanks = Change(
            kind="thank_you",
            status=Status.DELIVERED,
            previous_status=Status.DELIVERED,
            occurred_at=due_thanks,
            notify_customer=True,
        )
        record = replace(record, extra=record.extra | {"thanked_at": format_utc(now)})
        result = MergeResult(state, (), (thanks,))
        report.thank_yous += 1
    if result is None:
        result = MergeResult(state, (), ())  # nothing happened: just reschedule
        report.rescheduled += 1
    store.save_merge(record, result, now)
