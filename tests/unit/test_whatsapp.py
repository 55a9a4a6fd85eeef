"""The WhatsApp channel without AWS: template names and parameters per kind and
locale, the request botocore sends, and reading Meta's status events."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botocore.stub import Stubber

from chalicelib.domain.status import Status
from chalicelib.notify import receipts, whatsapp
from chalicelib.notify.render import MessageContext
from local.fakes.whatsapp import DEV_PHONE_NUMBER_ID, SentWhatsApp, WhatsAppFake


def context(kind: str = "out_for_delivery", locale: str = "tr", **extra: Any) -> MessageContext:
    values: dict[str, Any] = {
        "kind": kind,
        "locale": locale,
        "brand": "Kargo",
        "first_name": "Ayşe",
        "carrier": "yurtici",
        "tracking_number": "YT1",
        "status": Status(kind) if kind in {s.value for s in Status} else None,
        "tracking_url": "https://kargo.test/t/tok",
        "unsubscribe_url": "https://kargo.test/t/tok/unsubscribe",
    }
    values.update(extra)
    return MessageContext(**values)


@pytest.mark.parametrize(
    ("kind", "locale", "name"),
    [
        ("out_for_delivery", "tr", "kargo_out_for_delivery_tr"),
        ("delivered", "en", "kargo_delivered_en"),
        ("delayed", "tr", "kargo_delayed_tr"),
        ("order_confirmed", "en", "kargo_order_confirmed_en"),
    ],
)
def test_template_names_follow_the_rule(kind: str, locale: str, name: str) -> None:
    assert whatsapp.template_name(kind, locale) == name


def test_template_names_can_be_overridden_per_kind_or_per_locale() -> None:
    overrides = json.dumps({"delivered": "shop_delivered", "delivered:en": "shop_delivered_en"})
    assert whatsapp.template_name("delivered", "tr", overrides) == "shop_delivered"
    assert whatsapp.template_name("delivered", "en", overrides) == "shop_delivered_en"
    assert whatsapp.template_name("in_transit", "tr", overrides) == "kargo_in_transit_tr"
    with pytest.raises(ValueError, match="JSON object"):
        whatsapp.template_name("delivered", "tr", "[1]")


def test_parameters_are_name_headline_link_in_the_shoppers_language() -> None:
    turkish = whatsapp.template_message(context())
    english = whatsapp.template_message(context(locale="en"))
    assert turkish.language == "tr" and english.language == "en"
    assert turkish.parameters[0] == "Ayşe"
    assert turkish.parameters[1] != english.parameters[1]
    assert "dağıtım" in turkish.parameters[1].lower()
    assert "delivery" in english.parameters[1].lower()
    assert turkish.parameters[2] == "https://kargo.test/t/tok"


def test_a_delay_changes_the_headline_not_the_template() -> None:
    plain = whatsapp.template_message(context())
    late = whatsapp.template_message(context(delayed=True, delay_reason="eta_passed"))
    assert late.name == plain.name
    assert late.parameters[1] != plain.parameters[1]


def test_parameters_meta_would_refuse_are_made_acceptable() -> None:
    nameless = whatsapp.template_message(context(first_name="  "))
    assert nameless.parameters[0] == "Merhaba"
    spaced = whatsapp.template_message(context(first_name="Ay\nşe\t  x     y"))
    assert spaced.parameters[0] == "Ay şe x y"


def test_the_meta_message_object() -> None:
    template = whatsapp.TemplateMessage("kargo_delivered_tr", "tr", ("Ayşe", "Teslim", "url"))
    message = whatsapp.meta_message("+905321234567", template, "1001/ntf_1")
    assert message == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+905321234567",
        "type": "template",
        "template": {
            "name": "kargo_delivered_tr",
            "language": {"policy": "deterministic", "code": "tr"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Ayşe"},
                        {"type": "text", "text": "Teslim"},
                        {"type": "text", "text": "url"},
                    ],
                }
            ],
        },
        "biz_opaque_callback_data": "1001/ntf_1",
    }


def test_the_request_matches_the_service_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's Stubber checks the parameters against SendWhatsAppMessage's model."""
    import boto3

    client = boto3.client(
        "socialmessaging", region_name="eu-central-1", aws_access_key_id="x",
        aws_secret_access_key="x",
    )  # fmt: skip
    template = whatsapp.TemplateMessage("kargo_delivered_tr", "tr", ("Ayşe", "Teslim", "url"))
    message = whatsapp.meta_message("+905321234567", template, "1001/ntf_1")
    expected = {
        "originationPhoneNumberId": DEV_PHONE_NUMBER_ID,
        "message": json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode(),
        "metaApiVersion": "v20.0",
    }
    monkeypatch.setattr(whatsapp.aws, "socialmessaging", lambda: client)
    with Stubber(client) as stub:
        stub.add_response("send_whatsapp_message", {"messageId": "wamid.X"}, expected)
        assert whatsapp.send_whatsapp(DEV_PHONE_NUMBER_ID, "v20.0", message) == "wamid.X"
        stub.assert_no_pending_responses()


