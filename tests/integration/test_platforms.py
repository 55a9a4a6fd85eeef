"""Shop platforms as sources, on moto: Shopify and WooCommerce webhooks register
orders and shipments by themselves, and the shopper hears about them."""

from __future__ import annotations

import json
import uuid
from typing import Any

from chalicelib import store
from tests.integration.conftest import Kargo, carrier_update
from tests.unit.platforms.payloads import (
    fixture,
    shopify_fulfillment,
    sign,
    turkish_shopify_order,
    turkish_woocommerce_order,
    with_tracking,
)


def shopify(
    kargo: Kargo,
    topic: str,
    payload: Any,
    delivery_id: str | None = None,
    secret: str = "dev-shopify-secret",
) -> Any:
    raw = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign(secret, raw),
        "X-Shopify-Webhook-Id": delivery_id or str(uuid.uuid4()),
        "X-Shopify-Shop-Domain": "kargo-test.myshopify.com",
        "X-Shopify-API-Version": "2026-07",
    }
    return kargo.client.http.post("/webhooks/shopify", body=raw, headers=headers)


def woocommerce(kargo: Kargo, topic: str, payload: Any, delivery_id: str | None = None) -> Any:
    raw = json.dumps(payload).encode()
    resource, event = topic.split(".")
    headers = {
        "Content-Type": "application/json",
        "X-WC-Webhook-Source": "https://shop.example.com/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": sign("dev-woocommerce-secret", raw),
        "X-WC-Webhook-ID": "12",
        "X-WC-Webhook-Delivery-ID": delivery_id or uuid.uuid4().hex,
    }
    return kargo.client.http.post("/webhooks/woocommerce", body=raw, headers=headers)


def order(kargo: Kargo, order_id: str = "1001") -> dict[str, Any]:
    response = kargo.merchant_get(f"/orders/{order_id}")
    assert response.status_code == 200, response.body
    body: dict[str, Any] = json.loads(response.body)
    return body


def notes(kargo: Kargo, order_id: str = "1001") -> list[tuple[str, str, str]]:
    body = json.loads(kargo.merchant_get(f"/orders/{order_id}/notifications").body)
    return [(n["channel"], n["kind"], n["status"]) for n in body["notifications"]]


def changes(kargo: Kargo, order_id: str = "1001") -> list[str]:
    return [entry["change"] for entry in order(kargo, order_id)["changes"]]


def mail_text(message: Any) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def test_shopify_order_then_fulfillment_is_tracked_and_notifies(kargo: Kargo) -> None:
    assert shopify(kargo, "orders/create", turkish_shopify_order()).status_code == 202
    kargo.settle()
    registered = order(kargo)
    assert registered["customer"] == {
        "name": "Ayşe Yılmaz",
        "email": "ayse@example.com",
        "phone": "+905321234567",
        "locale": "tr",
        "city": "İstanbul",
        "country": "TR",
        "commercial_consent": False,
    }
    assert registered["notifications"] == {"email": True, "sms": False, "whatsapp": False}
    assert registered["shipments"] == []
    assert registered["source"]["platform"] == "shopify"
    assert notes(kargo) == []  # no order_confirmed: Shopify confirmed the order
    assert kargo.sent_emails() == []

    response = shopify(kargo, "fulfillments/create", shopify_fulfillment())
    assert (response.status_code, json.loads(response.body)) == (202, {"accepted": True})
    kargo.settle()
    (shipment,) = order(kargo)["shipments"]
    assert (shipment["carrier"], shipment["tracking_number"]) == ("yurtici", "YT123456789TR")
    assert shipment["tracking_url"] == f"https://kargo.test/t/{shipment['tracking_token']}"
    assert changes(kargo) == ["registered", "shipment_added"]

    token = shipment["tracking_token"]
    tracked = kargo.track(token)
    assert tracked.status_code == 200
    view = json.loads(tracked.body)
    assert (view["status"], view["customer_first_name"]) == ("pending", "Ayşe")
    assert "ayse@example.com" not in tracked.body.decode()
    page = kargo.client.http.get(f"/t/{token}")
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]

    kargo.webhook(carrier_update("YT123456789TR", ("in_transit", "2026-11-21T10:00:00+03:00")))
    kargo.settle()
    (mail,) = kargo.sent_emails()
    assert mail["To"] == "ayse@example.com"
    assert "Ayşe" in mail_text(mail) and f"https://kargo.test/t/{token}" in mail_text(mail)
    assert kargo.sent_sms() == []  # SMS is off unless the shopper turns it on
    assert notes(kargo) == [("email", "in_transit", "sent"), ("sms", "in_transit", "skipped")]


