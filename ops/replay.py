"""Inspect the webhook dead-letter queue and move its messages back to the webhook queue.

    python -m ops.replay --inspect [--limit N]
    python -m ops.replay --replay [--limit N] [--dry-run]

Queue URLs come from --queue-url/--dlq-url, else KARGO_QUEUE_URL/KARGO_DLQ_URL, else the
outputs of the CloudFormation stack named by --stack (for example kargo-prod). The AWS endpoint
is KARGO_AWS_ENDPOINT when set (the local stack, moto), else the SDK's usual resolution.

A replayed message keeps its body and message attributes. It is deleted from the DLQ only
after the webhook queue has accepted its copy, so a crash between the two leaves a duplicate,
never a loss; the consumer is idempotent, a duplicate changes nothing. Inspection and dry runs
receive messages and then hand them straight back (visibility 0) without deleting anything.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient
    from mypy_boto3_sqs.type_defs import MessageAttributeValueTypeDef, MessageTypeDef

# Long enough for one batch to be sent and deleted; the message comes back if we die.
REPLAY_VISIBILITY_SECONDS = 60
# Inspection holds what it has seen until the end, so one run never shows a message twice.
INSPECT_VISIBILITY_SECONDS = 300
BODY_PREVIEW = 300
SQS_BATCH = 10


@dataclass
class Seen:
    message_id: str
    sent_at: str
    receive_count: str
    attributes: dict[str, str]
    body: str


@dataclass
class Report:
    mode: str
    dead_letter_queue: str
    queue: str
    approximate_remaining: int = 0
    seen: list[Seen] = field(default_factory=list)
    # DLQ message id -> id of its copy on the webhook queue
    replayed: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


def sqs_client() -> SQSClient:
    import boto3

    endpoint = os.environ.get("KARGO_AWS_ENDPOINT") or None
    client: SQSClient = boto3.client("sqs", endpoint_url=endpoint)
    return client


def stack_queue_urls(stack: str) -> tuple[str, str]:
    """The webhook queue and DLQ URLs from a deployed stack's outputs (infra/stacks/kargo.py)."""
    import boto3

    endpoint = os.environ.get("KARGO_AWS_ENDPOINT") or None
    cloudformation = boto3.client("cloudformation", endpoint_url=endpoint)
    (described,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    return outputs["QueueUrl"], outputs["DeadLetterQueueUrl"]


def _attributes(message: MessageTypeDef) -> dict[str, MessageAttributeValueTypeDef]:
    """Message attributes as SendMessage accepts them (receive adds empty list fields)."""
    kept: dict[str, MessageAttributeValueTypeDef] = {}
    for name, value in message.get("MessageAttributes", {}).items():
        copy: MessageAttributeValueTypeDef = {"DataType": value["DataType"]}
        if "StringValue" in value:
            copy["StringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            copy["BinaryValue"] = value["BinaryValue"]
        kept[name] = copy
    return kept


def _describe(message: MessageTypeDef) -> Seen:
    attributes = message.get("Attributes", {})
    body = message.get("Body", "")
    preview = body if len(body) <= BODY_PREVIEW else body[:BODY_PREVIEW] + "…"
    return Seen(
        message_id=message["MessageId"],
        sent_at=attributes.get("SentTimestamp", ""),
        receive_count=attributes.get("ApproximateReceiveCount", ""),
        attributes={
            name: value.get("StringValue", "<binary>")
            for name, value in message.get("MessageAttributes", {}).items()
        },
        body=preview,
    )


def _receive(
    sqs: SQSClient, queue_url: str, max_messages: int, visibility: int
) -> list[MessageTypeDef]:
    response = sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=max(1, min(SQS_BATCH, max_messages)),
        WaitTimeSeconds=1,
        VisibilityTimeout=visibility,
        MessageAttributeNames=["All"],
        MessageSystemAttributeNames=["All"],
    )
    return list(response.get("Messages", []))


def _remaining(sqs: SQSClient, queue_url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes.get("ApproximateNumberOfMessages", "0"))


def _release(sqs: SQSClient, queue_url: str, messages: Sequence[MessageTypeDef]) -> None:
    for start in range(0, len(messages), SQS_BATCH):
        chunk = messages[start : start + SQS_BATCH]
        sqs.change_message_visibility_batch(
            QueueUrl=queue_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for i, m in enumerate(chunk)
            ],
        )


def inspect(sqs: SQSClient, dlq_url: str, queue_url: str, limit: int | None) -> Report:
    """Shows up to `limit` dead-lettered messages and leaves every one of them in place."""
    report = Report(mode="inspect", dead_letter_queue=dlq_url, queue=queue_url)
    held: list[MessageTypeDef] = []
    seen_ids: set[str] = set()
    try:
        while limit is None or len(held) < limit:
            wanted = SQS_BATCH if limit is None else limit - len(held)
            batch = _receive(sqs, dlq_url, wanted, INSPECT_VISIBILITY_SECONDS)
            fresh = [m for m in batch if m["MessageId"] not in seen_ids]
            held.extend(batch)
            if not fresh:
                break
            for message in fresh:
                seen_ids.add(message["MessageId"])
                report.seen.append(_describe(message))
    finally:
        _release(sqs, dlq_url, held)
    report.approximate_remaining = _remaining(sqs, dlq_url)
    return report


