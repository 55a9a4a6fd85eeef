"""Logical ids: components never show in them, and the stateful resources keep theirs.

A changed logical id makes CloudFormation create a new resource and delete the old one: for
the table, a queue, a secret or a log group, that is data lost on the next deploy. The ids
below are the ones deployed stacks hold; change one only with a migration plan.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.conftest import require_cdk

require_cdk()

import aws_cdk as cdk  # noqa: E402
from aws_cdk import aws_sqs as sqs  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402
from constructs import Construct  # noqa: E402

from infra.components import Component  # noqa: E402
from infra.components.logical_ids import (  # noqa: E402
    check_unique,
    flat_logical_id,
    make_unique_id,
)

pytestmark = pytest.mark.infra

# logical id -> type, in the prod template (dev has the same ids).
STATEFUL = {
    "TableCD117FA1": "AWS::DynamoDB::Table",
    "WebhookQueueA9D318EA": "AWS::SQS::Queue",
    "WebhookDeadLetterQueue6DD1CE59": "AWS::SQS::Queue",
    "NotifyFailureQueue2AA63E9E": "AWS::SQS::Queue",
    "ScanFailureQueueF5546E29": "AWS::SQS::Queue",
    "MerchantWebhookQueue9F326774": "AWS::SQS::Queue",
    "MerchantWebhookDeadLetterQueueB2825A2E": "AWS::SQS::Queue",
    "PollRequestQueue20E28F39": "AWS::SQS::Queue",
    "PollRequestDeadLetterQueueF8798D88": "AWS::SQS::Queue",
    "WhatsappReceiptsDeadLetterQueueB251F01F": "AWS::SQS::Queue",
    "SecretsA3BCC2E9": "AWS::SecretsManager::Secret",
    "TokenKeyD1D1A236": "AWS::SecretsManager::Secret",
    "CarrierSecrets567F0E54": "AWS::SecretsManager::Secret",
    "APIHandlerLogs": "AWS::Logs::LogGroup",
    "ConsumeWebhooksLogs": "AWS::Logs::LogGroup",
    "NotifyChangesLogs": "AWS::Logs::LogGroup",
    "ScanShipmentsLogs": "AWS::Logs::LogGroup",
    "DeliverMerchantWebhooksLogs": "AWS::Logs::LogGroup",
    "PollCarriersLogs": "AWS::Logs::LogGroup",
    "PollRequestedLogs": "AWS::Logs::LogGroup",
    "WhatsappReceiptsLogs": "AWS::Logs::LogGroup",
    # Replaced, these change their ARN or URL: the bus (rules elsewhere target it), the alarm
    # topic (its e-mail subscription must be confirmed again), the WhatsApp event topic (set
    # in the WhatsApp Business Account by ARN), the API (its URL).
    "EventBus7B8748AA": "AWS::Events::EventBus",
    "AlarmTopicD01E77F9": "AWS::SNS::Topic",
    "WhatsappEventsTopic23172A0D": "AWS::SNS::Topic",
    "RestAPI": "AWS::Serverless::Api",
}


def test_the_stateful_resources_keep_their_logical_ids(template_json: dict[str, Any]) -> None:
    found = {name: r["Type"] for name, r in template_json["Resources"].items()}
    assert {name: found.get(name) for name in STATEFUL} == STATEFUL


def test_every_table_queue_secret_and_log_group_is_pinned(
    template_json: dict[str, Any],
) -> None:
    """A new stateful resource is added to STATEFUL when it is made, not after a loss."""
    kinds = {"AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::SecretsManager::Secret"}
    kinds |= {"AWS::Logs::LogGroup", "AWS::Events::EventBus", "AWS::SNS::Topic"}
    found = {name for name, r in template_json["Resources"].items() if r["Type"] in kinds}
    assert found == set(STATEFUL) - {"RestAPI"}


class FlatStack(cdk.Stack):
    def _allocate_logical_id(self, cfn_element: cdk.CfnElement) -> str:
        return flat_logical_id(cfn_element)


PATHS = [
    ["Table"],
    ["Web-hook_queue!"],
    ["Queue", "Resource"],
    ["Outer", "Default", "Inner"],
    ["FooBar", "Bar", "Resource"],
    ["Rule", "AllowEventRuleprodScanShipmentsFunctionD3983F92"],
    ["x" * 300],
]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: "/".join(p)[:40])
def test_the_algorithm_is_cdks(path: list[str]) -> None:
    stack = cdk.Stack(cdk.App(), "plain")
    scope: Construct = stack
    for component in path[:-1]:
        scope = Construct(scope, component)
    element = cdk.CfnResource(scope, path[-1], type="AWS::SNS::Topic")
    assert stack.resolve(element.logical_id) == make_unique_id(path)


def test_components_do_not_show_in_logical_ids() -> None:
    plain = cdk.Stack(cdk.App(), "plain")
    sqs.Queue(plain, "Queue", enforce_ssl=True)
    flat = FlatStack(cdk.App(), "flat")
    sqs.Queue(Component(Component(flat, "Outer"), "Inner"), "Queue", enforce_ssl=True)
    expected = set(Template.from_stack(plain).to_json()["Resources"])
    assert set(Template.from_stack(flat).to_json()["Resources"]) == expected
    assert len(expected) == 2  # the queue and its TLS-only policy


def test_a_plain_construct_still_shows() -> None:
    flat = FlatStack(cdk.App(), "flat")
    sqs.Queue(Construct(flat, "Group"), "Queue")
    (logical_id,) = Template.from_stack(flat).to_json()["Resources"]
    assert logical_id.startswith("GroupQueue")


def test_two_components_with_children_of_one_name_are_refused() -> None:
    flat = FlatStack(cdk.App(), "flat")
    sqs.Queue(Component(flat, "One"), "Queue")
    sqs.Queue(Component(flat, "Two"), "Queue")
    with pytest.raises(ValueError, match="logical ids used twice"):
        check_unique(flat)
