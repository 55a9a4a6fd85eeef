"""The poller's infrastructure: its index, queue, secret, schedule, event source,
least-privilege roles and alarms, read from the synthesized prod template."""

from __future__ import annotations

import json
from typing import Any

from tests.infra.conftest import require_cdk

require_cdk()

from infra.components.secrets import CARRIER_SECRET_KEYS  # noqa: E402


def resources(template_json: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template_json["Resources"].items() if v["Type"] == kind}


def find(template_json: dict[str, Any], kind: str, prefix: str) -> tuple[str, dict[str, Any]]:
    (found,) = [(k, v) for k, v in resources(template_json, kind).items() if k.startswith(prefix)]
    return found


def statements(template_json: dict[str, Any], function: str) -> list[dict[str, Any]]:
    role = template_json["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    (policy,) = template_json["Resources"][role]["Properties"]["Policies"]
    found: list[dict[str, Any]] = policy["PolicyDocument"]["Statement"]
    return found


def actions(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return set(action if isinstance(action, list) else [action])


def test_poll_index_is_sparse_keys_only_by_carrier_tier_and_slot(
    template_json: dict[str, Any],
) -> None:
    (table,) = resources(template_json, "AWS::DynamoDB::Table").values()
    indexes = {i["IndexName"]: i for i in table["Properties"]["GlobalSecondaryIndexes"]}
    assert indexes["by_poll"]["KeySchema"] == [
        {"AttributeName": "poll_part", "KeyType": "HASH"},
        {"AttributeName": "poll_slot", "KeyType": "RANGE"},
    ]
    assert indexes["by_poll"]["Projection"] == {"ProjectionType": "KEYS_ONLY"}


def test_poll_requests_redrive_to_their_dead_letter_queue(template_json: dict[str, Any]) -> None:
    queue_id, queue = find(template_json, "AWS::SQS::Queue", "PollRequestQueue")
    dlq_id, _ = find(template_json, "AWS::SQS::Queue", "PollRequestDeadLetterQueue")
    redrive = queue["Properties"]["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": [dlq_id, "Arn"]}
    function = template_json["Resources"]["PollRequested"]["Properties"]
    assert queue["Properties"]["VisibilityTimeout"] >= 6 * function["Timeout"]
    _, mapping = find(template_json, "AWS::Lambda::EventSourceMapping", "PollRequestQueueSource")
    assert mapping["Properties"]["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_poller_runs_every_minute_alone(template_json: dict[str, Any]) -> None:
    rule_id, rule = find(template_json, "AWS::Events::Rule", "PollSchedule")
    assert rule["Properties"]["ScheduleExpression"] == "rate(1 minute)"
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["PollCarriers", "Arn"]}
    function = template_json["Resources"]["PollCarriers"]["Properties"]
    assert function["ReservedConcurrentExecutions"] == 1
    assert function["Timeout"] == 60
    permission = [
        p["Properties"]
        for p in resources(template_json, "AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": ["PollCarriers", "Arn"]}
    ]
    assert [p["SourceArn"] for p in permission] == [{"Fn::GetAtt": [rule_id, "Arn"]}]


def test_carrier_secret_holds_every_carrier_credential_as_a_placeholder(
    template_json: dict[str, Any],
) -> None:
    secret_id, secret = find(template_json, "AWS::SecretsManager::Secret", "CarrierSecrets")
    assert secret["Properties"]["Name"] == "kargo/prod/carriers"
    values = json.loads(secret["Properties"]["SecretString"])
    assert set(values) == set(CARRIER_SECRET_KEYS) and set(values.values()) == {""}
    for function in ("PollCarriers", "PollRequested"):
        variables = template_json["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert variables["KARGO_CARRIER_SECRETS_ARN"] == {"Ref": secret_id}
    # Only the poller may read the carriers' credentials.
    for function in resources(template_json, "AWS::Serverless::Function"):
        reads = [
            s["Resource"]
            for s in statements(template_json, function)
            if "secretsmanager:GetSecretValue" in actions(s)
        ]
        assert ({"Ref": secret_id} in reads) == function.startswith("Poll")


def test_poller_roles_are_least_privilege(template_json: dict[str, Any]) -> None:
    for function in ("PollCarriers", "PollRequested"):
        found = {s["Sid"]: s for s in statements(template_json, function)}
        query = found["QueryPollIndex"]
        assert actions(query) == {"dynamodb:Query"}
        assert query["Resource"]["Fn::Join"][1][-1] == "/index/by_poll"
        state = found["CarrierState"]
        assert actions(state) == {
            "dynamodb:BatchGetItem",
            "dynamodb:PutItem",
            "dynamodb:DeleteItem",
        }
        assert state["Condition"] == {
            "ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["POLLER#*"]}
        }
        every = set().union(*(actions(s) for s in found.values()))
        assert not {"dynamodb:Scan", "dynamodb:UpdateItem", "dynamodb:GetItem"} & every
        assert not {a for a in every if a.startswith(("ses:", "sns:", "events:"))}
        assert ("sqs:ReceiveMessage" in every) == (function == "PollRequested")
    api = {s["Sid"]: s for s in statements(template_json, "APIHandler")}
    queue_id, _ = find(template_json, "AWS::SQS::Queue", "PollRequestQueue")
    assert api["RequestPolls"]["Resource"] == {"Fn::GetAtt": [queue_id, "Arn"]}


def test_poller_alarms(template_json: dict[str, Any]) -> None:
    alarms = {
        a["Properties"]["AlarmName"]: a["Properties"]
        for a in resources(template_json, "AWS::CloudWatch::Alarm").values()
    }
    assert alarms["kargo-prod-poller-errors"]["MetricName"] == "Errors"
    assert alarms["kargo-prod-poll-requests-errors"]["MetricName"] == "Errors"
    assert alarms["kargo-prod-poll-request-dlq-not-empty"]["Namespace"] == "AWS/SQS"
    backoff = alarms["kargo-prod-carrier-backoff"]
    assert (backoff["Namespace"], backoff["MetricName"]) == ("Kargo", "CarrierBackoffs")
    (metric_filter,) = resources(template_json, "AWS::Logs::MetricFilter").values()
    assert "backed off" in metric_filter["Properties"]["FilterPattern"]
    assert metric_filter["Properties"]["LogGroupName"] == {"Ref": "PollCarriersLogs"}
