"""The WhatsApp block of the stack: the one sender's send permission, the event topic
feeding the receipts function, its dead-letter queue and alarms."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.conftest import WHATSAPP_PHONE_NUMBER_ID, require_cdk

require_cdk()


def resources_of(template_json: dict[str, Any], kind: str) -> dict[str, Any]:
    return {
        name: resource
        for name, resource in template_json["Resources"].items()
        if resource["Type"] == kind
    }


def statements_of(template_json: dict[str, Any], function: str) -> list[dict[str, Any]]:
    role = template_json["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    (policy,) = template_json["Resources"][role]["Properties"]["Policies"]
    statements: list[dict[str, Any]] = policy["PolicyDocument"]["Statement"]
    return statements


def test_the_phone_number_arn() -> None:
    from infra.components.roles import whatsapp_phone_number_arn

    assert whatsapp_phone_number_arn(WHATSAPP_PHONE_NUMBER_ID, "aws", "eu-central-1", "1") == (
        "arn:aws:social-messaging:eu-central-1:1:phone-number-id/0123456789abcdef0123456789abcdef"
    )
    arn = "arn:aws:social-messaging:eu-central-1:1:phone-number-id/abc"
    assert whatsapp_phone_number_arn(arn, "aws", "eu-central-1", "1") == arn


@pytest.mark.parametrize("function", ["NotifyChanges", "ScanShipments"])
def test_only_the_senders_may_send_and_only_through_the_one_number(
    template_json: dict[str, Any], function: str
) -> None:
    (statement,) = [
        s for s in statements_of(template_json, function) if s.get("Sid") == "SendWhatsApp"
    ]
    assert statement["Action"] == "social-messaging:SendWhatsAppMessage"
    resource = statement["Resource"]["Fn::Join"][1]
    text = "".join(part for part in resource if isinstance(part, str))
    assert text.startswith("arn:") and ":social-messaging:" in text
    assert text.endswith(":phone-number-id/0123456789abcdef0123456789abcdef")
    others = ["APIHandler", "ConsumeWebhooks", "WhatsappReceipts"]
    for other in others:
        actions = [s["Action"] for s in statements_of(template_json, other)]
        assert "social-messaging:SendWhatsAppMessage" not in str(actions)


def test_the_receipts_function_is_fed_by_the_event_topic(template_json: dict[str, Any]) -> None:
    topics = resources_of(template_json, "AWS::SNS::Topic")
    (topic_id,) = [
        name
        for name, topic in topics.items()
        if topic["Properties"]["TopicName"] == "kargo-prod-whatsapp-events"
    ]
    (subscription,) = resources_of(template_json, "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Protocol"] == "lambda"
    assert subscription["Properties"]["TopicArn"] == {"Ref": topic_id}
    assert subscription["Properties"]["Endpoint"] == {"Fn::GetAtt": ["WhatsappReceipts", "Arn"]}
    permissions = [
        p["Properties"]
        for p in resources_of(template_json, "AWS::Lambda::Permission").values()
        if p["Properties"].get("Principal") == "sns.amazonaws.com"
    ]
    assert [p["SourceArn"] for p in permissions] == [{"Ref": topic_id}]
    (policy,) = [
        p["Properties"]
        for p in resources_of(template_json, "AWS::SNS::TopicPolicy").values()
        if {"Ref": topic_id} in p["Properties"]["Topics"]
    ]
    publishers = [
        s["Principal"]
        for s in policy["PolicyDocument"]["Statement"]
        if s["Effect"] == "Allow" and s["Action"] == "sns:Publish"
    ]
    assert publishers == [{"Service": "social-messaging.amazonaws.com"}]


def test_failed_receipts_are_dead_lettered_and_alarmed(template_json: dict[str, Any]) -> None:
    function = template_json["Resources"]["WhatsappReceipts"]["Properties"]
    assert function["DeadLetterQueue"]["Type"] == "SQS"
    queue_id = function["DeadLetterQueue"]["TargetArn"]["Fn::GetAtt"][0]
    assert template_json["Resources"][queue_id]["Properties"]["QueueName"] == (
        "kargo-prod-whatsapp-receipts-dlq"
    )
    names = {
        alarm["Properties"]["AlarmName"]
        for alarm in resources_of(template_json, "AWS::CloudWatch::Alarm").values()
    }
    assert {
        "kargo-prod-whatsapp-receipts-errors",
        "kargo-prod-whatsapp-receipts-dlq-not-empty",
    } <= names
    env = function["Environment"]["Variables"]
    assert env["KARGO_WHATSAPP_PHONE_NUMBER_ID"] == WHATSAPP_PHONE_NUMBER_ID
