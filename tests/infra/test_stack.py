"""The synthesized prod stack: every resource and setting issue 6 asks for."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.conftest import REPO_ROOT, require_cdk

require_cdk()


from infra.components.event_sources import OUTBOX_INSERT_PATTERN  # noqa: E402
from infra.components.secrets import SECRET_KEYS  # noqa: E402
from infra.components.timing import (  # noqa: E402
    MAX_RECEIVES_BEFORE_DLQ,
    NOTIFIER_RETRY_ATTEMPTS,
)
from infra.settings import FUNCTION_NAMES, MERCHANT_DELIVERY, load_stage  # noqa: E402

pytestmark = pytest.mark.infra

SETTINGS = load_stage("prod")
REQUIRED_FUNCTIONS = ("APIHandler", "ConsumeWebhooks", "NotifyChanges", "ScanShipments")
APP_ENVIRONMENT = (
    "KARGO_TABLE_NAME",
    "KARGO_QUEUE_URL",
    "KARGO_DLQ_URL",
    "KARGO_MERCHANT_WEBHOOK_QUEUE_URL",
    "KARGO_MERCHANT_WEBHOOK_DLQ_URL",
    "KARGO_SECRETS_ARN",
    "KARGO_EMAIL_FROM",
    "KARGO_PUBLIC_URL",
    "KARGO_BRAND_NAME",
    "KARGO_TIMEZONE",
    "KARGO_EVENT_BUS",
    "KARGO_SUPPORT_EMAIL",
    "KARGO_STALL_HOURS",
    "KARGO_EXPIRE_DAYS",
    "KARGO_FEEDBACK_DELAY_DAYS",
    "KARGO_REVIEW_URL",
    "KARGO_MERCHANT_WEBHOOK_URL",
)


def functions(template_json: dict[str, Any]) -> list[str]:
    found = list(resources(template_json, "AWS::Serverless::Function"))
    assert set(REQUIRED_FUNCTIONS) <= set(found) <= set(FUNCTION_NAMES)
    return found


def resources(template_json: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in template_json["Resources"].items()
        if resource["Type"] == kind
    }


def app_secret(template_json: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The application's secret (the poller's carrier secret is the other one)."""
    (found,) = [
        (key, secret)
        for key, secret in resources(template_json, "AWS::SecretsManager::Secret").items()
        if secret["Properties"]["Name"] == "kargo/prod"
    ]
    return found


def only(template_json: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    found = resources(template_json, kind)
    assert len(found) == 1, f"expected one {kind}, found {sorted(found)}"
    return next(iter(found.items()))


def logical_id(template_json: dict[str, Any], kind: str, prefix: str) -> str:
    names = [name for name in resources(template_json, kind) if name.startswith(prefix)]
    assert len(names) == 1, f"expected one {kind} named {prefix}*, found {names}"
    return names[0]


def props(template_json: dict[str, Any], name: str) -> dict[str, Any]:
    properties: dict[str, Any] = template_json["Resources"][name]["Properties"]
    return properties


def queue_ids(template_json: dict[str, Any]) -> dict[str, str]:
    return {
        props(template_json, name)["QueueName"]: name
        for name in resources(template_json, "AWS::SQS::Queue")
    }


# -- DynamoDB ----------------------------------------------------------------------------


def test_table_keys_billing_stream_ttl_and_recovery(template: Any) -> None:
    template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
            "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "DeletionProtectionEnabled": True,
        },
    )
    template.has_resource("AWS::DynamoDB::Table", {"DeletionPolicy": "Retain"})


