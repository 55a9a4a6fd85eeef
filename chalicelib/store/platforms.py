"""The table's items for shop platforms: order links and seen deliveries.

| item            | pk                                        | sk         |
|-----------------|-------------------------------------------|------------|
| order link      | PLATFORM#{platform}#ORDER#{platform_id}   | LINK       |
| seen delivery   | PLATFORM#{platform}#DELIVERY#{id}         | DELIVERY   |

A platform names an order two ways: Kargo's order id is the shop's order
number, while fulfillments and refunds carry the platform's internal order id.
The link maps one to the other. A fulfillment or refund that arrives before
its order waits on the link (`pending`) until the order's first snapshot sets
`order_id`; from then on nothing more is added to `pending` (the append is
conditional on `order_id` being absent), so the order's side reads, in the
same atomic update that sets `order_id`, every event it must attach.

Seen deliveries expire with the table's TTL (`expires_at`): they only need to
outlive the platforms' retries (Shopify retries for 48 hours).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib import aws
from chalicelib.domain.events import format_utc
from chalicelib.dynamo_codec import decode_item, encode_value
from chalicelib.platforms.base import OrderReference, reference_from_value, reference_to_value
from chalicelib.store.table import item_key, table_name

DELIVERY_RETENTION = timedelta(days=7)
MAX_PENDING = 100  # a link never grows past one DynamoDB item


class OrderLinkedMeanwhile(Exception):
    """The order's first snapshot landed while this event was being parked."""


@dataclass(frozen=True)
class OrderLink:
    order_id: str | None
    pending: tuple[OrderReference, ...]


def link_pk(platform: str, platform_order_id: str) -> str:
    return f"PLATFORM#{platform}#ORDER#{platform_order_id}"


def delivery_pk(platform: str, delivery_id: str) -> str:
    return f"PLATFORM#{platform}#DELIVERY#{delivery_id}"


def _link_from(item: dict[str, Any] | None) -> OrderLink:
    if not item:
        return OrderLink(None, ())
    raw = decode_item(item)
    pending = tuple(reference_from_value(value) for value in raw.get("pending") or ())
    return OrderLink(raw.get("order_id"), pending)


def load_link(platform: str, platform_order_id: str) -> OrderLink:
    response = aws.dynamodb().get_item(
        TableName=table_name(),
        Key=item_key(link_pk(platform, platform_order_id), "LINK"),
        ConsistentRead=True,
    )
    return _link_from(response.get("Item"))


def link_order(platform: str, platform_order_id: str, order_id: str, now: datetime) -> OrderLink:
    """Point the link at Kargo's order; returns the link with every event that
    waited for it. Idempotent; an id once set is never replaced."""
    client = aws.dynamodb()
    try:
        response = client.update_item(
            TableName=table_name(),
            Key=item_key(link_pk(platform, platform_order_id), "LINK"),
            UpdateExpression="SET order_id = :order, record_type = :type, linked_at = "
            "if_not_exists(linked_at, :now)",
            ConditionExpression="attribute_not_exists(order_id) OR order_id = :order",
            ExpressionAttributeValues={
                ":order": {"S": order_id},
                ":type": {"S": "platform_link"},
                ":now": {"S": format_utc(now)},
            },
            ReturnValues="ALL_NEW",
        )
    except client.exceptions.ConditionalCheckFailedException:
        return load_link(platform, platform_order_id)  # linked to another id: keep it
    return _link_from(response.get("Attributes"))


def park_event(event: OrderReference, now: datetime) -> None:
    """Keep an event for an order Kargo has not seen yet. Raises
    `OrderLinkedMeanwhile` when the order was linked in the meantime."""
    client = aws.dynamodb()
    try:
        client.update_item(
            TableName=table_name(),
            Key=item_key(link_pk(event.platform, event.platform_order_id), "LINK"),
            UpdateExpression="SET pending = list_append(if_not_exists(pending, :empty), :event), "
            "record_type = :type, updated_at = :now",
            ConditionExpression="attribute_not_exists(order_id) AND "
            "(attribute_not_exists(pending) OR size(pending) < :max)",
            ExpressionAttributeValues={
                ":empty": {"L": []},
                ":event": {"L": [encode_value(reference_to_value(event))]},
                ":type": {"S": "platform_link"},
                ":now": {"S": format_utc(now)},
                ":max": {"N": str(MAX_PENDING)},
            },
        )
    except client.exceptions.ConditionalCheckFailedException as error:
        raise OrderLinkedMeanwhile() from error


def delivery_seen(platform: str, delivery_id: str) -> bool:
    response = aws.dynamodb().get_item(
        TableName=table_name(),
        Key=item_key(delivery_pk(platform, delivery_id), "DELIVERY"),
        ConsistentRead=True,
        ProjectionExpression="pk",
    )
    return "Item" in response


def mark_delivery(platform: str, delivery_id: str, topic: str | None, now: datetime) -> None:
    """Written after the delivery was applied: a crash in between means one more
    (idempotent) application, never a delivery skipped."""
    values: dict[str, Any] = {
        "pk": {"S": delivery_pk(platform, delivery_id)},
        "sk": {"S": "DELIVERY"},
        "record_type": {"S": "platform_delivery"},
        "created_at": {"S": format_utc(now)},
        "expires_at": {"N": str(int((now + DELIVERY_RETENTION).timestamp()))},
    }
    if topic:
        values["topic"] = {"S": topic}
    aws.dynamodb().put_item(TableName=table_name(), Item=values)
