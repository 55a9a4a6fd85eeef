"""Shopify's documented payloads -> shop events."""

from __future__ import annotations

import json

import pytest

from chalicelib.errors import UnprocessableDelivery
from chalicelib.platforms.base import (
    FulfillmentUpdate,
    OrderSnapshot,
    RefundIssued,
    ShopCustomer,
    ShopRefund,
    ShopShipment,
)
from chalicelib.platforms.shopify import PLATFORM
from tests.unit.platforms.payloads import (
    fixture,
    fixture_bytes,
    shopify_fulfillment,
    turkish_shopify_order,
)


def parse_one(topic: str, body: bytes) -> object:
    (event,) = PLATFORM.parse(topic, body)
    return event


@pytest.mark.parametrize("topic", ["orders/create", "orders/updated", "orders/cancelled"])
def test_the_sample_order_as_documented(topic: str) -> None:
    event = parse_one(topic, fixture_bytes("shopify", "orders-create"))
    assert event == OrderSnapshot(
        platform="shopify",
        platform_order_id="820982911946154508",  # beyond 2**53: kept exact
        order_id="1234",  # order_number, not the name "#9999" nor the id
        customer=ShopCustomer(
            name="John Smith",
            email="jon@example.com",  # the order's e-mail before the customer record's
            phone=None,  # "555-555-SHIP" is no possible number
            locale="en",
            city="Shippington",
            country="US",
            commercial_consent=True,  # buyer_accepts_marketing
        ),
        shipments=(),
        refunds=(),
        cancelled=True,  # the sample is a cancelled test order
        currency="USD",
        updated_at="2022-01-01T00:00:00Z",
    )


def test_a_turkish_order() -> None:
    order = turkish_shopify_order()
    event = parse_one("orders/create", json.dumps(order).encode())
    assert isinstance(event, OrderSnapshot)
    assert event.order_id == "1001"
    assert event.customer == ShopCustomer(
        name="Ayşe Yılmaz",
        email="ayse@example.com",
        phone="+905321234567",  # the national number read in the shipping country
        locale="tr",
        city="İstanbul",
        country="TR",
        commercial_consent=False,
    )
    assert not event.cancelled


def test_locale_falls_back_to_the_billing_country() -> None:
    order = turkish_shopify_order(customer_locale=None)
    event = parse_one("orders/create", json.dumps(order).encode())
    assert isinstance(event, OrderSnapshot) and event.customer.locale == "tr"
    order["billing_address"]["country_code"] = "DE"
    event = parse_one("orders/create", json.dumps(order).encode())
    assert isinstance(event, OrderSnapshot) and event.customer.locale == "en"
    order["customer_locale"] = "tr-TR"
    event = parse_one("orders/create", json.dumps(order).encode())
    assert isinstance(event, OrderSnapshot) and event.customer.locale == "tr"


def test_email_marketing_consent_counts_as_commercial_consent() -> None:
    order = turkish_shopify_order()
    order["customer"]["email_marketing_consent"] = {"state": "subscribed", "opt_in_level": None}
    event = parse_one("orders/updated", json.dumps(order).encode())
    assert isinstance(event, OrderSnapshot) and event.customer.commercial_consent
    order["customer"]["email_marketing_consent"]["state"] = "unsubscribed"
    event = parse_one("orders/updated", json.dumps(order).encode())
    assert isinstance(event, OrderSnapshot) and not event.customer.commercial_consent


def test_fulfillments_and_refunds_inside_an_order() -> None:
    order = turkish_shopify_order(
        fulfillments=[
            shopify_fulfillment(company="Aras Kargo", number="ar 1234-5678"),
            {**shopify_fulfillment(number="CANCELLED1"), "id": 2, "status": "cancelled"},
        ],
        refunds=[fixture("shopify", "refunds-create")],
    )
    event = parse_one("orders/updated", json.dumps(order).encode())
    assert isinstance(event, OrderSnapshot)
    assert event.shipments == (ShopShipment("aras", "AR12345678", "123456"),)
    assert event.refunds == (
        ShopRefund(
            "890088186047892319",
            "85.00",
            "USD",  # the transactions say null: the refunded lines' currency
            "2022-01-01T00:00:00Z",
            "Things were damaged",
        ),
    )


def test_the_sample_fulfillment() -> None:
    event = parse_one("fulfillments/create", fixture_bytes("shopify", "fulfillments-create"))
    assert event == FulfillmentUpdate(
        platform="shopify",
        platform_order_id="820982911946154508",
        fulfillment_id="123456",
        shipments=(ShopShipment("ups", "1Z827WK74630", "123456"),),
    )


def test_a_fulfillment_with_several_tracking_numbers() -> None:
    fulfillment = shopify_fulfillment(company="MNG Kargo")
    fulfillment["tracking_numbers"] = ["MNG0001", "MNG0002", "MNG0001", "x/1"]
    event = parse_one("fulfillments/update", json.dumps(fulfillment).encode())
    assert isinstance(event, FulfillmentUpdate)
    assert [s.key for s in event.shipments] == [("mng", "MNG0001"), ("mng", "MNG0002")]


def test_the_sample_refund() -> None:
    event = parse_one("refunds/create", fixture_bytes("shopify", "refunds-create"))
    assert event == RefundIssued(
        "shopify",
        "820982911946154508",
        ShopRefund(
            "890088186047892319", "85.00", "USD", "2022-01-01T00:00:00Z", "Things were damaged"
        ),
    )


def test_a_refund_of_nothing_is_no_refund() -> None:
    refund = fixture("shopify", "refunds-create")
    for transaction in refund["transactions"]:
        transaction["status"] = "failure"
    assert PLATFORM.parse("refunds/create", json.dumps(refund).encode()) == []


def test_topics_kargo_does_not_act_on_are_ignored() -> None:
    assert PLATFORM.parse("products/update", b"{}") == []
    assert PLATFORM.parse("orders/delete", b'{"id": 1}') == []


@pytest.mark.parametrize(
    ("topic", "body"),
    [
        (None, b"{}"),
        ("orders/create", b"not json"),
        ("orders/create", b"[1, 2]"),
        ("orders/create", b'{"id": 1}'),  # no order_number
        ("fulfillments/create", b'{"id": 1}'),  # no order_id
        ("refunds/create", b'{"order_id": 1, "transactions": []}'),  # no id
    ],
)
def test_unreadable_deliveries_are_unprocessable(topic: str | None, body: bytes) -> None:
    with pytest.raises(UnprocessableDelivery):
        PLATFORM.parse(topic, body)


def test_waiting_events_survive_their_stay_on_the_link() -> None:
    from chalicelib.platforms.base import reference_from_value, reference_to_value

    fulfillment = parse_one("fulfillments/create", fixture_bytes("shopify", "fulfillments-create"))
    refund = parse_one("refunds/create", fixture_bytes("shopify", "refunds-create"))
    for event in (fulfillment, refund):
        assert isinstance(event, FulfillmentUpdate | RefundIssued)
        stored = json.loads(json.dumps(reference_to_value(event)))
        assert reference_from_value(stored) == event