def test_woocommerce_order_with_tracking_items_is_tracked_and_notifies(kargo: Kargo) -> None:
    created = turkish_woocommerce_order()
    assert woocommerce(kargo, "order.created", created).status_code == 202
    updated = with_tracking(
        turkish_woocommerce_order(status="completed"), ("Aras Kargo", "AR 9988-7766")
    )
    assert woocommerce(kargo, "order.updated", updated).status_code == 202
    kargo.settle()
    view = order(kargo, "2001")
    assert view["customer"]["phone"] == "+905337654321"
    (shipment,) = view["shipments"]
    assert (shipment["carrier"], shipment["tracking_number"]) == ("aras", "AR99887766")
    assert kargo.track(shipment["tracking_token"]).status_code == 200
    assert kargo.client.http.get(f"/t/{shipment['tracking_token']}").status_code == 200

    update = carrier_update("AR99887766", ("in_transit", "2026-11-21T10:00:00+03:00"))
    kargo.webhook(update | {"carrier": "aras"})
    kargo.settle()
    (mail,) = kargo.sent_emails()
    assert mail["To"] == "mehmet@example.com" and "Mehmet" in mail_text(mail)
    assert notes(kargo, "2001")[0] == ("email", "in_transit", "sent")


def test_a_redelivery_changes_nothing(kargo: Kargo) -> None:
    shopify(kargo, "orders/create", turkish_shopify_order(), delivery_id="d-1")
    shopify(kargo, "fulfillments/create", shopify_fulfillment(), delivery_id="d-2")
    kargo.settle()
    stored = store.load_order("1001")
    assert stored is not None
    # The same deliveries again (Shopify's retry), then the same content under new ids.
    assert (
        shopify(kargo, "orders/create", turkish_shopify_order(), delivery_id="d-1").status_code
        == 202
    )
    shopify(kargo, "fulfillments/create", shopify_fulfillment(), delivery_id="d-2")
    shopify(kargo, "orders/updated", turkish_shopify_order())
    shopify(kargo, "fulfillments/update", shopify_fulfillment())
    kargo.settle()
    again = store.load_order("1001")
    assert again is not None and again.version == stored.version
    assert len(order(kargo)["shipments"]) == 1
    assert kargo.dead_letters() == []


def test_a_fulfillment_and_a_refund_before_their_order_are_attached_when_it_arrives(
    kargo: Kargo,
) -> None:
    refund = fixture("shopify", "refunds-create") | {"order_id": 5_566_778_899}
    assert shopify(kargo, "fulfillments/create", shopify_fulfillment()).status_code == 202
    assert shopify(kargo, "refunds/create", refund).status_code == 202
    kargo.settle()
    assert kargo.merchant_get("/orders/1001").status_code == 404
    assert kargo.dead_letters() == []

    shopify(kargo, "orders/create", turkish_shopify_order())
    kargo.settle()
    view = order(kargo)
    assert [(s["carrier"], s["tracking_number"]) for s in view["shipments"]] == [
        ("yurtici", "YT123456789TR")
    ]
    assert [(r["refund_id"], r["amount"]) for r in view["refunds"]] == [
        ("890088186047892319", "85.00")
    ]
    assert [kind for channel, kind, _ in notes(kargo) if channel == "email"] == ["refunded"]
    kargo.webhook(carrier_update("YT123456789TR", ("in_transit", "2026-11-21T10:00:00+03:00")))
    kargo.settle()
    assert [kind for channel, kind, _ in notes(kargo) if channel == "email"] == [
        "refunded",
        "in_transit",
    ]


