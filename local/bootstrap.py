"""Create every AWS resource Kargo needs on an AWS-compatible endpoint (moto locally).

Idempotent: running it against resources that exist changes nothing. Mirrors
what `infra/` declares for AWS, so the local stack behaves like the real one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from chalicelib import aws
from chalicelib.config import settings
from chalicelib.ingress import DEAD_LETTER_QUEUE_NAME, WEBHOOK_QUEUE_NAME
from chalicelib.poll.requests import POLL_REQUEST_DLQ_NAME, POLL_REQUEST_QUEUE_NAME
from chalicelib.poll.schedule import POLL_INDEX
from chalicelib.shop_events import webhooks

MAX_RECEIVES_BEFORE_DEAD_LETTER = 5


@dataclass(frozen=True)
class Resources:
    table_name: str
    stream_arn: str
    queue_url: str
    dead_letter_queue_url: str
    merchant_webhook_queue_url: str
    merchant_webhook_dlq_url: str
    event_bus: str
    poll_request_queue_url: str = ""
    poll_request_dlq_url: str = ""


def ensure_resources() -> Resources:
    config = settings()
    stream_arn = _ensure_table(config.table_name)
    dlq_url, queue_url = _ensure_queue_pair(WEBHOOK_QUEUE_NAME, DEAD_LETTER_QUEUE_NAME)
    hooks_dlq_url, hooks_url = _ensure_queue_pair(
        webhooks.WEBHOOK_QUEUE_NAME, webhooks.WEBHOOK_DLQ_NAME
    )
    poll_dlq_url, poll_url = _ensure_queue_pair(POLL_REQUEST_QUEUE_NAME, POLL_REQUEST_DLQ_NAME)
    _ensure_poll_index(config.table_name)
    _ensure_sender_identity(config.email_from)
    _ensure_event_bus(config.event_bus)
    return Resources(
        config.table_name, stream_arn, queue_url, dlq_url, hooks_url, hooks_dlq_url,
        config.event_bus, poll_url, poll_dlq_url,
    )  # fmt: skip


# The poller's sparse index (chalicelib/poll/schedule.py): open shipments of polled
# carriers by carrier, tier and shard, sorted by their slot in the polling cycle.
POLL_INDEX_ATTRIBUTES = [
    {"AttributeName": "poll_part", "AttributeType": "S"},
    {"AttributeName": "poll_slot", "AttributeType": "N"},
]
POLL_INDEX_DEFINITION = {
    "IndexName": POLL_INDEX,
    "KeySchema": [
        {"AttributeName": "poll_part", "KeyType": "HASH"},
        {"AttributeName": "poll_slot", "KeyType": "RANGE"},
    ],
    "Projection": {"ProjectionType": "KEYS_ONLY"},
}


def _ensure_poll_index(name: str) -> None:
    """Added to a table made before the poller existed (an existing endpoint)."""
    client = aws.dynamodb()
    indexes = client.describe_table(TableName=name)["Table"].get("GlobalSecondaryIndexes", [])
    if any(index["IndexName"] == POLL_INDEX for index in indexes):
        return
    client.update_table(
        TableName=name,
        AttributeDefinitions=POLL_INDEX_ATTRIBUTES,  # type: ignore[arg-type]
        GlobalSecondaryIndexUpdates=[{"Create": POLL_INDEX_DEFINITION}],  # type: ignore[typeddict-item]
    )


def _ensure_event_bus(name: str) -> None:
    client = aws.events()
    if name == "default":
        return
    try:
        client.describe_event_bus(Name=name)
    except client.exceptions.ResourceNotFoundException:
        client.create_event_bus(Name=name)


def _ensure_table(name: str) -> str:
    client = aws.dynamodb()
    try:
        description = client.describe_table(TableName=name)["Table"]
    except client.exceptions.ResourceNotFoundException:
        description = client.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
                {"AttributeName": "due_shard", "AttributeType": "S"},
                {"AttributeName": "due_at", "AttributeType": "S"},
                {"AttributeName": "delay_list", "AttributeType": "S"},
                {"AttributeName": "delay_since_key", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by_due",
                    "KeySchema": [
                        {"AttributeName": "due_shard", "KeyType": "HASH"},
                        {"AttributeName": "due_at", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                },
                {
                    "IndexName": "by_delay",
                    "KeySchema": [
                        {"AttributeName": "delay_list", "KeyType": "HASH"},
                        {"AttributeName": "delay_since_key", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                },
            ],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )["TableDescription"]
        client.get_waiter("table_exists").wait(TableName=name)
    stream_arn = description.get("LatestStreamArn")
    if not stream_arn:
        raise RuntimeError(f"table {name} has no stream; Kargo's notifier needs one")
    return stream_arn


def _ensure_queue_pair(name: str, dead_letter_name: str) -> tuple[str, str]:
    client = aws.sqs()
    dlq_url = client.create_queue(
        QueueName=dead_letter_name,
        Attributes={"MessageRetentionPeriod": str(14 * 24 * 3600)},
    )["QueueUrl"]
    dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVES_BEFORE_DEAD_LETTER}
    queue_url = client.create_queue(
        QueueName=name,
        Attributes={"VisibilityTimeout": "30", "RedrivePolicy": json.dumps(redrive)},
    )["QueueUrl"]
    return dlq_url, queue_url


def _ensure_sender_identity(sender: str) -> None:
    """SES refuses unverified senders (moto too); locally we verify our own."""
    identities = aws.sesv2().list_email_identities().get("EmailIdentities", [])
    if not any(identity.get("IdentityName") == sender for identity in identities):
        aws.sesv2().create_email_identity(EmailIdentity=sender)
