"""The stream's half of the statistics: each outbox row, counted once.

`count_outbox_row` is called by the notifier for every outbox row it reads. Most
rows cost nothing here (a delay or a refund moves no counter, and no write is
made for them). A status move adds to the shipments-by-status counters; a
delivery adds to its (carrier, destination city, day) aggregate; a rating to the
day's ratings. The claim that makes each of these count once is written in the
same transaction as the counters (see `store.stats.count_change`).

A delivery reads the order (destination city, first estimate) and the shipment
(first carrier event, whether an exception was ever reported): two reads per
delivery, none for any other row. Whether a delivery ever had an exception is
read from the shipment's `reached` statuses at delivery time, so the exception
share is "delivered shipments that had an exception on the way" without a
separate write for every exception row.

Returns are left out: their journey runs from the shopper to the shop.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from chalicelib import store
from chalicelib.config import settings
from chalicelib.domain.events import parse_utc
from chalicelib.domain.status import Status
from chalicelib.stats.aggregate import Delivery, describe_delivery
from chalicelib.store.stats import CountedChange, Rating, count_change

logger = logging.getLogger(__name__)

DELIVERED = Status.DELIVERED.value
# Pending is where every shipment starts, before any outbox row: it is never
# counted, so leaving it is not subtracted either.
UNCOUNTED_STATUS = Status.PENDING.value


def count_outbox_row(row: dict[str, Any], now: datetime) -> bool:
    """Count what this row adds to the statistics. True when something was counted.

    A busy DynamoDB raises, so the stream delivers the row again (the claim keeps
    that from counting twice). Any other failure is logged and the row left
    uncounted: a statistic must never hold up the customers' notifications."""
    try:
        return _count(row, now)
    except Exception as error:
        from chalicelib.retry import is_transient_aws_error

        if is_transient_aws_error(error):
            raise
        logger.exception("an outbox row could not be counted in the statistics")
        return False


def _count(row: dict[str, Any], now: datetime) -> bool:
    if row.get("record_type") != "outbox" or row.get("return_id") or not row.get("order_id"):
        return False
    status, previous = row.get("status"), row.get("previous_status")
    moves = None
    if status and status != previous:
        moves = (status, previous if previous and previous != UNCOUNTED_STATUS else None)
    delivery = _delivery(row) if row.get("kind") == DELIVERED and status == DELIVERED else None
    rating, rating_day = None, None
    if row.get("kind") == "feedback" and isinstance(row.get("score"), int):
        rated_at = parse_utc(row["occurred_at"])
        rating = Rating(row["score"], rated_at, row["order_id"], _comment(row, row["score"]))
        rating_day = rated_at.astimezone(settings().zone).date()
    if moves is None and delivery is None and rating is None:
        return False
    change = CountedChange(
        carrier=row["carrier"],
        tracking_number=row["tracking_number"],
        change_id=row["change_id"],
        now=now,
        status_moves=moves,
        delivery=delivery,
        rating=rating,
        rating_day=rating_day,
    )
    return count_change(change)


def _delivery(row: dict[str, Any]) -> Delivery | None:
    carrier, tracking = row["carrier"], row["tracking_number"]
    record = store.load_shipment(carrier, tracking)
    stored = store.load_order(row["order_id"])
    if record is None or stored is None:
        return None
    document = stored.document
    entry: dict[str, Any] = next(
        (
            shipment
            for shipment in document.get("shipments", [])
            if shipment.get("carrier") == carrier and shipment.get("tracking_number") == tracking
        ),
        {},
    )
    state = record.state
    first_event = min((event.occurred_at for event in state.events), default=None)
    exception = Status.EXCEPTION in state.reached or any(
        event.status == Status.EXCEPTION for event in state.events
    )
    return describe_delivery(
        carrier=carrier,
        city=(document.get("customer") or {}).get("city"),
        delivered_at=parse_utc(row["occurred_at"]),
        first_event_at=first_event,
        first_estimate=entry.get("estimated_delivery") or state.estimated_delivery,
        had_exception=exception,
        zone=settings().zone,
    )


def _comment(row: dict[str, Any], score: int) -> str | None:
    """A low rating's comment is shown to the staff; it lives on the shipment."""
    if score > 2:
        return None
    record = store.load_shipment(row["carrier"], row["tracking_number"])
    feedback = record.extra.get("feedback") if record else None
    comment = feedback.get("comment") if isinstance(feedback, dict) else None
    return comment if isinstance(comment, str) else None
