"""The whole flow on moto: register, webhook, consumer, lookup, notifier."""

from __future__ import annotations

import json

from tests.integration.conftest import Kargo, carrier_update, order_payload


def test_webhook_moves_status_and_notifies_once_per_channel(kargo: Kargo) -> None:
    created = kargo.register(order_payload())
    token = created["shipments"][0]["tracking_token"]
    assert json.loads(kargo.track(token).body)["status"] == "pending"

    response = kargo.webhook(
        carrier_update(
            "YT123456789TR",
            ("info_received", "2026-11-20T09:00:00+03:00"),
            ("in_transit", "2026-11-21T10:00:00+03:00"),
        )
    )
    assert response.status_code == 202
    assert json.loads(response.body) == {"accepted": True}
    kargo.settle()

    view = json.loads(kargo.track(token).body)
    assert view["status"] == "in_transit"
    assert view["status_label"] == "Yolda"
    assert [e["occurred_at"] for e in view["events"]] == [
        "2026-11-21T07:00:00Z",
        "2026-11-20T06:00:00Z",
    ]

    mails = kargo.sent_emails()
    assert len(mails) == 1
    assert mails[0]["To"] == "ayse@example.com"
    assert "List-Unsubscribe" in mails[0]
    body = mails[0].get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Ayşe" in text and f"https://kargo.test/t/{token}" in text
    sms = kargo.sent_sms()
    assert len(sms) == 1 and sms[0].phone == "+905321234567" and "Ayşe" in sms[0].text

    # Redelivery: nothing new stored, nobody told again.
    kargo.webhook(carrier_update("YT123456789TR", ("in_transit", "2026-11-21T10:00:00+03:00")))
    kargo.settle()
    assert len(kargo.sent_emails()) == 1 and len(kargo.sent_sms()) == 1

    notes = json.loads(kargo.merchant_get("/orders/1001/notifications").body)["notifications"]
    assert sorted((n["channel"], n["kind"], n["status"]) for n in notes) == [
        ("email", "in_transit", "sent"),
        ("sms", "in_transit", "sent"),
    ]
