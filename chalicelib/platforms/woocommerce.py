"""`woocommerce`: WooCommerce webhooks (WP REST API v3 payloads) as a source of orders.

Signature: `X-WC-Webhook-Signature`, the base64 HMAC-SHA256 of the raw body
keyed with the webhook's secret (WooCommerce > Settings > Advanced > Webhooks).
Topic in `X-WC-Webhook-Topic`, delivery id in `X-WC-Webhook-Delivery-ID`.

When a webhook is saved, WooCommerce pings its URL with the form-encoded body
`webhook_id=<n>`, unsigned (no X-WC-Webhook-* headers at all), and marks the
webhook as working only on a `200`: that ping gets `200` and nothing is kept.

| topic                          | shop event                                     |
|--------------------------------|------------------------------------------------|
| `order.created`, `order.updated` | `OrderSnapshot` of the order object          |
| `order.deleted`, anything else | none                                           |

Order object -> Kargo order:

| WooCommerce                                           | Kargo                             |
|-------------------------------------------------------|-----------------------------------|
| `number`                                              | `order_id` (text)                 |
| `id`                                                  | the platform's order id           |
| `billing.first_name` + `last_name`, else shipping's   | `customer.name`                   |
| `billing.email`                                       | `customer.email`                  |
| `shipping.phone`, `billing.phone`                     | `customer.phone`, E.164 read in   |
|                                                       | the shipping country              |
| `billing.country` = `TR`                              | `customer.locale` `tr`, else `en` |
| `shipping.city`, `.country` (else billing's)          | `customer.city`, `.country`       |
| meta `email_marketing_consent` (`yes`, `1`, `true`,   | `customer.commercial_consent`     |
| `subscribed`); core WooCommerce records no consent    | (else `false`)                    |
| meta `_wc_shipment_tracking_items[]`:                 | one shipment each                 |
| `custom_tracking_provider` or `tracking_provider`,    |                                   |
| `tracking_number`, `tracking_id`                      |                                   |
| `refunds[]` (`id`, `total` "-10.00", `reason`)        | refunds in the order's `currency` |
| `status` `refunded` with no refund listed             | one refund of `total`             |
| `status` `cancelled`                                  | cancellation                      |
| `date_modified_gmt`                                   | orders the snapshots              |
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.carriers.base import WebhookRequest
from chalicelib.errors import UnprocessableDelivery
from chalicelib.platforms import mapping as read
from chalicelib.platforms.base import (
    Delivery,
    OrderSnapshot,
    ShopCustomer,
    ShopEvent,
    ShopRefund,
    ShopShipment,
    json_object,
    verify_base64_hmac,
)
from chalicelib.platforms.carriers import platform_carrier_slug

NAME = "woocommerce"
SIGNATURE_HEADER = "x-wc-webhook-signature"
TOPIC_HEADER = "x-wc-webhook-topic"
DELIVERY_HEADER = "x-wc-webhook-delivery-id"
ORDER_TOPICS = frozenset({"order.created", "order.updated"})
TRACKING_META = "_wc_shipment_tracking_items"
CONSENT_META = frozenset({"email_marketing_consent", "_email_marketing_consent"})
CONSENT_VALUES = frozenset({"yes", "1", "true", "subscribed", "on"})
PING_BODY = re.compile(rb"webhook_id=[0-9]{1,20}")
FULL_REFUND_ID = "order"


class WooCommerceSource:
    name = NAME
    signature_header = SIGNATURE_HEADER

    def verify(self, request: WebhookRequest, secrets: Sequence[str]) -> None:
        verify_base64_hmac(request.header(SIGNATURE_HEADER), request.raw_body, secrets)

    def delivery(self, request: WebhookRequest) -> Delivery:
        return Delivery(request.header(TOPIC_HEADER), request.header(DELIVERY_HEADER))

    def is_ping(self, raw_body: bytes, headers: Mapping[str, str]) -> bool:
        """WooCommerce's `WC_Webhook::deliver_ping`: `webhook_id=<id>`, nothing else."""
        return len(raw_body) <= 32 and PING_BODY.fullmatch(raw_body.strip()) is not None

    def parse(self, topic: str | None, body: bytes) -> list[ShopEvent]:
        if not topic:
            raise UnprocessableDelivery("a WooCommerce delivery without X-WC-Webhook-Topic")
        if topic not in ORDER_TOPICS:
            return []
        return [order_snapshot(json_object(body))]