def test_cancellation_before_pickup_cancels_and_tells_the_shopper(kargo: Kargo) -> None:
    shopify(kargo, "orders/create", turkish_shopify_order())
    shopify(kargo, "fulfillments/create", shopify_fulfillment())
    kargo.settle()
    cancelled = turkish_shopify_order(
        cancelled_at="2026-11-20T12:00:00+03:00",
        cancel_reason="customer",
        updated_at="2026-11-20T12:00:00+03:00",
    )
    shopify(kargo, "orders/cancelled", cancelled)
    kargo.settle()
    view = order(kargo)
    assert [s["status"] for s in view["shipments"]] == ["cancelled"]
    assert view["cancellation"]["outcome"] == "cancelled"
    assert changes(kargo)[-1] == "cancelled"
    assert ("email", "cancelled", "sent") in notes(kargo)
    # Shopify's orders/updated after the cancel carries cancelled_at again: nothing new.
    shopify(kargo, "orders/updated", cancelled)
    kargo.settle()
    assert len(kargo.sent_emails()) == 1


def test_cancellation_after_pickup_is_recorded_not_refused(kargo: Kargo) -> None:
    shopify(kargo, "orders/create", turkish_shopify_order())
    shopify(kargo, "fulfillments/create", shopify_fulfillment())
    kargo.settle()
    kargo.webhook(carrier_update("YT123456789TR", ("in_transit", "2026-11-21T10:00:00+03:00")))
    kargo.settle()
    shopify(kargo, "orders/cancelled", turkish_shopify_order(cancelled_at="2026-11-21T12:00:00Z"))
    kargo.settle()
    view = order(kargo)
    assert [s["status"] for s in view["shipments"]] == ["in_transit"]
    assert view["cancellation"]["outcome"] == "cancel_refused"
    assert kargo.dead_letters() == []


def test_woocommerce_cancelled_status_cancels(kargo: Kargo) -> None:
    placed = with_tracking(turkish_woocommerce_order(), ("PTT Kargo", "PTT0000000001"))
    woocommerce(kargo, "order.created", placed)
    kargo.settle()
    woocommerce(kargo, "order.updated", placed | {"status": "cancelled"})
    kargo.settle()
    view = order(kargo, "2001")
    assert [(s["carrier"], s["status"]) for s in view["shipments"]] == [("ptt", "cancelled")]
    assert ("email", "cancelled", "sent") in notes(kargo, "2001")


def test_a_refund_is_recorded_once_and_the_shopper_told_what_was_refunded(kargo: Kargo) -> None:
    shopify(kargo, "orders/create", turkish_shopify_order())
    shopify(kargo, "fulfillments/create", shopify_fulfillment())
    kargo.settle()
    refund = fixture("shopify", "refunds-create") | {"order_id": 5_566_778_899}
    shopify(kargo, "refunds/create", refund)
    kargo.settle()
    (mail,) = kargo.sent_emails()
    assert "85,00 USD" in mail_text(mail)  # the Turkish money format
    # The same refund again: under a new delivery id, and inside the order's refunds.
    shopify(kargo, "refunds/create", refund)
    shopify(kargo, "orders/updated", turkish_shopify_order(refunds=[refund]))
    kargo.settle()
    assert len(kargo.sent_emails()) == 1
    view = order(kargo)
    assert [(r["amount"], r["currency"]) for r in view["refunds"]] == [("85.00", "USD")]
    assert changes(kargo).count("refunded") == 1


