"""The EventSources component alone, fed functions imported by ARN: partial batch
responses everywhere, the stream filtered to outbox inserts, bisected, retried a bounded
number of times and recorded on failure; optional functions get their sources only when
app.py declares them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.conftest import require_cdk

require_cdk()

from aws_cdk.assertions import Match, Template  # noqa: E402

from infra.components.event_sources import OUTBOX_INSERT_PATTERN, EventSources  # noqa: E402
from infra.components.timing import (  # noqa: E402
    CONSUMER_BATCHING_WINDOW_SECONDS,
    NOTIFIER_MAX_RECORD_AGE_HOURS,
    NOTIFIER_RETRY_ATTEMPTS,
)
from infra.settings import FUNCTION_NAMES  # noqa: E402
from tests.infra import bare  # noqa: E402

pytestmark = pytest.mark.infra

REQUIRED = ("APIHandler", "ConsumeWebhooks", "NotifyChanges", "ScanShipments")


def build(declared: tuple[str, ...]) -> tuple[Template, EventSources]:
    scope = bare.stack()
    core = bare.core(scope)
    sources = EventSources(
        scope,
        "EventSources",
        prefix="kargo-test",
        functions=bare.function_refs(scope, declared),
        table=core.data.table,
        queues=core.queues,
        consumer_max_concurrency=7,
    )
    return bare.template(scope), sources


@pytest.fixture(scope="module")
def everything() -> Template:
    found, _ = build(tuple(FUNCTION_NAMES))
    return found


def mapping_of(found: Template, logical_id: str) -> dict[str, Any]:
    (mapping,) = [
        m["Properties"]
        for m in bare.resources(found, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == f"kargo-test-{logical_id}"
    ]
    properties: dict[str, Any] = mapping
    return properties


def test_the_consumer_reads_the_webhook_queue_in_batches(everything: Template) -> None:
    mapping = mapping_of(everything, "ConsumeWebhooks")
    assert mapping["EventSourceArn"] == {
        "Fn::GetAtt": [bare.queue_id(everything, "kargo-test-webhooks"), "Arn"]
    }
    assert mapping["BatchSize"] == 10
    assert mapping["MaximumBatchingWindowInSeconds"] == CONSUMER_BATCHING_WINDOW_SECONDS
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 7}


def test_the_notifier_reads_only_outbox_inserts_and_records_what_it_gives_up_on(
    everything: Template,
) -> None:
    mapping = mapping_of(everything, "NotifyChanges")
    table_id, _ = bare.only(everything, "AWS::DynamoDB::Table")
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [table_id, "StreamArn"]}
    assert mapping["StartingPosition"] == "TRIM_HORIZON"
    assert mapping["BatchSize"] == 25
    assert mapping["FilterCriteria"] == {
        "Filters": [{"Pattern": json.dumps(OUTBOX_INSERT_PATTERN)}]
    }
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRetryAttempts"] == NOTIFIER_RETRY_ATTEMPTS
    assert mapping["MaximumRecordAgeInSeconds"] == NOTIFIER_MAX_RECORD_AGE_HOURS * 3600
    failures = bare.queue_id(everything, "kargo-test-notify-failures")
    assert mapping["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": [failures, "Arn"]}}
    }


def test_the_failure_destination_grants_nothing_itself(everything: Template) -> None:
    """The notifier's own role holds RecordFailedBatches; CDK's SqsDlq would add a policy."""
    everything.resource_count_is("AWS::IAM::Policy", 0)


def test_merchant_deliveries_go_one_at_a_time_gently(everything: Template) -> None:
    mapping = mapping_of(everything, "DeliverMerchantWebhooks")
    assert mapping["EventSourceArn"] == {
        "Fn::GetAtt": [bare.queue_id(everything, "kargo-test-merchant-webhooks"), "Arn"]
    }
    assert mapping["BatchSize"] == 1
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 2}


def test_poll_requests_are_read_in_small_batches(everything: Template) -> None:
    mapping = mapping_of(everything, "PollRequested")
    assert mapping["EventSourceArn"] == {
        "Fn::GetAtt": [bare.queue_id(everything, "kargo-test-poll-requests"), "Arn"]
    }
    assert mapping["BatchSize"] == 10
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 2}


def test_the_whatsapp_event_topic_feeds_the_receipts_function(everything: Template) -> None:
    topic_id, topic = bare.only(everything, "AWS::SNS::Topic")
    assert topic["Properties"]["TopicName"] == "kargo-test-whatsapp-events"
    receipts = bare.function_arn("WhatsappReceipts")
    everything.has_resource_properties(
        "AWS::SNS::Subscription",
        {"Protocol": "lambda", "TopicArn": {"Ref": topic_id}, "Endpoint": receipts},
    )
    everything.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": receipts,
            "Principal": "sns.amazonaws.com",
            "SourceArn": {"Ref": topic_id},
        },
    )
    everything.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Allow",
                                "Action": "sns:Publish",
                                "Principal": {"Service": "social-messaging.amazonaws.com"},
                                "Condition": {"StringEquals": {"aws:SourceAccount": bare.ACCOUNT}},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_only_declared_functions_get_sources() -> None:
    found, sources = build(REQUIRED)
    found.resource_count_is("AWS::Lambda::EventSourceMapping", 2)
    found.resource_count_is("AWS::SNS::Topic", 0)
    assert sources.whatsapp_events is None
    mapped = {
        m["Properties"]["FunctionName"]
        for m in bare.resources(found, "AWS::Lambda::EventSourceMapping").values()
    }
    assert mapped == {"kargo-test-ConsumeWebhooks", "kargo-test-NotifyChanges"}
