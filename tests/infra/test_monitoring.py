"""The Monitoring component alone: every alarm notifies the topic when it fires and when it
clears, treats missing data as fine, and watches the right metric; the poller's and
WhatsApp's alarms exist only when app.py declares those functions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.conftest import require_cdk

require_cdk()

from aws_cdk.assertions import Template  # noqa: E402

from infra.components.monitoring import BACKOFF_LOG_TEXT, Monitoring  # noqa: E402
from infra.settings import FUNCTION_NAMES  # noqa: E402
from tests.infra import bare  # noqa: E402

pytestmark = pytest.mark.infra

REQUIRED = ("APIHandler", "ConsumeWebhooks", "NotifyChanges", "ScanShipments")
CORE_ALARMS = {
    "webhook-dlq-not-empty",
    "notify-failures-not-empty",
    "scan-failures-not-empty",
    "scan-lagging",
    "email-notifications-failing",
    "sms-notifications-failing",
    "webhook-backlog",
    "merchant-webhook-dlq-not-empty",
    "consumer-errors",
    "notifier-errors",
    "scan-errors",
    "outbox-stream-iterator-age",
    "api-5xx",
}
POLLER_ALARMS = {
    "poller-errors",
    "poll-requests-errors",
    "poll-request-dlq-not-empty",
    "carrier-backoff",
}
WHATSAPP_ALARMS = {"whatsapp-receipts-errors", "whatsapp-receipts-dlq-not-empty"}


def build(declared: tuple[str, ...], alarm_email: str = "") -> Template:
    scope = bare.stack()
    core = bare.core(scope)
    Monitoring(
        scope,
        "Monitoring",
        prefix="kargo-test",
        api_name="kargo-test",
        alarm_email=alarm_email,
        queues=core.queues,
        declared=declared,
        function_name=lambda logical_id: f"fn-{logical_id}",
        poller_log_group="/aws/lambda/fn-PollCarriers" if "PollCarriers" in declared else None,
    )
    return bare.template(scope)


def alarms(found: Template) -> dict[str, dict[str, Any]]:
    return {
        a["Properties"]["AlarmName"].removeprefix("kargo-test-"): a["Properties"]
        for a in bare.resources(found, "AWS::CloudWatch::Alarm").values()
    }


@pytest.fixture(scope="module")
def everything() -> Template:
    return build(tuple(FUNCTION_NAMES), alarm_email="ops@shop.example")


def test_every_alarm_notifies_the_topic_both_ways(everything: Template) -> None:
    topic_id, topic = bare.only(everything, "AWS::SNS::Topic")
    assert topic["Properties"]["TopicName"] == "kargo-test-alarms"
    found = alarms(everything)
    assert set(found) == CORE_ALARMS | POLLER_ALARMS | WHATSAPP_ALARMS | {"merchant-webhook-errors"}
    for name, alarm in found.items():
        assert alarm["AlarmActions"] == [{"Ref": topic_id}], name
        assert alarm["OKActions"] == [{"Ref": topic_id}], name
        assert alarm["TreatMissingData"] == "notBreaching", name
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold", name
    everything.has_resource_properties(
        "AWS::SNS::Subscription",
        {"Protocol": "email", "Endpoint": "ops@shop.example", "TopicArn": {"Ref": topic_id}},
    )


@pytest.mark.parametrize(
    ("name", "namespace", "metric", "dimensions", "threshold"),
    [
        ("consumer-errors", "AWS/Lambda", "Errors", {"FunctionName": "fn-ConsumeWebhooks"}, 1),
        (
            "outbox-stream-iterator-age",
            "AWS/Lambda",
            "IteratorAge",
            {"FunctionName": "fn-NotifyChanges"},
            10 * 60 * 1000,
        ),
        ("api-5xx", "AWS/ApiGateway", "5XXError", {"ApiName": "kargo-test", "Stage": "api"}, 1),
        ("scan-lagging", "Kargo", "ScanLagSeconds", {"function": "scan", "service": "kargo"}, 900),
        (
            "sms-notifications-failing",
            "Kargo",
            "Notifications",
            {"channel": "sms", "fate": "failed", "service": "kargo"},
            5,
        ),
        ("carrier-backoff", "Kargo", "CarrierBackoffs", {}, 3),
        (
            "whatsapp-receipts-errors",
            "AWS/Lambda",
            "Errors",
            {"FunctionName": "fn-WhatsappReceipts"},
            1,
        ),
    ],
)
def test_an_alarm_watches_its_metric(
    everything: Template,
    name: str,
    namespace: str,
    metric: str,
    dimensions: dict[str, str],
    threshold: float,
) -> None:
    alarm = alarms(everything)[name]
    assert (alarm["Namespace"], alarm["MetricName"]) == (namespace, metric)
    assert {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])} == dimensions
    assert alarm["Threshold"] == threshold


@pytest.mark.parametrize(
    ("name", "queue", "metric"),
    [
        ("webhook-dlq-not-empty", "kargo-test-webhooks-dlq", "ApproximateNumberOfMessagesVisible"),
        (
            "notify-failures-not-empty",
            "kargo-test-notify-failures",
            "ApproximateNumberOfMessagesVisible",
        ),
        (
            "scan-failures-not-empty",
            "kargo-test-scan-failures",
            "ApproximateNumberOfMessagesVisible",
        ),
        (
            "merchant-webhook-dlq-not-empty",
            "kargo-test-merchant-webhooks-dlq",
            "ApproximateNumberOfMessagesVisible",
        ),
        (
            "poll-request-dlq-not-empty",
            "kargo-test-poll-requests-dlq",
            "ApproximateNumberOfMessagesVisible",
        ),
        (
            "whatsapp-receipts-dlq-not-empty",
            "kargo-test-whatsapp-receipts-dlq",
            "ApproximateNumberOfMessagesVisible",
        ),
        ("webhook-backlog", "kargo-test-webhooks", "ApproximateAgeOfOldestMessage"),
    ],
)
def test_a_queue_alarm_watches_its_queue(
    everything: Template, name: str, queue: str, metric: str
) -> None:
    alarm = alarms(everything)[name]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SQS", metric)
    assert alarm["Dimensions"] == [
        {
            "Name": "QueueName",
            "Value": {"Fn::GetAtt": [bare.queue_id(everything, queue), "QueueName"]},
        }
    ]


def test_the_carrier_backoffs_are_counted_from_the_pollers_log(everything: Template) -> None:
    (metric_filter,) = bare.resources(everything, "AWS::Logs::MetricFilter").values()
    properties = metric_filter["Properties"]
    assert properties["LogGroupName"] == "/aws/lambda/fn-PollCarriers"
    assert properties["FilterPattern"] == f'"{BACKOFF_LOG_TEXT}"'
    assert properties["MetricTransformations"] == [
        {
            "MetricNamespace": "Kargo",
            "MetricName": "CarrierBackoffs",
            "MetricValue": "1",
            "DefaultValue": 0,
        }
    ]


def test_only_declared_functions_are_watched() -> None:
    found = build(REQUIRED)
    assert set(alarms(found)) == CORE_ALARMS
    found.resource_count_is("AWS::Logs::MetricFilter", 0)
    found.resource_count_is("AWS::SNS::Subscription", 0)


def test_the_pollers_alarms_need_its_log_group() -> None:
    scope = bare.stack()
    core = bare.core(scope)
    with pytest.raises(ValueError, match="log group"):
        Monitoring(
            scope,
            "Monitoring",
            prefix="kargo-test",
            api_name="kargo-test",
            alarm_email="",
            queues=core.queues,
            declared=(*REQUIRED, "PollCarriers", "PollRequested"),
            function_name=str,
        )


def _dashboard_body(found: Template) -> dict[str, Any]:
    """The dashboard's JSON body, with CloudFormation's Fn::Join of tokens flattened."""
    import json

    _, dashboard = bare.only(found, "AWS::CloudWatch::Dashboard")
    body = dashboard["Properties"]["DashboardBody"]
    if isinstance(body, dict):  # {"Fn::Join": ["", [parts...]]}
        parts = body["Fn::Join"][1]
        body = "".join(p if isinstance(p, str) else "TOKEN" for p in parts)
    parsed: dict[str, Any] = json.loads(body)
    return parsed


def test_the_dashboard_shows_every_alarm_and_what_flows_through(everything: Template) -> None:
    _, dashboard = bare.only(everything, "AWS::CloudWatch::Dashboard")
    assert dashboard["Properties"]["DashboardName"] == "kargo-test"
    widgets = _dashboard_body(everything)["widgets"]
    titles = [w["properties"].get("title") for w in widgets]
    assert titles[0] == "Alarms"
    assert len(widgets[0]["properties"]["alarms"]) == len(alarms(everything))
    for expected in (
        "Webhooks by source", "Events", "Notifications by channel and fate", "Scan",
        "Scan lag (seconds)", "Function errors", "API",
    ):  # fmt: skip
        assert expected in titles, titles
    text = str(widgets)
    # The app's own metrics, by the names and dimensions it writes them with.
    for metric in ("EventsApplied", "WritesSavedByDedupe", "DeadLettered", "ScanLagSeconds"):
        assert metric in text
    expressions = {
        metric[0]["expression"]
        for widget in widgets
        for metric in widget["properties"].get("metrics", [])
        if isinstance(metric[0], dict) and "expression" in metric[0]
    }
    assert "SEARCH('{Kargo,channel,fate,service} MetricName=\"Notifications\"', 'Sum', 300)" in (
        expressions
    )
    assert "SEARCH('{Kargo,source,service} MetricName=\"WebhooksAccepted\"', 'Sum', 300)" in (
        expressions
    )
