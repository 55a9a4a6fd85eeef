"""`shopify`: Shopify Admin API webhooks (JSON) as a source of orders and shipments.

Signature: `X-Shopify-Hmac-Sha256`, the base64 HMAC-SHA256 of the raw body keyed
with the app's client secret (the "webhook signing secret" shown under
Settings > Notifications > Webhooks for webhooks made in the admin). Topic in
`X-Shopify-Topic`, delivery id in `X-Shopify-Webhook-Id` (the same on Shopify's
retries of one delivery).

| topic                                   | body                 | shop event          |
|-----------------------------------------|----------------------|---------------------|
| `orders/create`, `orders/updated`,      | the Order            | `OrderSnapshot`     |
| `orders/cancelled`                      |                      |                     |
| `fulfillments/create`, `.../update`     | the Fulfillment      | `FulfillmentUpdate` |
| `refunds/create`                        | the Refund           | `RefundIssued`      |
| anything else                           |                      | none                |

Order -> Kargo order:

| Shopify                                                    | Kargo                           |
|------------------------------------------------------------|---------------------------------|
| `order_number`                                             | `order_id` (text)               |
| `id`                                                       | the link fulfillments refer to  |
| `customer.first_name` + `last_name`, else the shipping,    | `customer.name`                 |
| then billing address `name`                                |                                 |
| `email`, `contact_email`, `customer.email`                 | `customer.email` (first usable) |
| `phone`, `shipping_address.phone`, `customer.phone`,       | `customer.phone`, E.164 read in |
| `billing_address.phone`                                    | the shipping country            |
| `customer_locale` (`tr`, `tr-TR`), else billing country    | `customer.locale` `tr` / `en`   |
| `shipping_address.city`, `.country_code` (else billing's)  | `customer.city`, `.country`     |
| `buyer_accepts_marketing`, or `customer.email_marketing_   | `customer.commercial_consent`   |
| consent.state` = `subscribed`                              |                                 |
| `fulfillments[]` not `cancelled`: `tracking_company`,      | one shipment per tracking       |
| `tracking_numbers[]` (else `tracking_number`)              | number                          |
| `refunds[]`                                                | refunds (see below)             |
| `cancelled_at` set                                         | cancellation                    |
| `updated_at`                                               | orders the snapshots            |

A refund's amount is the sum of its `transactions[]` of kind `refund` and
status `success`; its currency theirs, else the refunded line items', else the
order's. A refund of nothing (a restock only) is no refund to tell anyone about.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from chalicelib.carriers.base import WebhookRequest
from chalicelib.errors import UnprocessableDelivery
from chalicelib.platforms import mapping as read
from chalicelib.platforms.base import (
    Delivery,
    FulfillmentUpdate,
    OrderSnapshot,
    RefundIssued,
    ShopCustomer,
    ShopEvent,
    ShopRefund,
    ShopShipment,
    json_object,
    verify_base64_hmac,
)
from chalicelib.platforms.carriers import platform_carrier_slug

NAME = "shopify"
SIGNATURE_HEADER = "x-shopify-hmac-sha256"
TOPIC_HEADER = "x-shopify-topic"
DELIVERY_HEADER = "x-shopify-webhook-id"
ORDER_TOPICS = frozenset({"orders/create", "orders/updated", "orders/cancelled"})
FULFILLMENT_TOPICS = frozenset({"fulfillments/create", "fulfillments/update"})
REFUND_TOPICS = frozenset({"refunds/create"})


class ShopifySource:
    name = NAME
    signature_header = SIGNATURE_HEADER

    def verify(self, request: WebhookRequest, secrets: Sequence[str]) -> None:
        verify_base64_hmac(request.header(SIGNATURE_HEADER), request.raw_body, secrets)

    def delivery(self, request: WebhookRequest) -> Delivery:
        return Delivery(request.header(TOPIC_HEADER), request.header(DELIVERY_HEADER))

    def is_ping(self, raw_body: bytes, headers: Mapping[str, str]) -> bool:
        return False  # Shopify has no ping: its test notifications are signed deliveries

    def parse(self, topic: str | None, body: bytes) -> list[ShopEvent]:
        if not topic:
            raise UnprocessableDelivery("a Shopify delivery without X-Shopify-Topic")
        if topic not in ORDER_TOPICS | FULFILLMENT_TOPICS | REFUND_TOPICS:
            return []
        payload = json_object(body)
        if topic in ORDER_TOPICS:
            return [order_snapshot(payload)]
        if topic in FULFILLMENT_TOPICS:
            return [fulfillment_update(payload)]
        refund = refund_issued(payload)
        return [refund] if refund else []


def order_snapshot(order: dict[str, Any]) -> OrderSnapshot:
    platform_id = read.as_text_id(order.get("id"))
    order_id = read.order_id(order.get("order_number"))
    if platform_id is None or order_id is None:
        raise UnprocessableDelivery("a Shopify order without id or order_number")
    currency = read.text(order.get("currency"), 3)
    return OrderSnapshot(
        platform=NAME,
        platform_order_id=platform_id,
        order_id=order_id,
        customer=customer(order),
        shipments=tuple(
            shipment
            for fulfillment in read.items(order.get("fulfillments"))
            for shipment in fulfillment_shipments(fulfillment)
        ),
        refunds=tuple(
            refund
            for item in read.items(order.get("refunds"))
            if (refund := shop_refund(item, currency)) is not None
        ),
        cancelled=bool(order.get("cancelled_at")),
        currency=currency,
        updated_at=read.utc_text(order.get("updated_at")),
    )


def customer(order: dict[str, Any]) -> ShopCustomer:
    buyer = read.mapping(order.get("customer"))
    shipping = read.mapping(order.get("shipping_address"))
    billing = read.mapping(order.get("billing_address"))
    country = read.country_code(shipping.get("country_code"), billing.get("country_code")) or "TR"
    billing_country = read.country_code(billing.get("country_code"), shipping.get("country_code"))
    consent = read.mapping(buyer.get("email_marketing_consent"))
    return ShopCustomer(
        name=read.full_name(buyer.get("first_name"), buyer.get("last_name"))
        or read.text(shipping.get("name"))
        or read.text(billing.get("name"))
        or "",
        email=read.email(order.get("email"), order.get("contact_email"), buyer.get("email")),
        phone=read.phone(
            country,
            order.get("phone"),
            shipping.get("phone"),
            buyer.get("phone"),
            billing.get("phone"),
        ),
        locale=read.locale_for(order.get("customer_locale"), billing_country),
        city=read.text(shipping.get("city") or billing.get("city"), read.MAX_CITY),
        country=country,
        commercial_consent=order.get("buyer_accepts_marketing") is True
        or consent.get("state") == "subscribed",
    )


def fulfillment_shipments(fulfillment: dict[str, Any]) -> list[ShopShipment]:
    if fulfillment.get("status") == "cancelled":
        return []
    numbers = fulfillment.get("tracking_numbers")
    if not isinstance(numbers, list) or not numbers:
        numbers = [fulfillment.get("tracking_number")]
    carrier = platform_carrier_slug(read.text(fulfillment.get("tracking_company")))
    fulfillment_id = read.as_text_id(fulfillment.get("id"))
    shipments: dict[tuple[str, str], ShopShipment] = {}
    for raw in numbers:
        number = read.tracking_number(raw)
        if number:
            shipment = ShopShipment(carrier, number, fulfillment_id)
            shipments.setdefault(shipment.key, shipment)
    return list(shipments.values())


def fulfillment_update(fulfillment: dict[str, Any]) -> FulfillmentUpdate:
    platform_id = read.as_text_id(fulfillment.get("order_id"))
    fulfillment_id = read.as_text_id(fulfillment.get("id"))
    if platform_id is None or fulfillment_id is None:
        raise UnprocessableDelivery("a Shopify fulfillment without id or order_id")
    return FulfillmentUpdate(
        platform=NAME,
        platform_order_id=platform_id,
        fulfillment_id=fulfillment_id,
        shipments=tuple(fulfillment_shipments(fulfillment)),
    )


def shop_refund(refund: dict[str, Any], order_currency: str | None = None) -> ShopRefund | None:
    refund_id = read.as_text_id(refund.get("id"))
    if refund_id is None:
        raise UnprocessableDelivery("a Shopify refund without id")
    total, currency = Decimal(0), None
    for transaction in read.items(refund.get("transactions")):
        if transaction.get("kind") != "refund" or transaction.get("status") != "success":
            continue
        total += read.amount(transaction.get("amount")) or Decimal(0)
        currency = currency or read.text(transaction.get("currency"), 3)
    if total <= 0:
        return None
    for line in read.items(refund.get("refund_line_items")):
        money = read.mapping(read.mapping(line.get("subtotal_set")).get("shop_money"))
        currency = currency or read.text(money.get("currency_code"), 3)
    return ShopRefund(
        refund_id=refund_id,
        amount=read.money_text(total),
        currency=currency or order_currency,
        refunded_at=read.utc_text(refund.get("processed_at") or refund.get("created_at")),
        note=read.text(refund.get("note"), 500),
    )


def refund_issued(refund: dict[str, Any]) -> RefundIssued | None:
    platform_id = read.as_text_id(refund.get("order_id"))
    if platform_id is None:
        raise UnprocessableDelivery("a Shopify refund without order_id")
    shop = shop_refund(refund)
    return RefundIssued(NAME, platform_id, shop) if shop else None


PLATFORM = ShopifySource()