def test_woocommerce_refunds_on_the_order_are_recorded(kargo: Kargo) -> None:
    placed = with_tracking(turkish_woocommerce_order(), ("Sürat Kargo", "SR0000000001"))
    woocommerce(kargo, "order.created", placed)
    kargo.settle()
    refunded = placed | {"refunds": [{"id": 3001, "reason": "hasarlı", "total": "-49.90"}]}
    woocommerce(kargo, "order.updated", refunded)
    kargo.settle()
    assert [
        (r["refund_id"], r["amount"], r["currency"]) for r in order(kargo, "2001")["refunds"]
    ] == [("3001", "49.90", "TRY")]
    assert ("email", "refunded", "sent") in notes(kargo, "2001")


def test_a_customer_email_change_updates_the_order_and_later_messages(kargo: Kargo) -> None:
    shopify(kargo, "orders/create", turkish_shopify_order())
    shopify(kargo, "fulfillments/create", shopify_fulfillment())
    kargo.settle()
    newer = turkish_shopify_order(
        email="ayse.yilmaz@example.com", updated_at="2026-11-20T11:00:00+03:00"
    )
    assert shopify(kargo, "orders/updated", newer).status_code == 202
    kargo.settle()
    view = order(kargo)
    assert view["customer"]["email"] == "ayse.yilmaz@example.com"
    change = view["changes"][-1]
    assert change["change"] == "customer_updated" and change["topic"] == "orders/updated"
    assert change["fields"] == {
        "email": {"from": "ayse@example.com", "to": "ayse.yilmaz@example.com"}
    }
    # A late delivery of the older state does not undo the change.
    shopify(kargo, "orders/updated", turkish_shopify_order())
    kargo.settle()
    assert order(kargo)["customer"]["email"] == "ayse.yilmaz@example.com"

    kargo.webhook(carrier_update("YT123456789TR", ("in_transit", "2026-11-21T10:00:00+03:00")))
    kargo.settle()
    (mail,) = kargo.sent_emails()
    assert mail["To"] == "ayse.yilmaz@example.com"


