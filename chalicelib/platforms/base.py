"""What a shop platform source is, and the shop events it reads out of its webhooks.

A platform module (Shopify, WooCommerce) defines one `Platform`: `verify` runs
in the ingress on the raw bytes before anything is queued; `parse` runs in the
consumer and turns a verified body into shop events. Shop events are facts
about an order, never instructions: applying the same one twice changes
nothing (see `chalicelib/platform_orders.py`).

| event               | from                                        | carries                  |
|---------------------|---------------------------------------------|--------------------------|
| `OrderSnapshot`     | Shopify `orders/*`, WooCommerce `order.*`   | the order as it is now   |
| `FulfillmentUpdate` | Shopify `fulfillments/create`, `.../update` | one fulfillment's parcels |
| `RefundIssued`      | Shopify `refunds/create`                    | one refund               |
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from chalicelib.carriers.base import WebhookRequest
from chalicelib.carriers.signatures import constant_time_equals, hmac_sha256
from chalicelib.errors import InvalidSignature, UnprocessableDelivery


@dataclass(frozen=True)
class ShopCustomer:
    """The customer as Kargo stores it (the merchant API's `customer` object)."""

    name: str
    email: str | None
    phone: str | None  # E.164
    locale: str  # "tr" or "en"
    city: str | None
    country: str  # ISO 3166-1 alpha-2
    commercial_consent: bool

    def as_document(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ShopShipment:
    carrier: str  # a Kargo slug
    tracking_number: str  # as `normalise_tracking_number` spells it
    fulfillment_id: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.carrier, self.tracking_number)


@dataclass(frozen=True)
class ShopRefund:
    refund_id: str  # the platform's own id: a refund is recorded once per id
    amount: str  # "85.00"
    currency: str | None  # None: the order's currency
    refunded_at: str | None = None  # ISO 8601 UTC
    note: str | None = None


@dataclass(frozen=True)
class OrderSnapshot:
    platform: str
    platform_order_id: str  # the platform's internal id (what fulfillments refer to)
    order_id: str  # Kargo's order id: Shopify `order_number`, WooCommerce `number`
    customer: ShopCustomer
    shipments: tuple[ShopShipment, ...] = ()
    refunds: tuple[ShopRefund, ...] = ()
    cancelled: bool = False
    currency: str | None = None
    updated_at: str | None = None  # ISO 8601 UTC: orders the snapshots of one order


@dataclass(frozen=True)
class FulfillmentUpdate:
    platform: str
    platform_order_id: str
    fulfillment_id: str
    shipments: tuple[ShopShipment, ...] = ()


@dataclass(frozen=True)
class RefundIssued:
    platform: str
    platform_order_id: str
    refund: ShopRefund


ShopEvent = OrderSnapshot | FulfillmentUpdate | RefundIssued
# Events that name an order only by the platform's id, and may arrive before it.
OrderReference = FulfillmentUpdate | RefundIssued


def reference_to_value(event: OrderReference) -> dict[str, Any]:
    """A waiting event as stored on the platform link (see chalicelib/store/platforms.py)."""
    return {"type": type(event).__name__, **asdict(event)}


def reference_from_value(value: Mapping[str, Any]) -> OrderReference:
    if value.get("type") == "RefundIssued":
        return RefundIssued(
            platform=value["platform"],
            platform_order_id=value["platform_order_id"],
            refund=ShopRefund(**value["refund"]),
        )
    return FulfillmentUpdate(
        platform=value["platform"],
        platform_order_id=value["platform_order_id"],
        fulfillment_id=value["fulfillment_id"],
        shipments=tuple(ShopShipment(**entry) for entry in value.get("shipments") or ()),
    )


@dataclass(frozen=True)
class Delivery:
    """What the ingress keeps of a request besides its body (SQS message attributes)."""

    topic: str | None
    delivery_id: str | None
    extra: dict[str, str] = field(default_factory=dict)


class Platform(Protocol):
    name: str
    signature_header: str

    def verify(self, request: WebhookRequest, secrets: Sequence[str]) -> None:
        """Raise `InvalidSignature` unless the request is authentic."""

    def delivery(self, request: WebhookRequest) -> Delivery:
        """The topic and the platform's delivery id, from the headers."""

    def is_ping(self, raw_body: bytes, headers: Mapping[str, str]) -> bool:
        """A platform's check that the URL answers (stores nothing)."""

    def parse(self, topic: str | None, body: bytes) -> list[ShopEvent]:
        """Shop events in a verified body; [] for a topic Kargo does not act on.
        Raise `UnprocessableDelivery` for a body that can never be read."""


def base64_hmac(secret: str, body: bytes) -> str:
    """Base64 of HMAC-SHA256(body) keyed with the secret's UTF-8 bytes: how both
    Shopify and WooCommerce sign a webhook."""
    return base64.b64encode(hmac_sha256(secret.encode("utf-8"), body)).decode()


def verify_base64_hmac(offered: str | None, body: bytes, secrets: Sequence[str]) -> None:
    """Any configured secret (rotation); every secret compared, in constant time."""
    offered = (offered or "").strip()
    if not offered or not secrets:
        raise InvalidSignature()
    matched = False
    for secret in secrets:
        # No early exit: the time taken says nothing about which secret matched.
        matched |= constant_time_equals(base64_hmac(secret, body), offered)
    if not matched:
        raise InvalidSignature()


def json_object(body: bytes) -> dict[str, Any]:
    import json

    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise UnprocessableDelivery("the body is not JSON") from error
    if not isinstance(value, dict):
        raise UnprocessableDelivery("the body is not a JSON object")
    return value
