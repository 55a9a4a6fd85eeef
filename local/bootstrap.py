"""Create every AWS resource Kargo needs on an AWS-compatible endpoint (moto locally).

Idempotent: running it against resources that exist changes nothing. The table comes from
`chalicelib/store/schema.py`, as in `infra/`, so the local stack behaves like the real one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from chalicelib import aws
from chalicelib.config import settings
from chalicelib.ingress import DEAD_LETTER_QUEUE_NAME, WEBHOOK_QUEUE_NAME
from chalicelib.poll.requests import POLL_REQUEST_DLQ_NAME, POLL_REQUEST_QUEUE_NAME
from chalicelib.shop_events import webhooks
from chalicelib.store import schema

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
    _ensure_indexes(config.table_name)
    _ensure_sender_identity(config.email_from)
    _ensure_event_bus(config.event_bus)
    return Resources(
        config.table_name, stream_arn, queue_url, dlq_url, hooks_url, hooks_dlq_url,
        config.event_bus, poll_url, poll_dlq_url,
    )  # fmt: skip


def _ensure_indexes(name: str) -> None:
    """A table made before an index existed (an existing endpoint) gets it now."""
    client = aws.dynamodb()
    present = {
        index["IndexName"]
        for index in client.describe_table(TableName=name)["Table"].get(
            "GlobalSecondaryIndexes", []
        )
    }
    for entry in schema.INDEXES:
        if entry.name in present:
            continue
        client.update_table(
            TableName=name,
            AttributeDefinitions=schema.attribute_definitions(  # type: ignore[arg-type]
                entry.partition_key, entry.sort_key
            ),
            GlobalSecondaryIndexUpdates=[{"Create": schema.index_definition(entry)}],  # type: ignore[typeddict-item]
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
        request = schema.create_table_request(name)
        description = client.create_table(**request)["TableDescription"]  # type: ignore[arg-type]
        client.get_waiter("table_exists").wait(TableName=name)
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": schema.TTL_ATTRIBUTE},
        )
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
