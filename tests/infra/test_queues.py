"""The Queues component alone: every queue encrypted and TLS only, source queues redriving
to their dead-letter queues, visibility timeouts that outlast their consumers."""

from __future__ import annotations

import pytest

from tests.infra.conftest import require_cdk

require_cdk()

from aws_cdk.assertions import Match, Template  # noqa: E402

from infra.components.queues import Queues  # noqa: E402
from infra.components.timing import (  # noqa: E402
    CONSUMER_BATCHING_WINDOW_SECONDS,
    CONSUMER_TIMEOUT_SECONDS,
    MAX_RECEIVES_BEFORE_DLQ,
    MERCHANT_DELIVERY_TIMEOUT_SECONDS,
    POLL_REQUESTS_TIMEOUT_SECONDS,
)
from tests.infra import bare  # noqa: E402

pytestmark = pytest.mark.infra

FOURTEEN_DAYS = 14 * 24 * 3600
FOUR_DAYS = 4 * 24 * 3600
# source queue -> (its dead-letter queue, the least visibility timeout its consumer needs)
SOURCES = {
    "kargo-test-webhooks": (
        "kargo-test-webhooks-dlq",
        6 * CONSUMER_TIMEOUT_SECONDS + CONSUMER_BATCHING_WINDOW_SECONDS,
    ),
    "kargo-test-merchant-webhooks": (
        "kargo-test-merchant-webhooks-dlq",
        6 * MERCHANT_DELIVERY_TIMEOUT_SECONDS,
    ),
    "kargo-test-poll-requests": ("kargo-test-poll-requests-dlq", 6 * POLL_REQUESTS_TIMEOUT_SECONDS),
}
RECORDS = (  # no consumer: dead letters and failure records, kept as long as SQS allows
    "kargo-test-webhooks-dlq",
    "kargo-test-merchant-webhooks-dlq",
    "kargo-test-poll-requests-dlq",
    "kargo-test-notify-failures",
    "kargo-test-scan-failures",
    "kargo-test-whatsapp-receipts-dlq",
)


@pytest.fixture(scope="module")
def found() -> Template:
    scope = bare.stack()
    Queues(scope, "Queues", prefix="kargo-test", event_bus_name="kargo-test-bus")
    return bare.template(scope)


def test_the_queues_and_the_bus(found: Template) -> None:
    names = {
        queue["Properties"]["QueueName"]
        for queue in bare.resources(found, "AWS::SQS::Queue").values()
    }
    assert names == set(SOURCES) | set(RECORDS)
    found.resource_count_is("AWS::Events::EventBus", 1)
    found.has_resource_properties("AWS::Events::EventBus", {"Name": "kargo-test-bus"})


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_a_source_queue_redrives_after_five_receives_and_outlasts_its_consumer(
    found: Template, source: str
) -> None:
    dlq, least_visibility = SOURCES[source]
    queue = bare.resources(found, "AWS::SQS::Queue")[bare.queue_id(found, source)]["Properties"]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [bare.queue_id(found, dlq), "Arn"]},
        "maxReceiveCount": MAX_RECEIVES_BEFORE_DLQ,
    }
    assert queue["VisibilityTimeout"] >= least_visibility
    assert queue["MessageRetentionPeriod"] == FOUR_DAYS


@pytest.mark.parametrize("name", RECORDS)
def test_dead_letters_and_failure_records_keep_fourteen_days(found: Template, name: str) -> None:
    found.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "QueueName": name,
            "MessageRetentionPeriod": FOURTEEN_DAYS,
            "RedrivePolicy": Match.absent(),
        },
    )


def test_every_queue_is_encrypted_and_refuses_plain_http(found: Template) -> None:
    queues = bare.resources(found, "AWS::SQS::Queue")
    assert all(q["Properties"]["SqsManagedSseEnabled"] is True for q in queues.values())
    policies = bare.resources(found, "AWS::SQS::QueuePolicy")
    guarded = set()
    for policy in policies.values():
        (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
        assert statement["Effect"] == "Deny"
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        guarded |= {ref["Ref"] for ref in policy["Properties"]["Queues"]}
    assert guarded == set(queues)
