"""Use case: the shopper rates a delivery (CONTRACT.md section 8).

The rating is stored on the shipment's STATE item, in one conditional update
that is also the "one rating per shipment" rule: DynamoDB refuses a second, so
two racing ratings cannot both win (no read-then-write). Keeping it on the
STATE item lets the tracking page show "thanks" from the one read it makes.

The same transaction writes an outbox row (kind `feedback`), from which the
notifier publishes the shop's `feedback.received` event.

A score of 1 or 2 alerts the shop by e-mail. The alert is claimed in the
order's notification log under an id fixed per shipment before it is sent, so
it is sent and logged at most once (channel `merchant`, kind `complaint`).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator

from chalicelib import aws, store
from chalicelib.aws import error_code
from chalicelib.config import settings
from chalicelib.domain.events import format_utc
from chalicelib.domain.shipment import Change
from chalicelib.dynamo_codec import encode_value
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


@dataclass(frozen=True)
class Complaint:
    """What the shop needs to follow a bad rating up; never the shopper's contact details."""

    order_id: str
    carrier: str
    tracking_number: str
    score: int
    comment: str | None
    tracking_url: str


def rate_shipment(
    record: store.ShipmentRecord, rating: FeedbackIn, now: datetime
) -> dict[str, Any]:
    """Store the rating, alert the shop when it is bad, and say thanks."""
    registration = record.registration
    assert registration is not None  # find_tracked_shipment guarantees it
    save_rating(record, rating, now)
    if rating.score in COMPLAINT_SCORES:
        complaint = Complaint(
            order_id=registration.order_id,
            carrier=record.state.carrier,
            tracking_number=record.state.tracking_number,
            score=rating.score,
            comment=rating.comment,
            tracking_url=settings().tracking_url(registration.token),
        )
        alert_shop(complaint, now)
    review_url = settings().review_url if rating.score in REVIEW_SCORES else None
    return {"thanks": True, "review_url": review_url}


def save_rating(record: store.ShipmentRecord, rating: FeedbackIn, now: datetime) -> None:
    """Raises `Conflict` when the shipment has a rating already.

    One transaction: the rating on the STATE item, and an outbox row (kind
    `feedback`, nobody to notify) from which the notifier publishes the shop's
    `feedback.received` event with the score, never the comment (CONTRACT.md 9).

    Bumps `version` too: a consumer that read the item before this write then
    fails its guarded put and merges again, instead of writing back a copy of
    the item without the rating.
    """
    assert record.registration is not None
    carrier, tracking = record.key
    feedback: dict[str, Any] = {"score": rating.score, "rated_at": format_utc(now)}
    if rating.comment:
        feedback["comment"] = rating.comment
    table = settings().table_name
    rate: dict[str, Any] = {
        "TableName": table,
        "Key": {"pk": {"S": store.shipment_pk(carrier, tracking)}, "sk": {"S": "STATE"}},
        "UpdateExpression": "SET feedback = :feedback, #version = #version + :one",
        # The token check keeps a rating on the registration it was given for.
        "ConditionExpression": "#token = :token AND attribute_not_exists(feedback)",
        "ExpressionAttributeNames": {"#token": "token", "#version": "version"},
        "ExpressionAttributeValues": {
            ":feedback": encode_value(feedback),
            ":token": {"S": record.registration.token},
            ":one": {"N": "1"},
        },
    }
    status = record.state.status
    change = Change(
        kind="feedback",
        status=status,
        previous_status=status,
        occurred_at=now,
        notify_customer=False,
    )
    outbox: dict[str, Any] = {
        "TableName": table,
        "Item": store.outbox_item(record, change, now, score=rating.score),
        "ConditionExpression": "attribute_not_exists(pk)",
    }
    client = aws.dynamodb()
    try:
        writes: list[dict[str, Any]] = [{"Update": rate}, {"Put": outbox}]
        client.transact_write_items(TransactItems=writes)  # type: ignore[arg-type]
    except client.exceptions.TransactionCanceledException as error:
        reasons = [reason.get("Code") for reason in error.response.get("CancellationReasons", [])]
        if "ConditionalCheckFailed" in reasons:
            raise Conflict("This shipment has already been rated.") from error
        raise


def complaint_id(carrier: str, tracking_number: str) -> str:
    """One complaint per shipment at most, whatever is retried."""
    identity = f"{carrier}#{tracking_number}#complaint#merchant"
    return "ntf_" + hashlib.sha256(identity.encode()).hexdigest()[:24]


def alert_shop(complaint: Complaint, now: datetime) -> None:
    """E-mail the shop about a bad rating and log it with the order's notifications.

    Sent while the shopper waits, so the shop hears of it even before the
    stream is read. A failed send is logged as `failed`; the rating stands.
    """
    config = settings()
    entry = store.NotificationEntry(
        id=complaint_id(complaint.carrier, complaint.tracking_number),
        order_id=complaint.order_id,
        channel="merchant",
        kind="complaint",
        carrier=complaint.carrier,
        tracking_number=complaint.tracking_number,
        status="sending",
        created_at=now,
    )
    if not store.claim_notification(entry):
        return
    from chalicelib.notify.dispatch import SENT_OBSERVERS, OutgoingMessage
    from chalicelib.notify.email import build_email, send_email

    subject, text, html = render_complaint(complaint, config.brand_name)
    try:
        raw = build_email(
            config.email_from, config.brand_name, config.support_email, subject, text, html, None
        )
        send_email(config.email_from, config.support_email, raw)
    except Exception as error:
        code = error_code(error)
        store.finish_notification(entry.order_id, entry.id, "failed", code)
        logger.warning("complaint e-mail failed", extra={"error_code": code})
        return
    store.finish_notification(entry.order_id, entry.id, "sent", None)
    message = OutgoingMessage(
        "merchant", config.support_email, "complaint", subject, text, complaint.tracking_url
    )
    for observer in SENT_OBSERVERS:
        observer(message)


def render_complaint(complaint: Complaint, brand: str) -> tuple[str, str, str]:
    """Subject, text and HTML of the shop's alert: the one renderer of merchant alerts."""
    from chalicelib.notify.render import MerchantAlert, render_merchant_alert

    email = render_merchant_alert(
        MerchantAlert(
            kind="complaint",
            brand=brand,
            order_id=complaint.order_id,
            carrier=complaint.carrier,
            tracking_number=complaint.tracking_number,
            tracking_url=complaint.tracking_url,
            score=complaint.score,
            comment=complaint.comment,
        )
    )
    return email.subject, email.text, email.html
