"""Canonical shipment statuses (CONTRACT.md section 3) and their labels."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

Locale = Literal["tr", "en"]
LOCALES: tuple[Locale, ...] = ("tr", "en")


class Status(StrEnum):
    """Declared in the contract's table order: that order breaks ties (lower wins)."""

    PENDING = "pending"
    INFO_RECEIVED = "info_received"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    FAILED_ATTEMPT = "failed_attempt"
    EXCEPTION = "exception"
    RETURNING = "returning"
    DELIVERED = "delivered"
    RETURNED = "returned"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    UNKNOWN = "unknown"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES

    @property
    def table_position(self) -> int:
        return _POSITION[self]

    def label(self, locale: Locale) -> str:
        return LABELS[self][locale]


_POSITION = {status: index for index, status in enumerate(Status)}

FINAL_STATUSES = frozenset(
    {Status.DELIVERED, Status.RETURNED, Status.FAILED, Status.CANCELLED, Status.EXPIRED}
)

LABELS: dict[Status, dict[Locale, str]] = {
    Status.PENDING: {"tr": "Takip bilgisi bekleniyor", "en": "Awaiting tracking information"},
    Status.INFO_RECEIVED: {"tr": "Kargoya hazırlanıyor", "en": "Label created"},
    Status.IN_TRANSIT: {"tr": "Yolda", "en": "In transit"},
    Status.OUT_FOR_DELIVERY: {"tr": "Dağıtıma çıktı", "en": "Out for delivery"},
    Status.AVAILABLE_FOR_PICKUP: {"tr": "Teslim noktasında", "en": "Ready for pickup"},
    Status.FAILED_ATTEMPT: {"tr": "Teslim edilemedi", "en": "Delivery attempted"},
    Status.EXCEPTION: {"tr": "Gönderide sorun var", "en": "Exception"},
    Status.RETURNING: {"tr": "İade yolunda", "en": "Returning to sender"},
    Status.DELIVERED: {"tr": "Teslim edildi", "en": "Delivered"},
    Status.RETURNED: {"tr": "Göndericiye iade edildi", "en": "Returned to sender"},
    Status.FAILED: {"tr": "Teslimat başarısız", "en": "Delivery failed"},
    Status.CANCELLED: {"tr": "İptal edildi", "en": "Cancelled"},
    Status.EXPIRED: {"tr": "Takip süresi doldu", "en": "Tracking expired"},
    Status.UNKNOWN: {"tr": "Bilinmiyor", "en": "Unknown"},
}

# Kinds that tell the shopper (CONTRACT.md section 7). `in_transit` only the first time.
NOTIFYING_STATUSES = frozenset(
    {
        Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY,
        Status.AVAILABLE_FOR_PICKUP,
        Status.FAILED_ATTEMPT,
        Status.EXCEPTION,
        Status.DELIVERED,
        Status.RETURNING,
        Status.RETURNED,
        Status.FAILED,
        Status.CANCELLED,
    }
)


def parse_locale(value: str | None) -> Locale | None:
    """'tr', 'TR', 'en-GB' -> a supported locale, else None."""
    if not value:
        return None
    primary = value.strip().split("-")[0].split("_")[0].lower()
    if primary == "tr":
        return "tr"
    if primary == "en":
        return "en"
    return None


def pick_locale(
    query_lang: str | None, accept_language: str | None, customer_locale: str | None
) -> Locale:
    """`?lang`, then `Accept-Language` (by q-value), then the customer's locale, then tr."""
    explicit = parse_locale(query_lang)
    if explicit:
        return explicit
    for candidate in _accept_language_candidates(accept_language or ""):
        found = parse_locale(candidate)
        if found:
            return found
    return parse_locale(customer_locale) or "tr"


def _accept_language_candidates(header: str) -> list[str]:
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip()
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in pieces[1:]:
            name, _, raw = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(raw)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(ranked)]
