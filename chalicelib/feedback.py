"""Use case: the shopper rates a delivery (CONTRACT.md section 8).

The rating is stored on the shipment's STATE item, in one conditional update
that is also the "one rating per shipment" rule: DynamoDB refuses a second, so
two racing ratings cannot both win (no read-then-write). Keeping it on the
STATE item lets the tracking page show "thanks" from the one read it makes.

The same transaction writes an outbox row (kind `feedback`), from which the
notifier publishes the shop's `feedback.received` event.

A score of 1 or 2 alerts the shop by e-mail: the notifier reads the same outbox
row and sends the alert (channel `merchant`, kind `complaint`) like any other
message, claimed once in the order's log, retried when the provider is busy.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator

from chalicelib import store
from chalicelib.config import settings
from chalicelib.domain.events import format_utc
from chalicelib.domain.shipment import Change
from chalicelib.domain.status import Status
from chalicelib.errors import Conflict

logger = logging.getLogger(__name__)

COMMENT_MAX_LENGTH = 2000
COMPLAINT_SCORES = frozenset({1, 2})
REVIEW_SCORES = frozenset({4, 5})


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    score: Annotated[StrictInt, Field(ge=1, le=5)]
    comment: Annotated[StrictStr | None, Field(max_length=COMMENT_MAX_LENGTH)] = None

    @field_validator("comment")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None


def rate_shipment(
    record: store.ShipmentRecord, rating: FeedbackIn, now: datetime
) -> dict[str, Any]:
    """Store the rating and say thanks; a bad one alerts the shop through the outbox.

    Only a delivered shipment can be rated (409 before). One rating per shipment:
    the same rating again is the same 200, a different one 409."""
    if record.state.status != Status.DELIVERED:
        raise Conflict("Only a delivered shipment can be rated.")
    stored = record.extra.get("feedback")
    if stored is None:
        try:
            save_rating(record, rating, now)
        except Conflict:
            fresh = store.load_shipment(*record.key)
            stored = fresh.extra.get("feedback") if fresh else None
            if stored is None:
                raise
    if stored is not None and not _same_rating(stored, rating):
        raise Conflict("This shipment has already been rated.")
    review_url = settings().review_url if rating.score in REVIEW_SCORES else None
    return {"thanks": True, "review_url": review_url}


def _same_rating(stored: dict[str, Any], rating: FeedbackIn) -> bool:
    return int(stored.get("score", 0)) == rating.score and stored.get("comment") == rating.comment


def save_rating(record: store.ShipmentRecord, rating: FeedbackIn, now: datetime) -> None:
    """Raises `Conflict` when the shipment has a rating already.

    One transaction (`store.save_rating`): the rating on the STATE item, and an
    outbox row (kind `feedback`, nobody to notify) from which the notifier
    publishes the shop's `feedback.received` event with the score, never the
    comment (CONTRACT.md 9).
    """
    feedback: dict[str, Any] = {"score": rating.score, "rated_at": format_utc(now)}
    if rating.comment:
        feedback["comment"] = rating.comment
    status = record.state.status
    change = Change(
        kind="feedback",
        status=status,
        previous_status=status,
        occurred_at=now,
        notify_customer=False,
    )
    try:
        # The comment rides along for the shop's complaint alert, never into events.
        store.save_rating(record, feedback, change, now, score=rating.score, comment=rating.comment)
    except store.ConcurrentUpdate as error:
        raise Conflict("This shipment has already been rated.") from error
