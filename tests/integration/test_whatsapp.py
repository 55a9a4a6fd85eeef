"""WhatsApp end to end on moto and the local fake of End User Messaging Social:
the template message sent once and logged, receipts moving it forward only, the
one SMS fallback, quiet hours and the shopper's preferences."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib import aws
from chalicelib.config import reset_settings
from chalicelib.notify import dispatch
from chalicelib.scan import scan_due_shipments
from local.fakes.whatsapp import DEV_PHONE_NUMBER_ID, SentWhatsApp, WhatsAppFake
from tests.integration.conftest import DAYTIME, Kargo, carrier_update, order_payload

TRACKING = "YT123456789TR"
NIGHT = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)  # 22:00 in Istanbul
MORNING = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # 09:00 in Istanbul


@pytest.fixture
def fake(kargo: Kargo, monkeypatch: pytest.MonkeyPatch) -> Iterator[WhatsAppFake]:
    """WhatsApp configured and pointed at the fake; receipts are sent by the tests."""
    whatsapp = WhatsAppFake(auto_report=False)
    monkeypatch.setenv("KARGO_WHATSAPP_ENDPOINT", whatsapp.start())
    monkeypatch.setenv("KARGO_WHATSAPP_PHONE_NUMBER_ID", DEV_PHONE_NUMBER_ID)
    reset_settings()
    aws.socialmessaging.cache_clear()
    yield whatsapp
    whatsapp.stop()
    aws.socialmessaging.cache_clear()


def register(kargo: Kargo, phone: str = "+905321234567", **notifications: bool) -> str:
    order = order_payload(notifications={"email": True, "sms": True, "whatsapp": True})
    order["customer"]["phone"] = phone
    order["notifications"].update(notifications)
    created = kargo.register(order)
    token: str = created["shipments"][0]["tracking_token"]
    return token


def deliver(kargo: Kargo, when: datetime, *events: tuple[str, str]) -> None:
    with kargo.at(when):
        kargo.webhook(carrier_update(TRACKING, *events))
        kargo.settle()


def log(kargo: Kargo, channel: str | None = None) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(
        kargo.merchant_get("/orders/1001/notifications").body
    )["notifications"]
    return [entry for entry in entries if channel is None or entry["channel"] == channel]


def receipt(
    kargo: Kargo, fake: WhatsAppFake, sent: SentWhatsApp, status: str, when: datetime = DAYTIME
) -> Any:
    with kargo.at(when):
        event = fake.receipt_event(sent, status)
        return kargo.client.lambda_.invoke("whatsapp_receipts", event).payload


def whatsapp_status(kargo: Kargo) -> list[tuple[str, str, str | None]]:
    return [(n["kind"], n["status"], n.get("reason")) for n in log(kargo, "whatsapp")]


def test_the_template_message_is_sent_once_and_logged(kargo: Kargo, fake: WhatsAppFake) -> None:
    token = register(kargo)
    deliver(kargo, DAYTIME, ("out_for_delivery", "2026-11-23T11:30:00+03:00"))
    kargo.run_notifier()  # a redelivered stream record sends nothing more
    assert len(fake.sent) == 1
    sent = fake.sent[0]
    assert sent.recipient == "+905321234567"
    assert (sent.template, sent.language) == ("kargo_out_for_delivery_tr", "tr")
    assert sent.parameters[0] == "Ayşe"
    assert "dağıtım" in sent.parameters[1].lower()
    assert sent.parameters[2] == f"https://kargo.test/t/{token}"
    assert whatsapp_status(kargo) == [("out_for_delivery", "sent", None)]
    # WhatsApp carried it: no SMS besides, the SMS waits as the fallback.
    assert kargo.sent_sms() == []
    assert [(n["status"], n["reason"]) for n in log(kargo, "sms")] == [("skipped", "via_whatsapp")]
    assert [n["status"] for n in log(kargo, "email")] == ["sent"]


def test_english_orders_get_the_english_template(kargo: Kargo, fake: WhatsAppFake) -> None:
    order = order_payload(notifications={"email": False, "whatsapp": True})
    order["customer"]["locale"] = "en"
    kargo.register(order)
    deliver(kargo, DAYTIME, ("delivered", "2026-11-23T11:30:00+03:00"))
    assert [(s.template, s.language) for s in fake.sent] == [("kargo_delivered_en", "en")]


def test_receipts_move_it_forward_only(kargo: Kargo, fake: WhatsAppFake) -> None:
    register(kargo)
    deliver(kargo, DAYTIME, ("out_for_delivery", "2026-11-23T11:30:00+03:00"))
    sent = fake.sent[0]
    receipt(kargo, fake, sent, "sent")
    assert whatsapp_status(kargo) == [("out_for_delivery", "sent", None)]
    receipt(kargo, fake, sent, "delivered")
    assert whatsapp_status(kargo) == [("out_for_delivery", "delivered", None)]
    assert receipt(kargo, fake, sent, "delivered") == {"applied": 0, "ignored": 1}
    receipt(kargo, fake, sent, "sent")  # late
    assert whatsapp_status(kargo) == [("out_for_delivery", "delivered", None)]
    receipt(kargo, fake, sent, "read")
    receipt(kargo, fake, sent, "delivered")  # late
    receipt(kargo, fake, sent, "failed")  # a failure after the shopper read it
    assert whatsapp_status(kargo) == [("out_for_delivery", "read", None)]
    assert kargo.sent_sms() == []


def test_read_before_delivered_ends_read(kargo: Kargo, fake: WhatsAppFake) -> None:
    register(kargo)
    deliver(kargo, DAYTIME, ("out_for_delivery", "2026-11-23T11:30:00+03:00"))
    sent = fake.sent[0]
    receipt(kargo, fake, sent, "read")
    receipt(kargo, fake, sent, "delivered")
    receipt(kargo, fake, sent, "sent")
    assert whatsapp_status(kargo) == [("out_for_delivery", "read", None)]


def test_a_receipt_for_a_message_kargo_did_not_send_is_ignored(
    kargo: Kargo, fake: WhatsAppFake
) -> None:
    stranger = SentWhatsApp("wamid.OTHER", "+905551112233", "promo", "tr", (), None)
    assert receipt(kargo, fake, stranger, "read") == {"applied": 0, "ignored": 1}
    bad = {"Records": [{"Sns": {"Message": "not json"}}]}
    assert kargo.client.lambda_.invoke("whatsapp_receipts", bad).payload == {
        "applied": 0,
        "ignored": 1,
    }


def test_a_receipt_before_the_send_was_recorded_finds_its_entry(
    kargo: Kargo, fake: WhatsAppFake
) -> None:
    """Meta echoes the entry's reference: the message id lookup is not needed."""
    register(kargo)
    deliver(kargo, DAYTIME, ("out_for_delivery", "2026-11-23T11:30:00+03:00"))
    sent = fake.sent[0]
    aws.dynamodb().delete_item(
        TableName="kargo",
        Key={"pk": {"S": f"WAMSG#{sent.message_id}"}, "sk": {"S": "WAMSG"}},
    )
    receipt(kargo, fake, sent, "delivered")
    assert whatsapp_status(kargo) == [("out_for_delivery", "delivered", None)]