def order_snapshot(order: dict[str, Any]) -> OrderSnapshot:
    platform_id = read.as_text_id(order.get("id"))
    order_id = read.order_id(order.get("number") or order.get("id"))
    if platform_id is None or order_id is None:
        raise UnprocessableDelivery("a WooCommerce order without id or number")
    currency = read.text(order.get("currency"), 3)
    status = order.get("status")
    return OrderSnapshot(
        platform=NAME,
        platform_order_id=platform_id,
        order_id=order_id,
        customer=customer(order),
        shipments=tuple(tracking_shipments(order)),
        refunds=tuple(refunds(order, currency, status == "refunded")),
        cancelled=status == "cancelled",
        currency=currency,
        updated_at=read.utc_text(order.get("date_modified_gmt"), naive_is_utc=True),
    )


def _meta(order: dict[str, Any]) -> list[dict[str, Any]]:
    return read.items(order.get("meta_data"))


def customer(order: dict[str, Any]) -> ShopCustomer:
    billing = read.mapping(order.get("billing"))
    shipping = read.mapping(order.get("shipping"))
    country = read.country_code(shipping.get("country"), billing.get("country")) or "TR"
    billing_country = read.country_code(billing.get("country"), shipping.get("country"))
    consent = any(
        entry.get("key") in CONSENT_META
        and str(entry.get("value")).strip().lower() in CONSENT_VALUES
        for entry in _meta(order)
    )
    return ShopCustomer(
        name=read.full_name(billing.get("first_name"), billing.get("last_name"))
        or read.full_name(shipping.get("first_name"), shipping.get("last_name"))
        or "",
        email=read.email(billing.get("email")),
        phone=read.phone(country, shipping.get("phone"), billing.get("phone")),
        locale=read.locale_for(None, billing_country),
        city=read.text(shipping.get("city") or billing.get("city"), read.MAX_CITY),
        country=country,
        commercial_consent=consent,
    )


def tracking_shipments(order: dict[str, Any]) -> list[ShopShipment]:
    """The Shipment Tracking extension's items, stored as order meta."""
    shipments: dict[tuple[str, str], ShopShipment] = {}
    for entry in _meta(order):
        if entry.get("key") != TRACKING_META:
            continue
        for item in read.items(entry.get("value")):
            number = read.tracking_number(item.get("tracking_number"))
            if not number:
                continue
            company = read.text(item.get("custom_tracking_provider")) or read.text(
                item.get("tracking_provider")
            )
            shipment = ShopShipment(
                platform_carrier_slug(company), number, read.as_text_id(item.get("tracking_id"))
            )
            shipments.setdefault(shipment.key, shipment)
    return list(shipments.values())


def refunds(order: dict[str, Any], currency: str | None, fully_refunded: bool) -> list[ShopRefund]:
    found = []
    for refund in read.items(order.get("refunds")):
        refund_id = read.as_text_id(refund.get("id"))
        total = read.amount(refund.get("total"))
        if refund_id and total:
            found.append(
                ShopRefund(
                    refund_id=refund_id,
                    amount=read.money_text(total),
                    currency=currency,
                    note=read.text(refund.get("reason"), 500),
                )
            )
    if fully_refunded and not found:
        # Marked refunded without a refund object (an order edited by hand).
        total = read.amount(order.get("total"))
        if total:
            found.append(ShopRefund(FULL_REFUND_ID, read.money_text(total), currency))
    return found


PLATFORM = WooCommerceSource()