def test_woocommerce_ping_gets_200_and_stores_nothing(kargo: Kargo) -> None:
    ping = kargo.client.http.post(
        "/webhooks/woocommerce",
        body=b"webhook_id=12",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "WooCommerce/9.4.0 Hookshot (WordPress/6.7)",
        },
    )
    assert ping.status_code == 200
    assert kargo.run_consumer() == 0
    # Any other form body is no ping: JSON only, as for every webhook.
    other = kargo.client.http.post(
        "/webhooks/woocommerce",
        body=b"action=woocommerce_x&arg=1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert other.status_code == 415
    shopify_form = kargo.client.http.post(
        "/webhooks/shopify",
        body=b"webhook_id=12",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert shopify_form.status_code == 415
    assert kargo.run_consumer() == 0


def test_a_bad_signature_is_refused_and_nothing_is_kept(kargo: Kargo) -> None:
    response = shopify(kargo, "orders/create", turkish_shopify_order(), secret="wrong")
    assert response.status_code == 401
    assert json.loads(response.body)["error"]["code"] == "invalid_signature"
    unsigned = kargo.client.http.post(
        "/webhooks/woocommerce",
        body=json.dumps(turkish_woocommerce_order()).encode(),
        headers={"Content-Type": "application/json", "X-WC-Webhook-Topic": "order.created"},
    )
    assert unsigned.status_code == 401
    assert kargo.run_consumer() == 0


def test_rotated_secrets_are_both_accepted(kargo: Kargo, monkeypatch: Any) -> None:
    from chalicelib.config import reset_settings

    monkeypatch.setenv("KARGO_SHOPIFY_WEBHOOK_SECRET", "new-secret, dev-shopify-secret")
    reset_settings()
    assert shopify(kargo, "orders/create", turkish_shopify_order()).status_code == 202
    assert (
        shopify(kargo, "orders/create", turkish_shopify_order(), secret="new-secret").status_code
        == 202
    )
    assert shopify(kargo, "orders/create", turkish_shopify_order(), secret="old").status_code == 401


def test_a_signed_delivery_that_cannot_be_read_is_dead_lettered(kargo: Kargo) -> None:
    assert shopify(kargo, "orders/create", [1, 2, 3], delivery_id="broken-1").status_code == 202
    kargo.settle()
    (parked,) = kargo.dead_letters()
    attributes = {k: v["StringValue"] for k, v in parked["MessageAttributes"].items()}
    assert attributes["source"] == "shopify"
    assert attributes["topic"] == "orders/create"
    assert attributes["delivery_id"] == "broken-1"  # so a replay dedupes like the original


def test_a_platform_order_id_taken_by_the_merchant_api_is_dead_lettered(kargo: Kargo) -> None:
    from tests.integration.conftest import order_payload

    kargo.register(order_payload())
    shopify(kargo, "orders/create", turkish_shopify_order())
    kargo.settle()
    assert len(kargo.dead_letters()) == 1
    assert order(kargo)["customer"]["name"] == "Ayşe Yılmaz"  # the merchant's, untouched
    assert "source" not in order(kargo)


def test_the_delivery_id_alone_stops_a_redelivered_older_change(kargo: Kargo) -> None:
    # Without `updated_at` only the delivery id can tell that "u-1" is old news.
    shopify(kargo, "orders/create", turkish_shopify_order(updated_at=None), delivery_id="c-1")
    kargo.settle()
    to_b = turkish_shopify_order(updated_at=None, email="b@example.com")
    shopify(kargo, "orders/updated", to_b, delivery_id="u-1")
    kargo.settle()
    back_to_a = turkish_shopify_order(updated_at=None, email="ayse@example.com")
    shopify(kargo, "orders/updated", back_to_a, delivery_id="u-2")
    kargo.settle()
    shopify(kargo, "orders/updated", to_b, delivery_id="u-1")  # Shopify retrying u-1
    kargo.settle()
    assert order(kargo)["customer"]["email"] == "ayse@example.com"
    assert changes(kargo) == ["registered", "customer_updated", "customer_updated"]


def test_woocommerce_deliveries_sharing_an_id_within_a_second_are_both_applied(
    kargo: Kargo,
) -> None:
    placed = turkish_woocommerce_order()
    woocommerce(kargo, "order.created", placed, delivery_id="same-second")
    tracked = with_tracking(placed, ("HepsiJET", "HJ0000000001"))
    woocommerce(kargo, "order.updated", tracked, delivery_id="same-second")
    kargo.settle()
    shipments = order(kargo, "2001")["shipments"]
    assert [(s["carrier"], s["tracking_number"]) for s in shipments] == [
        ("hepsijet", "HJ0000000001")
    ]
    woocommerce(kargo, "order.updated", tracked, delivery_id="same-second")  # a true retry
    kargo.settle()
    assert changes(kargo, "2001") == ["registered", "shipment_added"]


def test_a_dead_lettered_delivery_is_applied_when_replayed(kargo: Kargo, monkeypatch: Any) -> None:
    from chalicelib import aws
    from chalicelib.errors import UnprocessableDelivery
    from chalicelib.platforms import shopify as shopify_platform
    from ops import replay

    def parse_bug(topic: str | None, body: bytes) -> list[Any]:
        raise UnprocessableDelivery("a parse bug")

    with monkeypatch.context() as patched:
        patched.setattr(shopify_platform.PLATFORM, "parse", parse_bug)
        shopify(kargo, "orders/create", turkish_shopify_order(), delivery_id="r-1")
        kargo.settle()
    assert kargo.merchant_get("/orders/1001").status_code == 404
    # The bug is fixed and deployed; the operator replays the dead-letter queue.

    report = replay.replay(
        aws.sqs(), kargo.resources.dead_letter_queue_url, kargo.resources.queue_url, None
    )
    assert report.ok and len(report.replayed) == 1
    kargo.settle()
    assert order(kargo)["source"]["platform"] == "shopify"
    # The original delivery arriving once more after the replay changes nothing.
    shopify(kargo, "orders/create", turkish_shopify_order(), delivery_id="r-1")
    kargo.settle()
    assert changes(kargo) == ["registered"]