def test_a_failed_message_falls_back_to_exactly_one_sms(kargo: Kargo, fake: WhatsAppFake) -> None:
    register(kargo, phone="+905321230000")  # the fake: no WhatsApp on this number
    deliver(kargo, DAYTIME, ("out_for_delivery", "2026-11-23T11:30:00+03:00"))
    sent = fake.sent[0]
    assert fake.journey_of(sent) == ["failed"]
    assert kargo.sent_sms() == []
    receipt(kargo, fake, sent, "failed")
    receipt(kargo, fake, sent, "failed")  # twice
    receipt(kargo, fake, sent, "read")  # and something late: failed is final
    assert whatsapp_status(kargo) == [
        ("out_for_delivery", "failed", "131026: Message undeliverable")
    ]
    texts = [sms.text for sms in kargo.sent_sms()]
    assert len(texts) == 1 and "dağıtım" in texts[0].lower()
    sms = [(n["kind"], n["status"], n.get("reason")) for n in log(kargo, "sms")]
    assert sorted(sms, key=str) == [
        ("out_for_delivery", "sent", None),
        ("out_for_delivery", "skipped", "via_whatsapp"),
    ]


def test_no_fallback_when_the_order_has_sms_off(kargo: Kargo, fake: WhatsAppFake) -> None:
    register(kargo, phone="+905321230000", sms=False)
    deliver(kargo, DAYTIME, ("out_for_delivery", "2026-11-23T11:30:00+03:00"))
    receipt(kargo, fake, fake.sent[0], "failed")
    assert kargo.sent_sms() == []
    assert [(n["status"], n["reason"]) for n in log(kargo, "sms")] == [("skipped", "opted_out")]


def test_a_refusal_at_send_time_falls_back_at_once(kargo: Kargo, fake: WhatsAppFake) -> None:
    register(kargo, phone="+905321239999")  # the fake refuses this recipient
    deliver(kargo, DAYTIME, ("out_for_delivery", "2026-11-23T11:30:00+03:00"))
    kargo.run_notifier()
    assert fake.sent == []
    assert whatsapp_status(kargo) == [("out_for_delivery", "failed", "InvalidParametersException")]
    assert len(kargo.sent_sms()) == 1