def test_table_global_secondary_indexes(template_json: dict[str, Any]) -> None:
    _, table = only(template_json, "AWS::DynamoDB::Table")
    indexes = {gsi["IndexName"]: gsi for gsi in table["Properties"]["GlobalSecondaryIndexes"]}
    # No token index: a sealed token names its shipment, so the lookup is one GetItem.
    assert set(indexes) == {"by_due", "by_delay", "by_poll"}
    assert indexes["by_due"]["KeySchema"] == [
        {"AttributeName": "due_shard", "KeyType": "HASH"},
        {"AttributeName": "due_at", "KeyType": "RANGE"},
    ]
    assert indexes["by_delay"]["KeySchema"] == [
        {"AttributeName": "delay_list", "KeyType": "HASH"},
        {"AttributeName": "delay_since_key", "KeyType": "RANGE"},
    ]
    assert indexes["by_due"]["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert indexes["by_delay"]["Projection"] == {"ProjectionType": "ALL"}
    types = {
        a["AttributeName"]: a["AttributeType"] for a in table["Properties"]["AttributeDefinitions"]
    }
    assert types == {
        "pk": "S", "sk": "S", "due_shard": "S", "due_at": "S",
        "delay_list": "S", "delay_since_key": "S", "poll_part": "S", "poll_slot": "N",
    }  # fmt: skip


# -- SQS ---------------------------------------------------------------------------------


def test_webhook_queue_redrives_to_the_dead_letter_queue(template_json: dict[str, Any]) -> None:
    ids = queue_ids(template_json)
    queue = props(template_json, ids["kargo-prod-webhooks"])
    dlq_id = ids["kargo-prod-webhooks-dlq"]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
        "maxReceiveCount": MAX_RECEIVES_BEFORE_DLQ,
    }
    assert MAX_RECEIVES_BEFORE_DLQ == 5
    assert props(template_json, dlq_id)["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_visibility_timeout_is_at_least_six_consumer_timeouts(
    template_json: dict[str, Any],
) -> None:
    queue = props(template_json, queue_ids(template_json)["kargo-prod-webhooks"])
    consumer_timeout = props(template_json, "ConsumeWebhooks")["Timeout"]
    assert queue["VisibilityTimeout"] >= 6 * consumer_timeout


def test_merchant_webhook_queue_redrives_and_outlasts_its_consumer(
    template_json: dict[str, Any],
) -> None:
    ids = queue_ids(template_json)
    queue = props(template_json, ids["kargo-prod-merchant-webhooks"])
    dlq_id = ids["kargo-prod-merchant-webhooks-dlq"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": [dlq_id, "Arn"]}
    assert props(template_json, dlq_id)["MessageRetentionPeriod"] == 14 * 24 * 3600
    if MERCHANT_DELIVERY in functions(template_json):
        timeout = props(template_json, MERCHANT_DELIVERY)["Timeout"]
        assert queue["VisibilityTimeout"] >= 6 * timeout


def test_merchant_webhook_deliveries_are_consumed_one_at_a_time(
    template_json: dict[str, Any],
) -> None:
    if MERCHANT_DELIVERY not in functions(template_json):
        pytest.skip("app.py declares no deliver_merchant_webhooks function yet")
    name = logical_id(template_json, "AWS::Lambda::EventSourceMapping", "MerchantWebhookQueue")
    mapping = props(template_json, name)
    queue_id = queue_ids(template_json)["kargo-prod-merchant-webhooks"]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert MERCHANT_DELIVERY in json.dumps(mapping["FunctionName"])
    assert mapping["BatchSize"] == 1
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_queues_are_encrypted_and_refuse_plain_http(template_json: dict[str, Any]) -> None:
    for name, queue in resources(template_json, "AWS::SQS::Queue").items():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True, name
    policies = resources(template_json, "AWS::SQS::QueuePolicy")
    assert len(policies) == len(resources(template_json, "AWS::SQS::Queue"))
    for policy in policies.values():
        (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
        assert statement["Effect"] == "Deny"
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


# -- event sources -----------------------------------------------------------------------


def test_consumer_reads_the_webhook_queue_with_partial_batch_responses(
    template_json: dict[str, Any],
) -> None:
    name = logical_id(template_json, "AWS::Lambda::EventSourceMapping", "WebhookQueueSource")
    mapping = props(template_json, name)
    queue_id = queue_ids(template_json)["kargo-prod-webhooks"]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert "ConsumeWebhooks" in json.dumps(mapping["FunctionName"])
    assert mapping["BatchSize"] == 10
    assert mapping["MaximumBatchingWindowInSeconds"] > 0
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": SETTINGS.consumer_max_concurrency}


def test_notifier_reads_only_outbox_inserts_from_the_stream(
    template_json: dict[str, Any],
) -> None:
    name = logical_id(template_json, "AWS::Lambda::EventSourceMapping", "OutboxStreamSource")
    mapping = props(template_json, name)
    table_id, _ = only(template_json, "AWS::DynamoDB::Table")
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [table_id, "StreamArn"]}
    assert "NotifyChanges" in json.dumps(mapping["FunctionName"])
    (only_filter,) = mapping["FilterCriteria"]["Filters"]
    assert json.loads(only_filter["Pattern"]) == OUTBOX_INSERT_PATTERN
    assert OUTBOX_INSERT_PATTERN == {
        "eventName": ["INSERT"],
        "dynamodb": {"NewImage": {"record_type": {"S": ["outbox"]}}},
    }
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_notifier_bisects_retries_a_bounded_number_of_times_then_records_the_failure(
    template_json: dict[str, Any],
) -> None:
    name = logical_id(template_json, "AWS::Lambda::EventSourceMapping", "OutboxStreamSource")
    mapping = props(template_json, name)
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRetryAttempts"] == NOTIFIER_RETRY_ATTEMPTS == 5
    assert 60 <= mapping["MaximumRecordAgeInSeconds"] <= 24 * 3600
    failures_id = queue_ids(template_json)["kargo-prod-notify-failures"]
    assert mapping["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": [failures_id, "Arn"]}}
    }
    assert props(template_json, failures_id)["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_scan_runs_on_a_schedule_and_may_be_invoked_by_it(
    template_json: dict[str, Any],
) -> None:
    rule_id = next(k for k in resources(template_json, "AWS::Events::Rule") if "Scan" in k)
    rule = template_json["Resources"][rule_id]
    assert (
        rule["Properties"]["ScheduleExpression"] == f"rate({SETTINGS.scan_every_minutes} minutes)"
    )
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["ScanShipments", "Arn"]}
    permissions = [
        p["Properties"]
        for p in resources(template_json, "AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "events.amazonaws.com"
        and p["Properties"]["FunctionName"] == {"Fn::GetAtt": ["ScanShipments", "Arn"]}
    ]
    assert permissions == [
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Fn::GetAtt": ["ScanShipments", "Arn"]},
            "Principal": "events.amazonaws.com",
            "SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]},
        }
    ]


