"""ops.replay on moto: inspect, dry run, replay with and without a limit, partial failures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

from ops import replay

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

REGION = "eu-central-1"


@dataclass
class Queues:
    sqs: SQSClient
    queue_url: str
    dlq_url: str

    def dead_letter(self, count: int) -> list[str]:
        """Puts `count` deliveries on the DLQ the way the consumer does: body and attributes."""
        ids = []
        for i in range(count):
            sent = self.sqs.send_message(
                QueueUrl=self.dlq_url,
                MessageBody=json.dumps({"source": "generic", "raw": f"delivery {i}"}),
                MessageAttributes={
                    "source": {"DataType": "String", "StringValue": "generic"},
                    "attempt": {"DataType": "Number", "StringValue": str(i)},
                    "digest": {"DataType": "Binary", "BinaryValue": bytes([i, 255])},
                },
            )
            ids.append(sent["MessageId"])
        return ids

    def drain(self, url: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
            ).get("Messages", [])
            if not batch:
                return found
            for message in batch:
                found.append(dict(message))
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def count(self, url: str) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )


@pytest.fixture
def queues(monkeypatch: pytest.MonkeyPatch) -> Iterator[Queues]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("KARGO_AWS_ENDPOINT", raising=False)
    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        dlq_url = sqs.create_queue(QueueName="kargo-test-webhooks-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        queue_url = sqs.create_queue(
            QueueName="kargo-test-webhooks",
            Attributes={
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5})
            },
        )["QueueUrl"]
        yield Queues(sqs, queue_url, dlq_url)


def test_inspect_shows_every_message_and_changes_nothing(
    queues: Queues, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = queues.dead_letter(12)
    code = replay.main(["--inspect", "--queue-url", queues.queue_url, "--dlq-url", queues.dlq_url])
    out = capsys.readouterr().out
    assert code == 0
    assert all(message_id in out for message_id in ids)
    assert "inspected 12, failed 0" in out
    assert '"source": "generic"' in out
    # Still all there, and visible again at once.
    assert queues.count(queues.dlq_url) == 12
    assert len(queues.drain(queues.dlq_url)) == 12
    assert queues.count(queues.queue_url) == 0


def test_inspect_with_a_limit(queues: Queues) -> None:
    queues.dead_letter(5)
    report = replay.inspect(queues.sqs, queues.dlq_url, queues.queue_url, limit=2)
    assert len(report.seen) == 2
    assert report.approximate_remaining == 5


def test_dry_run_moves_nothing(queues: Queues, capsys: pytest.CaptureFixture[str]) -> None:
    ids = queues.dead_letter(3)
    code = replay.main(
        ["--replay", "--dry-run", "--queue-url", queues.queue_url, "--dlq-url", queues.dlq_url]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "would replay 3" in out
    assert all(message_id in out for message_id in ids)
    assert queues.count(queues.queue_url) == 0
    assert len(queues.drain(queues.dlq_url)) == 3


def test_replay_moves_body_and_attributes_and_empties_the_dlq(
    queues: Queues, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = queues.dead_letter(13)
    monkeypatch.setenv("KARGO_QUEUE_URL", queues.queue_url)
    monkeypatch.setenv("KARGO_DLQ_URL", queues.dlq_url)
    code = replay.main(["--replay", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert sorted(report["replayed"]) == sorted(ids)
    assert report["failed"] == {}
    assert queues.count(queues.dlq_url) == 0
    moved = queues.drain(queues.queue_url)
    assert sorted(m["MessageId"] for m in moved) == sorted(report["replayed"].values())
    by_body = {json.loads(m["Body"])["raw"]: m for m in moved}
    assert set(by_body) == {f"delivery {i}" for i in range(13)}
    attributes = by_body["delivery 7"]["MessageAttributes"]
    assert attributes["source"]["StringValue"] == "generic"
    assert (attributes["attempt"]["DataType"], attributes["attempt"]["StringValue"]) == (
        "Number",
        "7",
    )
    assert attributes["digest"]["BinaryValue"] == bytes([7, 255])


def test_replay_with_a_limit_leaves_the_rest(queues: Queues) -> None:
    queues.dead_letter(7)
    report = replay.replay(queues.sqs, queues.dlq_url, queues.queue_url, limit=4)
    assert len(report.replayed) == 4
    assert queues.count(queues.queue_url) == 4
    assert queues.count(queues.dlq_url) == 3
    assert report.approximate_remaining == 3


def test_a_message_the_queue_refuses_stays_on_the_dlq(
    queues: Queues, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = queues.dead_letter(3)
    real_send = queues.sqs.send_message_batch

    def refuse_one(**kwargs: Any) -> Any:
        entries = kwargs["Entries"]
        refused, accepted = entries[0], entries[1:]
        result = dict(real_send(**{**kwargs, "Entries": accepted}))
        result["Failed"] = [
            {"Id": refused["Id"], "SenderFault": False, "Code": "InternalError", "Message": "x"}
        ]
        return result

    monkeypatch.setattr(queues.sqs, "send_message_batch", refuse_one)
    report = replay.replay(queues.sqs, queues.dlq_url, queues.queue_url, limit=3)
    assert len(report.replayed) == 2
    (failed,) = report.failed
    assert failed in ids
    assert "InternalError" in report.failed[failed]
    assert not report.ok
    monkeypatch.undo()
    # Deleted only after a successful send: the refused one is still there, visible again.
    left = queues.drain(queues.dlq_url)
    assert [m["MessageId"] for m in left] == [failed]
    assert queues.count(queues.queue_url) == 2


def test_queue_urls_from_the_stack_outputs(monkeypatch: pytest.MonkeyPatch, queues: Queues) -> None:
    monkeypatch.delenv("KARGO_QUEUE_URL", raising=False)
    monkeypatch.delenv("KARGO_DLQ_URL", raising=False)
    monkeypatch.setattr(
        replay, "stack_queue_urls", lambda stack: (queues.queue_url, queues.dlq_url)
    )
    args = replay.parse_args(["--inspect", "--stack", "kargo-prod"])
    assert (args.queue_url, args.dlq_url) == (queues.queue_url, queues.dlq_url)


def test_refuses_to_run_without_queue_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KARGO_QUEUE_URL", raising=False)
    monkeypatch.delenv("KARGO_DLQ_URL", raising=False)
    with pytest.raises(SystemExit):
        replay.parse_args(["--replay"])
    with pytest.raises(SystemExit):
        replay.parse_args(["--inspect", "--dry-run", "--dlq-url", "x"])
