"""Play the roles of Lambda's event sources: poll SQS and the DynamoDB stream and
hand the Lambda entry points events shaped exactly as AWS delivers them.

Used by the local stack (in threads) and by the integration tests (called
directly, one poll at a time).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalicelib import aws, clock

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
        event = {"Records": [self._record(dict(message)) for message in messages]}
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
    ):
        self.stream_arn, self.handler, self.region = stream_arn, handler, region
        self.record_filter = record_filter
        self.positions: dict[str, str | None] = {}  # shard -> last sequence number handled
        self.failed_polls: dict[str, int] = {}

    def _shards(self) -> list[str]:
        description = aws.dynamodbstreams().describe_stream(StreamArn=self.stream_arn)
        return [shard["ShardId"] for shard in description["StreamDescription"]["Shards"]]

    def _iterator(self, shard_id: str) -> str:
        """A fresh iterator after the last record handled on the shard.

        Kept by sequence number rather than by iterator: moto restores a deep
        copy of its tables when a transaction fails, which orphans iterators."""
        client = aws.dynamodbstreams()
        last = self.positions.get(shard_id)
        if last is not None:
            return client.get_shard_iterator(
                StreamArn=self.stream_arn,
                ShardId=shard_id,
                ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                SequenceNumber=last,
            )["ShardIterator"]
        return client.get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]

    def poll_once(self) -> int:
        """Read each shard once; returns how many records were read (0: caught up)."""
        client = aws.dynamodbstreams()
        read = 0
        for shard_id in self._shards():
            response = client.get_records(ShardIterator=self._iterator(shard_id), Limit=100)
            raw_records = response.get("Records", [])
            if not raw_records:
                continue
            read += len(raw_records)
            records = [self._record(dict(raw)) for raw in raw_records]
            wanted = [record for record in records if self.record_filter(record)]
            if wanted and self._invoke_until_done(wanted):
                # Like Lambda: redeliver from the failure, a bounded number of
                # times, then give up on the batch (AWS: the on-failure destination).
                self.failed_polls[shard_id] = self.failed_polls.get(shard_id, 0) + 1
                if self.failed_polls[shard_id] < MAX_FAILED_POLLS:
                    continue
                logger.error("stream batch given up after retries", extra={"shard": shard_id})
            self.failed_polls.pop(shard_id, None)
            self.positions[shard_id] = records[-1]["dynamodb"]["SequenceNumber"]
        return read

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
            clock.sleep(0.05)
        return True

    def _record(self, raw: dict[str, Any]) -> dict[str, Any]:
        dynamodb = dict(raw.get("dynamodb", {}))
        created = dynamodb.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            # boto3 parses it; Lambda delivers epoch seconds.
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
