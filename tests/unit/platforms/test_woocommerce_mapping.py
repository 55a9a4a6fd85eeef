"""WooCommerce's documented order objects -> shop events."""

from __future__ import annotations

import json

import pytest

from chalicelib.errors import UnprocessableDelivery
from chalicelib.platforms.base import OrderSnapshot, ShopCustomer, ShopRefund, ShopShipment
from chalicelib.platforms.woocommerce import PLATFORM
from tests.unit.platforms.payloads import (
    fixture,
    fixture_bytes,
    turkish_woocommerce_order,
    with_tracking,
)


def snapshot(topic: str, body: bytes) -> OrderSnapshot:
    (event,) = PLATFORM.parse(topic, body)
    assert isinstance(event, OrderSnapshot)
    return event


def test_the_documented_order() -> None:
    assert snapshot("order.created", fixture_bytes("woocommerce", "order-created")) == (
        OrderSnapshot(
            platform="woocommerce",
            platform_order_id="727",
            order_id="727",
            customer=ShopCustomer(
                name="John Doe",
                email="john.doe@example.com",
                phone=None,  # "(555) 555-5555": 555 is no US area code
                locale="en",
                city="San Francisco",
                country="US",
                commercial_consent=False,  # core WooCommerce records no consent
            ),
            currency="USD",
            updated_at="2017-03-22T19:28:08Z",  # date_modified_gmt, which is UTC
        )
    )


def test_shipment_tracking_items_become_shipments() -> None:
    event = snapshot(
        "order.updated", fixture_bytes("woocommerce", "order-updated-shipment-tracking")
    )
    assert event.shipments == (
        ShopShipment("dhl-germany", "1234567890", "e91bbe350600cdb7b04fba9766a651a6"),
    )
    assert not event.cancelled and event.refunds == ()


def test_custom_providers_map_to_slugs() -> None:
    order = with_tracking(
        turkish_woocommerce_order(),
        ("Yurtiçi Kargo", "YT1111111TR"),
        ("SÜRAT KARGO", "SR-2222-2222"),
        ("Kargo Kedisi", "KK33333333"),
    )
    event = snapshot("order.updated", json.dumps(order).encode())
    assert [s.key for s in event.shipments] == [
        ("yurtici", "YT1111111TR"),
        ("surat", "SR22222222"),
        ("kargo-kedisi", "KK33333333"),
    ]


def test_a_turkish_order() -> None:
    event = snapshot("order.created", json.dumps(turkish_woocommerce_order()).encode())
    assert event.order_id == "2001"
    assert event.customer == ShopCustomer(
        name="Mehmet Demir",
        email="mehmet@example.com",
        phone="+905337654321",
        locale="tr",  # billing country TR
        city="Ankara",
        country="TR",
        commercial_consent=False,
    )


def test_a_consent_meta_counts_as_commercial_consent() -> None:
    order = turkish_woocommerce_order()
    order["meta_data"].append({"id": 1, "key": "email_marketing_consent", "value": "yes"})
    assert snapshot("order.updated", json.dumps(order).encode()).customer.commercial_consent


def test_refunds_of_the_documented_order() -> None:
    event = snapshot("order.updated", fixture_bytes("woocommerce", "order-with-refunds"))
    assert event.order_id == "723"
    assert event.refunds == (
        ShopRefund("726", "10.00", "USD"),
        ShopRefund("724", "9.00", "USD"),
    )


def test_cancelled_and_refunded_statuses() -> None:
    cancelled = turkish_woocommerce_order(status="cancelled")
    assert snapshot("order.updated", json.dumps(cancelled).encode()).cancelled
    refunded = turkish_woocommerce_order(status="refunded", total="29.35")
    assert snapshot("order.updated", json.dumps(refunded).encode()).refunds == (
        ShopRefund("order", "29.35", "TRY"),
    )
    listed = fixture("woocommerce", "order-with-refunds") | {"status": "refunded"}
    assert [
        r.refund_id for r in snapshot("order.updated", json.dumps(listed).encode()).refunds
    ] == [
        "726",
        "724",
    ]


def test_other_topics_are_ignored() -> None:
    assert PLATFORM.parse("order.deleted", b'{"id": 727}') == []
    assert PLATFORM.parse("product.updated", b"{}") == []


@pytest.mark.parametrize(
    ("topic", "body"), [(None, b"{}"), ("order.created", b"{"), ("order.updated", b'{"number": 1}')]
)
def test_unreadable_deliveries_are_unprocessable(topic: str | None, body: bytes) -> None:
    with pytest.raises(UnprocessableDelivery):
        PLATFORM.parse(topic, body)
