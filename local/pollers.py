"""Play the roles of Lambda's event sources: poll SQS and the DynamoDB stream and
hand the Lambda entry points events shaped exactly as AWS delivers them.

Used by the local stack (in threads) and by the integration tests (called
directly, one poll at a time).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from chalicelib import aws

Handler = Callable[[dict[str, Any]], dict[str, Any]]
logger = logging.getLogger(__name__)
MAX_FAILED_POLLS = 3


# What the notifier's event source mapping filters on in AWS (see infra/).
def outbox_insert(record: dict[str, Any]) -> bool:
    image = record.get("dynamodb", {}).get("NewImage", {})
    return record.get("eventName") == "INSERT" and image.get("record_type") == {"S": "outbox"}


class SqsPoller:
    """Receive up to 10 messages, invoke the consumer, delete what it did not
    report as failed. Failed ones reappear after the visibility timeout, and
    the queue's redrive policy moves them to the DLQ after N receives."""

    def __init__(self, queue_url: str, handler: Handler, region: str = "eu-central-1"):
        self.queue_url, self.handler, self.region = queue_url, handler, region
        self.queue_arn = aws.sqs().get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]

    def poll_once(self, wait_seconds: int = 0, visibility_timeout: int | None = None) -> int:
        kwargs: dict[str, Any] = {
            "QueueUrl": self.queue_url,
            "MaxNumberOfMessages": 10,
            "WaitTimeSeconds": wait_seconds,
            "MessageAttributeNames": ["All"],
            "MessageSystemAttributeNames": ["All"],
        }
        if visibility_timeout is not None:
            kwargs["VisibilityTimeout"] = visibility_timeout
        messages = aws.sqs().receive_message(**kwargs).get("Messages", [])
        if not messages:
            return 0
        event = {"Records": [self._record(message) for message in messages]}
        result = self.handler(event) or {}
        failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            aws.sqs().delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": m["ReceiptHandle"]}
                    for index, m in enumerate(done)
                ],
            )
        return len(messages)

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        attributes = {
            name: {
                "stringValue": value.get("StringValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value.get("DataType", "String"),
            }
            for name, value in (message.get("MessageAttributes") or {}).items()
        }
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": attributes,
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": self.region,
        }


class StreamPoller:
    """Read every shard of a DynamoDB stream and invoke the notifier with the
    records that pass the same filter the AWS event source mapping applies."""

    def __init__(
        self,
        stream_arn: str,
        handler: Handler,
        region: str = "eu-central-1",
        record_filter: Callable[[dict[str, Any]], bool] = outbox_insert,
        start_at_latest: bool = False,
    ):
        self.stream_arn, self.handler, self.region = stream_arn, handler, region
        self.record_filter = record_filter
        self.start_at_latest = start_at_latest
        self.iterators: dict[str, str | None] = {}
        self.failed_polls: dict[str, int] = {}

    def _refresh_shards(self) -> None:
        client = aws.dynamodbstreams()
        shards = client.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id in self.iterators:
                continue
            iterator_type = "LATEST" if self.start_at_latest else "TRIM_HORIZON"
            self.iterators[shard_id] = client.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType=iterator_type
            )["ShardIterator"]

    def poll_once(self) -> int:
        self._refresh_shards()
        client = aws.dynamodbstreams()
        delivered = 0
        for shard_id, iterator in list(self.iterators.items()):
            if iterator is None:
                continue
            response = client.get_records(ShardIterator=iterator, Limit=100)
            records = [self._record(raw) for raw in response.get("Records", [])]
            wanted = [record for record in records if self.record_filter(record)]
            if wanted and self._invoke_until_done(wanted):
                # Like Lambda: redeliver from the failure, a bounded number of
                # times, then give up on the batch (AWS: the on-failure destination).
                self.failed_polls[shard_id] = self.failed_polls.get(shard_id, 0) + 1
                if self.failed_polls[shard_id] < MAX_FAILED_POLLS:
                    continue
                logger.error("stream batch given up after retries", extra={"shard": shard_id})
            delivered += len(wanted)
            self.failed_polls.pop(shard_id, None)
            self.iterators[shard_id] = response.get("NextShardIterator")
        return delivered

    def _invoke_until_done(self, records: list[dict[str, Any]]) -> bool:
        """Retry from the failed record on, a few times, as Lambda would."""
        pending = records
        for _ in range(5):
            result = self.handler({"Records": pending}) or {}
            failures = result.get("batchItemFailures", [])
            if not failures:
                return False
            first = failures[0]["itemIdentifier"]
            index = next(
                (i for i, r in enumerate(pending) if r["dynamodb"]["SequenceNumber"] == first), 0
            )
            pending = pending[index:]
            time.sleep(0.05)
        return True

    def _record(self, raw: dict[str, Any]) -> dict[str, Any]:
        dynamodb = dict(raw.get("dynamodb", {}))
        created = dynamodb.get("ApproximateCreationDateTime")
        if hasattr(created, "timestamp"):
            dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
        return {
            "eventID": raw.get("eventID", uuid.uuid4().hex),
            "eventName": raw.get("eventName"),
            "eventVersion": raw.get("eventVersion", "1.1"),
            "eventSource": "aws:dynamodb",
            "awsRegion": self.region,
            "dynamodb": dynamodb,
            "eventSourceARN": self.stream_arn,
        }
