"""The notifier: exactly once per (shipment, change, channel), whatever the stream does."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.notify import sms as sms_channel
from tests.integration.conftest import Kargo, carrier_update, order_payload


def outbox_records(kargo: Kargo) -> list[dict[str, Any]]:
    captured: list[dict[str, Any]] = []
    original = kargo.notifier.handler

    def capture(event: dict[str, Any]) -> dict[str, Any]:
        captured.extend(event["Records"])
        result: dict[str, Any] = original(event)
        return result

    kargo.notifier.handler = capture
    kargo.run_notifier()
    kargo.notifier.handler = original
    return captured


def notes(kargo: Kargo, order_id: str = "1001") -> list[tuple[str, str, str]]:
    body = json.loads(kargo.merchant_get(f"/orders/{order_id}/notifications").body)
    return [(n["channel"], n["kind"], n["status"]) for n in body["notifications"]]


def test_stream_redelivery_sends_nothing_twice(kargo: Kargo) -> None:
    kargo.register(order_payload())
    kargo.webhook(carrier_update("YT123456789TR", ("in_transit", "2026-11-21T10:00:00+03:00")))
    kargo.run_consumer()
    records = outbox_records(kargo)
    assert len(records) == 1
    for _ in range(3):  # Lambda may deliver the same record again
        result = kargo.client.lambda_.invoke("notify_changes", {"Records": records}).payload
        assert result == {"batchItemFailures": []}
    assert len(kargo.sent_emails()) == 1
    assert len(kargo.sent_sms()) == 1
    assert sorted(notes(kargo)) == [("email", "in_transit", "sent"), ("sms", "in_transit", "sent")]


def test_messages_are_in_the_customer_locale(kargo: Kargo) -> None:
    order = order_payload()
    order["customer"].update(locale="en", name="John Smith")
    kargo.register(order)
    kargo.webhook(
        carrier_update("YT123456789TR", ("out_for_delivery", "2026-11-22T08:00:00+03:00"))
    )
    kargo.settle()
    mail = kargo.sent_emails()[0]
    assert mail["Subject"] == "Kargo: Your order is out for delivery today"
    html = mail.get_body(("html",))
    assert html is not None and "Hi John," in html.get_content()
    assert "Smith" not in kargo.sent_sms()[0].text
    assert kargo.sent_sms()[0].text.startswith("Kargo: Hi John, your order is out for delivery")


def test_turned_off_channel_is_recorded_as_skipped(kargo: Kargo) -> None:
    kargo.register(order_payload(notifications={"email": True, "sms": False}))
    kargo.webhook(carrier_update("YT123456789TR", ("in_transit", "2026-11-21T10:00:00+03:00")))
    kargo.settle()
    assert kargo.sent_sms() == []
    assert sorted(notes(kargo)) == [
        ("email", "in_transit", "sent"),
        ("sms", "in_transit", "skipped"),
    ]


def test_no_address_no_channel(kargo: Kargo) -> None:
    order = order_payload()
    order["customer"] = {"name": "Ayşe", "email": "ayse@example.com"}
    # SMS asked for without a phone number is refused, not silently dropped.
    refused = kargo.post_json("/orders", order)
    assert refused.status_code == 400
    assert json.loads(refused.body)["error"]["details"][0]["loc"] == ["notifications", "sms"]
    del order["notifications"]
    kargo.register(order)
    kargo.webhook(carrier_update("YT123456789TR", ("in_transit", "2026-11-21T10:00:00+03:00")))
    kargo.settle()
    assert notes(kargo) == [("email", "in_transit", "sent")]


def test_refused_send_is_failed_and_not_retried(
    kargo: Kargo, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(phone: str, text: str) -> str:
        raise ClientError({"Error": {"Code": "InvalidParameter", "Message": "bad"}}, "Publish")

    monkeypatch.setattr(sms_channel, "send_sms", refuse)
    kargo.register(order_payload())
    kargo.webhook(carrier_update("YT123456789TR", ("in_transit", "2026-11-21T10:00:00+03:00")))
    kargo.settle()
    assert sorted(notes(kargo)) == [
        ("email", "in_transit", "sent"),
        ("sms", "in_transit", "failed"),
    ]


def test_throttled_send_is_retried_until_sent(
    kargo: Kargo, monkeypatch: pytest.MonkeyPatch
) -> None:
    real, attempts = sms_channel.send_sms, []

    def throttled_twice(phone: str, text: str) -> str:
        attempts.append(phone)
        if len(attempts) <= 2:
            raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "Publish")
        return real(phone, text)

    monkeypatch.setattr(sms_channel, "send_sms", throttled_twice)
    kargo.register(order_payload())
    kargo.webhook(carrier_update("YT123456789TR", ("in_transit", "2026-11-21T10:00:00+03:00")))
    kargo.settle()
    assert len(attempts) == 3
    assert len(kargo.sent_sms()) == 1
    assert len(kargo.sent_emails()) == 1  # the e-mail was not sent again on the retries
    assert sorted(notes(kargo)) == [("email", "in_transit", "sent"), ("sms", "in_transit", "sent")]


def test_non_notifying_changes_send_nothing(kargo: Kargo) -> None:
    kargo.register(order_payload())
    kargo.webhook(carrier_update("YT123456789TR", ("info_received", "2026-11-20T10:00:00+03:00")))
    kargo.settle()
    assert kargo.sent_emails() == [] and notes(kargo) == []
