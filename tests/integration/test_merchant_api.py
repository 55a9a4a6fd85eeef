"""CONTRACT.md section 5: registering orders and shipments and reading them back."""

from __future__ import annotations

import json

from tests.integration.conftest import Kargo, carrier_update, order_payload


def test_register_is_idempotent_and_tokens_are_opaque(kargo: Kargo) -> None:
    first = kargo.post_json("/orders", order_payload())
    assert first.status_code == 201
    body = json.loads(first.body)
    shipment = body["shipments"][0]
    assert set(shipment) == {"carrier", "tracking_number", "tracking_token", "tracking_url"}
    token = shipment["tracking_token"]
    assert len(token) >= 22 and "1001" not in token and "YT123" not in token
    assert shipment["tracking_url"] == f"https://kargo.test/t/{token}"

    again = kargo.post_json("/orders", order_payload())
    assert (again.status_code, json.loads(again.body)) == (200, body)


def test_order_defaults_and_read_back(kargo: Kargo) -> None:
    order = order_payload(order_id="A-1.b_2")
    del order["notifications"]
    order["customer"] = {"name": "John Smith"}
    order["shipments"][0]["estimated_delivery"] = "2026-11-25"
    kargo.register(order)
    view = json.loads(kargo.merchant_get("/orders/A-1.b_2").body)
    assert view["customer"] == {
        "name": "John Smith",
        "email": None,
        "phone": None,
        "locale": "tr",
        "city": None,
        "country": "TR",
        "commercial_consent": False,
    }
    # No address: e-mail is off unless asked for (and then it would be refused).
    assert view["notifications"] == {"email": False, "sms": False, "whatsapp": False}
    shipment = view["shipments"][0]
    assert shipment["status"] == "pending"
    assert shipment["estimated_delivery"] == "2026-11-25"
    assert shipment["events"] == []


def test_add_shipment_then_again(kargo: Kargo) -> None:
    kargo.register(order_payload(shipments=[]))
    new = {"carrier": "ups", "tracking_number": "1Z999AA10123456784"}
    first = kargo.post_json("/orders/1001/shipments", new)
    assert first.status_code == 201
    again = kargo.post_json("/orders/1001/shipments", new)
    assert (again.status_code, again.body) == (200, first.body)
    view = json.loads(kargo.merchant_get("/orders/1001").body)
    assert [s["tracking_number"] for s in view["shipments"]] == ["1Z999AA10123456784"]


def test_events_that_arrive_before_registration_show_once_it_registers(kargo: Kargo) -> None:
    kargo.webhook(carrier_update("YT555555555TR", ("in_transit", "2026-11-21T10:00:00+03:00")))
    kargo.settle()
    created = kargo.register(order_payload(tracking="YT555555555TR"))
    token = created["shipments"][0]["tracking_token"]
    view = json.loads(kargo.track(token).body)
    assert view["status"] == "in_transit"
    assert len(view["events"]) == 1
    # Past changes are history, not news: nothing was sent for them.
    kargo.settle()
    assert kargo.sent_emails() == []
    # The next change is told.
    kargo.webhook(
        carrier_update("YT555555555TR", ("out_for_delivery", "2026-11-22T08:00:00+03:00"))
    )
    kargo.settle()
    assert [m["Subject"] for m in kargo.sent_emails()] == ["Kargo: Siparişin bugün dağıtımda"]


def test_merchant_view_has_events_newest_first_with_raw_status(kargo: Kargo) -> None:
    kargo.register(order_payload())
    payload = carrier_update(
        "YT123456789TR",
        ("info_received", "2026-11-20T09:00:00+03:00"),
        ("in_transit", "2026-11-21T10:00:00+03:00"),
    )
    payload["events"][1]["carrier_status"] = "TRF"
    kargo.webhook(payload)
    kargo.settle()
    shipment = json.loads(kargo.merchant_get("/orders/1001").body)["shipments"][0]
    assert [e["status"] for e in shipment["events"]] == ["in_transit", "info_received"]
    assert shipment["events"][0]["carrier_status"] == "TRF"
    assert shipment["status"] == "in_transit"


def test_tracking_numbers_are_one_shipment_however_they_are_spelt(kargo: Kargo) -> None:
    created = kargo.register(order_payload(tracking="yt 4000-00001tr"))
    assert created["shipments"][0]["tracking_number"] == "YT400000001TR"
    # The carrier's own spelling reaches the order registered with the shop's.
    kargo.webhook(carrier_update("YT400000001TR", ("in_transit", "2026-11-21T10:00:00+03:00")))
    kargo.settle()
    view = json.loads(kargo.merchant_get("/orders/1001").body)
    assert view["shipments"][0]["status"] == "in_transit"
    # Another order cannot claim the same parcel in another spelling.
    other = kargo.post_json("/orders", order_payload(order_id="1002", tracking="YT400000001TR"))
    assert other.status_code == 409
    again = kargo.post_json("/orders", order_payload(order_id="1003", tracking="Yt-400000001-tR"))
    assert again.status_code == 409