# -- bus, secret ----------------------------------------------------------------------------


def test_event_bus(template: Any) -> None:
    template.has_resource_properties("AWS::Events::EventBus", {"Name": "kargo"})


def test_secret_holds_every_credential_and_generates_the_merchant_key(
    template_json: dict[str, Any],
) -> None:
    _, secret = app_secret(template_json)
    generate = secret["Properties"]["GenerateSecretString"]
    assert generate["GenerateStringKey"] == "KARGO_MERCHANT_API_KEY"
    keys = set(json.loads(generate["SecretStringTemplate"])) | {generate["GenerateStringKey"]}
    assert keys == set(SECRET_KEYS)
    assert secret["Properties"]["Name"] == "kargo/prod"


# -- alarms ------------------------------------------------------------------------------


def _alarms(template_json: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        a["Properties"]["AlarmName"]: a["Properties"]
        for a in resources(template_json, "AWS::CloudWatch::Alarm").values()
    }


@pytest.mark.parametrize(
    ("alarm", "namespace", "metric", "dimension"),
    [
        (
            "kargo-prod-webhook-dlq-not-empty",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "QueueName",
        ),
        (
            "kargo-prod-notify-failures-not-empty",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "QueueName",
        ),
        (
            "kargo-prod-merchant-webhook-dlq-not-empty",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "QueueName",
        ),
        ("kargo-prod-webhook-backlog", "AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName"),
        ("kargo-prod-consumer-errors", "AWS/Lambda", "Errors", "FunctionName"),
        ("kargo-prod-scan-errors", "AWS/Lambda", "Errors", "FunctionName"),
        ("kargo-prod-notifier-errors", "AWS/Lambda", "Errors", "FunctionName"),
        ("kargo-prod-outbox-stream-iterator-age", "AWS/Lambda", "IteratorAge", "FunctionName"),
        ("kargo-prod-api-5xx", "AWS/ApiGateway", "5XXError", "ApiName"),
    ],
)
def test_alarm(
    template_json: dict[str, Any], alarm: str, namespace: str, metric: str, dimension: str
) -> None:
    found = _alarms(template_json)[alarm]
    assert found["Namespace"] == namespace
    assert found["MetricName"] == metric
    assert dimension in {d["Name"] for d in found["Dimensions"]}
    topic_id = logical_id(template_json, "AWS::SNS::Topic", "AlarmTopic")
    assert found["AlarmActions"] == [{"Ref": topic_id}]
    assert found["TreatMissingData"] == "notBreaching"