def test_the_wire_body_carries_the_message_base64_encoded() -> None:
    """What reaches the service (the fake reads it the same way)."""
    fake = WhatsAppFake(auto_report=False)
    url = fake.start()
    try:
        import boto3

        client = boto3.client(
            "socialmessaging", region_name="eu-central-1", endpoint_url=url,
            aws_access_key_id="x", aws_secret_access_key="x",
        )  # fmt: skip
        template = whatsapp.TemplateMessage("kargo_delivered_tr", "tr", ("Ayşe", "T", "u"))
        message = whatsapp.meta_message("+905321234567", template, "1001/ntf_1")
        client.send_whatsapp_message(
            originationPhoneNumberId=DEV_PHONE_NUMBER_ID,
            message=json.dumps(message).encode(),
            metaApiVersion="v20.0",
        )
        request = fake.requests[0]
        assert (request.method, request.path) == ("POST", "/v1/whatsapp/send")
        body = json.loads(request.body)
        assert json.loads(base64.b64decode(body["message"])) == message
        assert fake.sent[0].parameters == ("Ayşe", "T", "u")
    finally:
        fake.stop()


def test_callback_data_round_trips_and_rejects_strangers() -> None:
    assert whatsapp.parse_callback_data(whatsapp.callback_data("1001", "ntf_ab")) == (
        "1001",
        "ntf_ab",
    )
    for value in (None, 7, "", "1001", "a/b/c", "1001/xyz", "/ntf_1"):
        assert whatsapp.parse_callback_data(value) is None


# --- receipts --------------------------------------------------------------------------


def test_status_moves_go_forward_only() -> None:
    for status, sources in receipts.MOVES_FROM.items():
        if status == "failed":
            continue
        assert all(receipts.RANK[source] < receipts.RANK[status] for source in sources)
    assert "delivered" not in receipts.MOVES_FROM["failed"]
    assert "read" not in receipts.MOVES_FROM["failed"]
    assert not any("failed" in sources for sources in receipts.MOVES_FROM.values())


def sns_event(statuses: list[dict[str, Any]], **header: Any) -> dict[str, Any]:
    entry = {"id": "1", "changes": [{"field": "messages", "value": {"statuses": statuses}}]}
    message = {"context": {}, "whatsAppWebhookEntry": json.dumps(entry), **header}
    return {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": json.dumps(message)}}]}


def test_reading_statuses_from_the_sns_record() -> None:
    event = sns_event(
        [
            {"id": "wamid.A", "status": "delivered", "biz_opaque_callback_data": "1/ntf_1"},
            {
                "id": "wamid.B",
                "status": "failed",
                "errors": [{"code": 132001, "title": "Template does not exist"}],
            },
            {"id": "wamid.C", "status": "deleted"},  # not a status Kargo follows
            {"status": "read"},  # no id
        ]
    )
    found = receipts.receipts_in_sns_record(event["Records"][0])
    assert found == [
        receipts.Receipt("wamid.A", "delivered", None, ("1", "ntf_1")),
        receipts.Receipt("wamid.B", "failed", "132001: Template does not exist", None),
    ]


def test_inbound_messages_are_not_receipts() -> None:
    entry = {"changes": [{"field": "messages", "value": {"messages": [{"id": "wamid.IN"}]}}]}
    assert receipts.parse_statuses(entry) == []


def test_a_failure_without_details_still_has_a_reason() -> None:
    assert receipts.failure_reason({"status": "failed"}) == "whatsapp_failed"
    assert receipts.failure_reason({"errors": [{"code": 131026}]}) == "131026"


def test_the_fake_reports_in_metas_order() -> None:
    fake = WhatsAppFake(auto_report=False)
    ok = SentWhatsApp("wamid.1", "+905321234567", "t", "tr", (), "1/ntf_1")
    gone = SentWhatsApp("wamid.2", "+905321230000", "t", "tr", (), "1/ntf_2")
    assert fake.journey_of(ok) == ["sent", "delivered", "read"]
    assert fake.journey_of(gone) == ["failed"]
    event = fake.receipt_event(gone, "failed")
    (found,) = receipts.receipts_in_sns_record(event["Records"][0])
    assert found == receipts.Receipt("wamid.2", "failed", "131026: Message undeliverable",
                                     ("1", "ntf_2"))  # fmt: skip
