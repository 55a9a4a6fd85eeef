"""The platform fixtures (tests/fixtures/platforms), loaded and changed in code."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "platforms"


def fixture_bytes(platform: str, name: str) -> bytes:
    return (FIXTURES / platform / f"{name}.json").read_bytes()


def fixture(platform: str, name: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(fixture_bytes(platform, name))
    return value


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def turkish_shopify_order(
    order_number: int = 1001, platform_id: int = 5_566_778_899, **changes: Any
) -> dict[str, Any]:
    """Shopify's sample order, not cancelled, for a shopper in Istanbul."""
    order = fixture("shopify", "orders-create")
    address = {
        "first_name": "Ayşe",
        "last_name": "Yılmaz",
        "name": "Ayşe Yılmaz",
        "address1": "Bağdat Caddesi 1",
        "city": "İstanbul",
        "zip": "34710",
        "province": "İstanbul",
        "country": "Turkey",
        "country_code": "TR",
        "province_code": "TR-34",
        "phone": "0532 123 45 67",
    }
    order.update(
        id=platform_id,
        order_number=order_number,
        name=f"#{order_number}",
        email="ayse@example.com",
        contact_email="ayse@example.com",
        customer_locale="tr",
        cancelled_at=None,
        cancel_reason=None,
        financial_status="paid",
        buyer_accepts_marketing=False,
        currency="TRY",
        updated_at="2026-11-20T10:00:00+03:00",
        shipping_address=address,
        billing_address=copy.deepcopy(address),
    )
    order["customer"].update(first_name="Ayşe", last_name="Yılmaz", email="ayse@example.com")
    order.update(changes)
    return order


def shopify_fulfillment(
    platform_id: int = 5_566_778_899,
    company: str = "Yurtiçi Kargo",
    number: str = "YT123456789TR",
    fulfillment_id: int = 123456,
) -> dict[str, Any]:
    fulfillment = fixture("shopify", "fulfillments-create")
    fulfillment.update(
        id=fulfillment_id,
        order_id=platform_id,
        status="success",
        tracking_company=company,
        tracking_number=number,
        tracking_numbers=[number],
        tracking_url=None,
        tracking_urls=[],
    )
    return fulfillment


def turkish_woocommerce_order(
    number: str = "2001", platform_id: int = 2001, **changes: Any
) -> dict[str, Any]:
    """WooCommerce's documented order, for a shopper in Ankara."""
    order = fixture("woocommerce", "order-created")
    order.update(id=platform_id, number=number, currency="TRY", status="processing")
    order["billing"].update(
        first_name="Mehmet",
        last_name="Demir",
        city="Ankara",
        state="TR06",
        country="TR",
        email="mehmet@example.com",
        phone="0533 765 43 21",
    )
    order["shipping"].update(
        first_name="Mehmet", last_name="Demir", city="Ankara", state="TR06", country="TR"
    )
    order.update(changes)
    return order


def with_tracking(order: dict[str, Any], *items: tuple[str, str]) -> dict[str, Any]:
    """The order with Shipment Tracking items: (custom provider name, tracking number)."""
    order = copy.deepcopy(order)
    order["meta_data"] = [
        m for m in order["meta_data"] if m["key"] != "_wc_shipment_tracking_items"
    ]
    order["meta_data"].append(
        {
            "id": 99001,
            "key": "_wc_shipment_tracking_items",
            "value": [
                {
                    "tracking_provider": "",
                    "custom_tracking_provider": provider,
                    "custom_tracking_link": "",
                    "tracking_number": number,
                    "date_shipped": "1763683200",
                    "tracking_id": hashlib.md5(number.encode()).hexdigest(),  # noqa: S324
                }
                for provider, number in items
            ],
        }
    )
    return order
