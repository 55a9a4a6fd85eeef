"""CONTRACT.md section 8: cancellation, returns through to the refund, the delayed list."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from chalicelib import store
from chalicelib.scan import scan_due_shipments
from tests.integration.conftest import Kargo, carrier_update, order_payload


def kinds(kargo: Kargo, order_id: str = "1001") -> list[tuple[str, str, str]]:
    body = json.loads(kargo.merchant_get(f"/orders/{order_id}/notifications").body)
    return [(n["channel"], n["kind"], n["status"]) for n in body["notifications"]]


def error_code(response: Any) -> str:
    return str(json.loads(response.body)["error"]["code"])


def test_cancel_before_pickup_tells_the_shopper(kargo: Kargo) -> None:
    order = order_payload()
    order["shipments"].append({"carrier": "aras", "tracking_number": "AR99887766"})
    kargo.register(order)
    kargo.webhook(carrier_update("YT123456789TR", ("info_received", "2026-11-20T09:00:00+03:00")))
    kargo.settle()
    response = kargo.post_json("/orders/1001/cancel", {})
    assert response.status_code == 200
    body = json.loads(response.body)
    assert [s["status"] for s in body["shipments"]] == ["cancelled", "cancelled"]
    kargo.settle()
    # One message per channel for the whole order, not one per shipment.
    assert kinds(kargo) == [("email", "cancelled", "sent"), ("sms", "cancelled", "sent")]
    assert len(kargo.sent_emails()) == 1 and len(kargo.sent_sms()) == 1
    # Cancelling again is the same cancel, and tells no one again.
    assert kargo.post_json("/orders/1001/cancel", {}).status_code == 200
    kargo.settle()
    assert len(kargo.sent_emails()) == 1
    # A cancelled order takes no new shipments and no returns.
    late = kargo.post_json(
        "/orders/1001/shipments", {"carrier": "mng", "tracking_number": "MNG1234"}
    )
    assert (late.status_code, error_code(late)) == (409, "conflict")
    back = kargo.post_json(
        "/orders/1001/returns", {"carrier": "aras", "tracking_number": "RET12345"}
    )
    assert (back.status_code, error_code(back)) == (409, "conflict")


def test_the_shops_cancellation_reads_in_the_shoppers_language(kargo: Kargo) -> None:
    token = kargo.register(order_payload())["shipments"][0]["tracking_token"]
    assert kargo.post_json("/orders/1001/cancel", {}).status_code == 200
    kargo.settle()
    for lang, words in (("tr", "Sipariş mağaza tarafından iptal edildi"),
                        ("en", "The shop cancelled the order")):  # fmt: skip
        view = json.loads(kargo.track(token, f"?lang={lang}").body)
        assert view["events"][0]["description"] == words
        page = kargo.client.http.get(f"/t/{token}?lang={lang}").body.decode()
        assert words in page
        assert lang == "en" or "Cancelled by the shop" not in page
    mail = kargo.sent_emails()[-1]
    assert mail["Subject"] == "Kargo: Siparişin iptal edildi"
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Yurtiçi Kargo" in text


def test_cancel_after_pickup_is_refused_and_changes_nothing(kargo: Kargo) -> None:
    kargo.register(order_payload())
    kargo.webhook(carrier_update("YT123456789TR", ("in_transit", "2026-11-21T10:00:00+03:00")))
    kargo.settle()
    response = kargo.post_json("/orders/1001/cancel", {})
    assert (response.status_code, error_code(response)) == (409, "conflict")
    record = store.load_shipment("yurtici", "YT123456789TR")
    assert record is not None and record.state.status.value == "in_transit"
    assert kargo.post_json("/orders/nope/cancel", {}).status_code == 404


def test_a_return_from_registration_to_refund(kargo: Kargo) -> None:
    kargo.register(order_payload())
    kargo.webhook(carrier_update("YT123456789TR", ("delivered", "2026-11-22T15:00:00+03:00")))
    kargo.settle()
    request = {"carrier": "yurtici", "tracking_number": "YTRET000001TR", "reason": "too small"}
    created = kargo.post_json("/orders/1001/returns", request)
    assert created.status_code == 201
    ret = json.loads(created.body)
    assert set(ret) == {"return_id", "carrier", "tracking_number", "tracking_token", "tracking_url"}
    again = kargo.post_json("/orders/1001/returns", request)
    assert (again.status_code, json.loads(again.body)) == (200, ret)

    # The return moves; only its arrival at the shop is news to the shopper.
    kargo.webhook(carrier_update("YTRET000001TR", ("in_transit", "2026-11-24T10:00:00+03:00")))
    kargo.webhook(carrier_update("YTRET000001TR", ("delivered", "2026-11-25T10:00:00+03:00")))
    kargo.settle()
    page = json.loads(kargo.track(ret["tracking_token"]).body)
    assert page["status"] == "delivered"
    order = json.loads(kargo.merchant_get("/orders/1001").body)
    assert [r["return_id"] for r in order["returns"]] == [ret["return_id"]]
    assert order["returns"][0]["status"] == "delivered"

    refund = {"amount": "149.90", "currency": "TRY"}
    path = f"/orders/1001/returns/{ret['return_id']}/refund"
    assert kargo.post_json(path, refund).status_code == 200
    assert kargo.post_json(path, refund).status_code == 200  # the same refund again
    other = kargo.post_json(path, {"amount": "10.00", "currency": "TRY"})
    assert (other.status_code, error_code(other)) == (409, "conflict")
    kargo.settle()
    email_kinds = [kind for channel, kind, _ in kinds(kargo) if channel == "email"]
    assert email_kinds == ["delivered", "return_received", "refunded"]
    refund_text = kargo.sent_emails()[-1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "149,90 TL" in refund_text  # the shopper's locale is Turkish
    assert "Durum" not in refund_text  # a refund never shows a shipment status


def test_refund_validation_and_unknowns(kargo: Kargo) -> None:
    kargo.register(order_payload())
    bad = kargo.post_json("/orders/1001/returns/ret_x/refund", {"amount": "-1", "currency": "TRY"})
    assert (bad.status_code, error_code(bad)) == (400, "validation_error")
    missing = kargo.post_json(
        "/orders/1001/returns/ret_x/refund", {"amount": "1.00", "currency": "TRY"}
    )
    assert (missing.status_code, error_code(missing)) == (404, "not_found")


def test_delayed_list_is_longest_delayed_first_and_pages(kargo: Kargo) -> None:
    for index in range(5):
        kargo.register(order_payload(order_id=f"d{index}", tracking=f"YT{index:09d}TR"))
    record = store.load_shipment("yurtici", "YT000000000TR")
    assert record is not None and record.registration is not None
    start = record.registration.registered_at
    # Shipment i last heard of at start + i hours, so shipment 0 stalls first.
    with kargo.at(start + timedelta(hours=6)):
        for index in range(5):
            at = (start + timedelta(hours=index + 1)).isoformat()
            kargo.webhook(carrier_update(f"YT{index:09d}TR", ("in_transit", at)))
        kargo.settle()
    scan_due_shipments(start + timedelta(hours=80))
    seen: list[str] = []
    path = "/shipments?delayed=true&limit=2"
    while path:
        page = json.loads(kargo.merchant_get(path).body)
        assert len(page["shipments"]) <= 2
        seen += [s["tracking_number"] for s in page["shipments"]]
        path = f"/shipments?delayed=true&limit=2&cursor={page['next']}" if page["next"] else ""
    assert seen == [f"YT{index:09d}TR" for index in range(5)]
    bad = kargo.merchant_get("/shipments?delayed=true&cursor=garbage")
    assert (bad.status_code, error_code(bad)) == (400, "validation_error")
    assert kargo.client.http.get("/shipments?delayed=true").status_code == 401
