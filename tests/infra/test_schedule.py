"""The Schedule component alone: the scan on its rate, recorded rather than retried when a
run fails; the poller every minute when app.py declares it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.conftest import require_cdk

require_cdk()

from aws_cdk.assertions import Template  # noqa: E402

from infra.components.schedule import Schedule  # noqa: E402
from tests.infra import bare  # noqa: E402

pytestmark = pytest.mark.infra


def build(*, with_poller: bool) -> Template:
    scope = bare.stack()
    core = bare.core(scope)
    functions = bare.function_refs(
        scope, ["ScanShipments", "PollCarriers"] if with_poller else ["ScanShipments"]
    )
    Schedule(
        scope,
        "Schedule",
        scan_every_minutes=5,
        scan=functions["ScanShipments"],
        scan_function_name="kargo-test-scan_shipments",
        scan_failures=core.queues.scan_failures,
        poller=functions.get("PollCarriers"),
    )
    return bare.template(scope)


def rule(found: Template, expression: str) -> tuple[str, dict[str, Any]]:
    (item,) = [
        (key, r["Properties"])
        for key, r in bare.resources(found, "AWS::Events::Rule").items()
        if r["Properties"]["ScheduleExpression"] == expression
    ]
    return item


def test_the_scan_runs_every_few_minutes_and_may_be_invoked_by_its_rule() -> None:
    found = build(with_poller=False)
    found.resource_count_is("AWS::Events::Rule", 1)
    rule_id, properties = rule(found, "rate(5 minutes)")
    assert properties["Targets"] == [
        {
            "Arn": bare.function_arn("ScanShipments"),
            "Id": "Target0",
            "RetryPolicy": {"MaximumEventAgeInSeconds": 300, "MaximumRetryAttempts": 2},
        }
    ]
    found.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": bare.function_arn("ScanShipments"),
            "Principal": "events.amazonaws.com",
            "SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]},
        },
    )


def test_a_failed_scan_run_is_recorded_not_retried() -> None:
    found = build(with_poller=False)
    (config,) = bare.resources(found, "AWS::Lambda::EventInvokeConfig").values()
    failures = bare.queue_id(found, "kargo-test-scan-failures")
    assert config["Properties"] == {
        "FunctionName": "kargo-test-scan_shipments",
        "Qualifier": "$LATEST",
        "MaximumRetryAttempts": 0,
        "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [failures, "Arn"]}}},
    }


def test_the_poller_runs_every_minute() -> None:
    found = build(with_poller=True)
    found.resource_count_is("AWS::Events::Rule", 2)
    rule_id, properties = rule(found, "rate(1 minute)")
    (target,) = properties["Targets"]
    assert target["Arn"] == bare.function_arn("PollCarriers")
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 120, "MaximumRetryAttempts": 2}
    found.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "FunctionName": bare.function_arn("PollCarriers"),
            "SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]},
        },
    )