def replay(
    sqs: SQSClient, dlq_url: str, queue_url: str, limit: int | None, dry_run: bool = False
) -> Report:
    """Moves up to `limit` messages from the DLQ to the webhook queue, oldest batches first."""
    report = Report(
        mode="dry-run" if dry_run else "replay", dead_letter_queue=dlq_url, queue=queue_url
    )
    held: list[MessageTypeDef] = []
    seen_ids: set[str] = set()
    try:
        while limit is None or len(seen_ids) < limit:
            wanted = SQS_BATCH if limit is None else limit - len(seen_ids)
            visibility = INSPECT_VISIBILITY_SECONDS if dry_run else REPLAY_VISIBILITY_SECONDS
            batch = [
                m
                for m in _receive(sqs, dlq_url, wanted, visibility)
                if m["MessageId"] not in seen_ids
            ]
            if not batch:
                break
            for message in batch:
                seen_ids.add(message["MessageId"])
                report.seen.append(_describe(message))
            if dry_run:
                held.extend(batch)
                continue
            _move(sqs, dlq_url, queue_url, batch, report)
    finally:
        _release(sqs, dlq_url, held)
    report.approximate_remaining = _remaining(sqs, dlq_url)
    return report


def _move(
    sqs: SQSClient,
    dlq_url: str,
    queue_url: str,
    batch: Sequence[MessageTypeDef],
    report: Report,
) -> None:
    by_entry = {str(i): message for i, message in enumerate(batch)}
    sent = sqs.send_message_batch(
        QueueUrl=queue_url,
        Entries=[
            {
                "Id": entry,
                "MessageBody": message["Body"],
                "MessageAttributes": _attributes(message),
            }
            for entry, message in by_entry.items()
        ],
    )
    copies = {s["Id"]: s["MessageId"] for s in sent.get("Successful", [])}
    not_sent = [by_entry[f["Id"]] for f in sent.get("Failed", [])]
    for failure in sent.get("Failed", []):
        report.failed[by_entry[failure["Id"]]["MessageId"]] = (
            f"send failed: {failure.get('Code', '')} {failure.get('Message', '')}".strip()
        )
    if copies:
        deleted = sqs.delete_message_batch(
            QueueUrl=dlq_url,
            Entries=[
                {"Id": entry, "ReceiptHandle": by_entry[entry]["ReceiptHandle"]} for entry in copies
            ],
        )
        for failure in deleted.get("Failed", []):
            # The copy is already queued: the consumer will see this delivery twice, which
            # it tolerates. Reported so the operator knows the DLQ still holds it.
            report.failed[by_entry[failure["Id"]]["MessageId"]] = (
                f"sent as {copies[failure['Id']]} but not deleted from the DLQ: "
                f"{failure.get('Code', '')}"
            )
        for entry in copies:
            original = by_entry[entry]["MessageId"]
            if original not in report.failed:
                report.replayed[original] = copies[entry]
    # Back on the DLQ at once rather than after the visibility timeout.
    _release(sqs, dlq_url, not_sent)


def render(report: Report) -> str:
    lines = [f"{report.mode}: {report.dead_letter_queue}"]
    for seen in report.seen:
        lines.append(
            f"  {seen.message_id}  sent={seen.sent_at}  receives={seen.receive_count}  "
            f"attributes={json.dumps(seen.attributes, ensure_ascii=False)}"
        )
        lines.append(f"    {seen.body}")
    for original, copy in report.replayed.items():
        lines.append(f"  replayed {original} -> {copy}")
    for original, reason in report.failed.items():
        lines.append(f"  FAILED {original}: {reason}")
    verb = {"inspect": "inspected", "dry-run": "would replay", "replay": "replayed"}[report.mode]
    count = len(report.replayed) if report.mode == "replay" else len(report.seen)
    lines.append(
        f"{verb} {count}, failed {len(report.failed)}, "
        f"about {report.approximate_remaining} left in the DLQ"
    )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m ops.replay",
        description="Inspect the Kargo webhook dead-letter queue, or replay it.",
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--inspect", action="store_true", help="show messages, change nothing")
    mode.add_argument("--replay", action="store_true", help="move messages to the webhook queue")
    parser.add_argument("--limit", type=int, help="at most this many messages (default: all)")
    parser.add_argument(
        "--dry-run", action="store_true", help="with --replay: show what would move"
    )
    parser.add_argument("--queue-url", default=os.environ.get("KARGO_QUEUE_URL", ""))
    parser.add_argument("--dlq-url", default=os.environ.get("KARGO_DLQ_URL", ""))
    parser.add_argument("--stack", help="read the queue URLs from this stack's outputs")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    if args.dry_run and not args.replay:
        parser.error("--dry-run goes with --replay (--inspect never changes anything)")
    if args.stack and not (args.queue_url and args.dlq_url):
        queue_url, dlq_url = stack_queue_urls(args.stack)
        args.queue_url = args.queue_url or queue_url
        args.dlq_url = args.dlq_url or dlq_url
    if not args.dlq_url or (args.replay and not args.queue_url):
        parser.error(
            "queue URLs needed: --queue-url/--dlq-url, KARGO_QUEUE_URL/KARGO_DLQ_URL or --stack"
        )
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sqs = sqs_client()
    if args.inspect:
        report = inspect(sqs, args.dlq_url, args.queue_url, args.limit)
    else:
        report = replay(sqs, args.dlq_url, args.queue_url, args.limit, dry_run=args.dry_run)
    if args.json:
        document: dict[str, Any] = asdict(report)
        print(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        print(render(report))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