def test_alarms_watch_the_right_things(template_json: dict[str, Any]) -> None:
    alarms = _alarms(template_json)
    ids = queue_ids(template_json)

    def dimension(alarm: str) -> Any:
        (only_dimension,) = alarms[alarm]["Dimensions"]
        return only_dimension["Value"]

    assert dimension("kargo-prod-webhook-dlq-not-empty") == {
        "Fn::GetAtt": [ids["kargo-prod-webhooks-dlq"], "QueueName"]
    }
    assert alarms["kargo-prod-webhook-dlq-not-empty"]["Threshold"] == 1
    assert dimension("kargo-prod-consumer-errors") == "kargo-prod-consume_webhooks"
    assert dimension("kargo-prod-notifier-errors") == "kargo-prod-notify_changes"
    assert dimension("kargo-prod-outbox-stream-iterator-age") == "kargo-prod-notify_changes"
    api = {d["Name"]: d["Value"] for d in alarms["kargo-prod-api-5xx"]["Dimensions"]}
    assert api == {"ApiName": "kargo-prod", "Stage": "api"}


# -- outputs and hygiene -------------------------------------------------------------------


def test_outputs_give_operators_what_the_runbook_needs(template_json: dict[str, Any]) -> None:
    outputs = set(template_json["Outputs"])
    assert {
        "EndpointURL",
        "QueueUrl",
        "DeadLetterQueueUrl",
        "NotifyFailureQueueUrl",
        "MerchantWebhookQueueUrl",
        "MerchantWebhookDeadLetterQueueUrl",
        "SecretArn",
        "AlarmTopicArn",
        "TableName",
        "EventBusName",
    } <= outputs


def test_synthesis_leaves_no_packaging_output_in_the_repository(cloud_assembly: Any) -> None:
    assert not (REPO_ROOT / "chalice.out").exists()
    assert not (REPO_ROOT / "infra" / "chalice.out").exists()


# -- ops at 10 million open shipments -------------------------------------------------------


def test_a_failed_scan_run_is_recorded_not_retried(template_json: dict[str, Any]) -> None:
    (config,) = resources(template_json, "AWS::Lambda::EventInvokeConfig").values()
    properties = config["Properties"]
    assert properties["FunctionName"] == {"Ref": "ScanShipments"}
    assert properties["MaximumRetryAttempts"] == 0
    destination = properties["DestinationConfig"]["OnFailure"]["Destination"]
    queue_id = queue_ids(template_json)["kargo-prod-scan-failures"]
    assert destination == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert props(template_json, "ScanShipments")["Timeout"] == 120
    alarms = {
        props(template_json, name)["AlarmName"]
        for name in resources(template_json, "AWS::CloudWatch::Alarm")
    }
    assert {"kargo-prod-scan-failures-not-empty", "kargo-prod-scan-lagging"} <= alarms
    assert {"kargo-prod-email-notifications-failing", "kargo-prod-sms-notifications-failing"} <= (
        alarms
    )


def test_the_token_key_is_generated_in_its_own_secret_read_only_where_tokens_are_handled(
    template_json: dict[str, Any],
) -> None:
    (token_id,) = [
        key
        for key, secret in resources(template_json, "AWS::SecretsManager::Secret").items()
        if secret["Properties"]["Name"] == "kargo/prod/token-key"
    ]
    generate = props(template_json, token_id)["GenerateSecretString"]
    assert generate["GenerateStringKey"] == "KARGO_TOKEN_KEY"
    assert generate["PasswordLength"] >= 32
    readers = []
    for role_id, role in resources(template_json, "AWS::IAM::Role").items():
        text = json.dumps(role["Properties"].get("Policies", []))
        if json.dumps({"Ref": token_id}) in text:
            readers.append(role_id)
    # The API (orders, returns, lookups) and the consumer (shop platforms' orders) only.
    assert len(readers) == 2
    assert all(r.startswith(("APIHandler", "ConsumeWebhooks")) for r in readers), readers