def test_quiet_hours_hold_whatsapp_and_only_the_newest_goes_out(
    kargo: Kargo, fake: WhatsAppFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dispatch, "utc_now", lambda: NIGHT)
    register(kargo)
    deliver(kargo, NIGHT, ("out_for_delivery", "2026-11-23T21:30:00+03:00"))
    deliver(kargo, NIGHT + timedelta(minutes=55), ("delivered", "2026-11-23T22:50:00+03:00"))
    assert fake.sent == []
    assert whatsapp_status(kargo) == [
        ("out_for_delivery", "held", "quiet_hours"),
        ("delivered", "held", "quiet_hours"),
    ]
    with kargo.at(MORNING):
        scan_due_shipments(MORNING)
        scan_due_shipments(MORNING + timedelta(minutes=1))
    assert [s.template for s in fake.sent] == ["kargo_delivered_tr"]
    assert whatsapp_status(kargo) == [
        ("out_for_delivery", "skipped", "superseded"),
        ("delivered", "sent", None),
    ]
    assert kargo.sent_sms() == []
    receipt(kargo, fake, fake.sent[0], "delivered", MORNING)
    assert whatsapp_status(kargo)[1] == ("delivered", "delivered", None)


def test_a_failure_reported_at_night_holds_the_fallback_sms(
    kargo: Kargo, fake: WhatsAppFake
) -> None:
    register(kargo, phone="+905321230000")
    deliver(kargo, DAYTIME, ("out_for_delivery", "2026-11-23T11:30:00+03:00"))
    receipt(kargo, fake, fake.sent[0], "failed", NIGHT)
    assert kargo.sent_sms() == []
    held = [(n["status"], n.get("reason")) for n in log(kargo, "sms")]
    assert ("held", "quiet_hours") in held
    with kargo.at(MORNING):
        scan_due_shipments(MORNING)
    assert len(kargo.sent_sms()) == 1


def test_turning_whatsapp_off_skips_it_and_sms_goes_again(kargo: Kargo, fake: WhatsAppFake) -> None:
    token = register(kargo)
    response = kargo.post_json(f"/track/{token}/preferences", {"whatsapp": False})
    assert response.status_code == 200
    deliver(kargo, DAYTIME, ("out_for_delivery", "2026-11-23T11:30:00+03:00"))
    assert fake.sent == []
    assert whatsapp_status(kargo) == [("out_for_delivery", "skipped", "opted_out")]
    assert len(kargo.sent_sms()) == 1


def test_without_a_phone_number_id_whatsapp_is_not_a_channel(kargo: Kargo) -> None:
    register(kargo)
    deliver(kargo, DAYTIME, ("out_for_delivery", "2026-11-23T11:30:00+03:00"))
    assert log(kargo, "whatsapp") == []
    assert [n["status"] for n in log(kargo, "sms")] == ["sent"]


def test_the_email_only_kinds_never_go_by_whatsapp(kargo: Kargo, fake: WhatsAppFake) -> None:
    from chalicelib.notify.dispatch import EMAIL_ONLY_KINDS

    assert "feedback_request" in EMAIL_ONLY_KINDS
    register(kargo)
    deliver(kargo, DAYTIME, ("delivered", "2026-11-23T11:30:00+03:00"))
    assert [s.template for s in fake.sent] == ["kargo_delivered_tr"]


# --- the settings page ------------------------------------------------------------------


def checkboxes(kargo: Kargo, token: str) -> dict[str, bool]:
    from tests.integration.page_helpers import attributes

    html = kargo.client.http.get(f"/t/{token}/preferences?lang=en").body.decode()
    return {
        box["name"]: "checked" in box
        for box in attributes(html, "input")
        if box.get("type") == "checkbox"
    }


def test_the_settings_page_offers_whatsapp_when_the_shop_has_it(
    kargo: Kargo, fake: WhatsAppFake
) -> None:
    from tests.integration.page_helpers import post_form

    token = register(kargo)
    assert checkboxes(kargo, token) == {"email": True, "sms": True, "whatsapp": True}
    fields = [("lang", "en"), ("shown", "email"), ("shown", "sms"), ("shown", "whatsapp"),
              ("email", "on"), ("sms", "on")]  # fmt: skip
    assert post_form(kargo, f"/track/{token}/preferences", fields).status_code == 303
    assert checkboxes(kargo, token) == {"email": True, "sms": True, "whatsapp": False}
    order = json.loads(kargo.merchant_get("/orders/1001").body)
    assert order["notifications"] == {"email": True, "sms": True, "whatsapp": False}


def test_the_settings_page_has_no_whatsapp_without_it(kargo: Kargo) -> None:
    token = register(kargo)
    assert checkboxes(kargo, token) == {"email": True, "sms": True}


def test_a_throttled_send_is_retried_and_sent_once(kargo: Kargo, fake: WhatsAppFake) -> None:
    register(kargo)
    fake.throttle_next(1)
    deliver(kargo, DAYTIME, ("out_for_delivery", "2026-11-23T11:30:00+03:00"))
    kargo.run_notifier()
    assert len(fake.requests) == 2  # throttled, then the one that went out
    assert len(fake.sent) == 1
    assert whatsapp_status(kargo) == [("out_for_delivery", "sent", None)]
    assert kargo.sent_sms() == []
