"""Reading customer and order fields the way every platform needs them.

Platform data is what the shop's customers typed, so a field Kargo cannot use
(an e-mail address without `@`, a phone number that cannot exist, a tracking
number with a slash) is left out and logged without its value: one bad field
never costs the whole order, and personal data never reaches the logs.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from chalicelib.domain.events import canonical_tracking_number, format_utc
from chalicelib.domain.phones import normalise_phone

logger = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:]+$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_NOT_ORDER_ID = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 200
MAX_CITY = 100


def text(value: object, limit: int = MAX_NAME) -> str | None:
    """Trimmed text without control characters, or None when nothing is left."""
    if value is None or isinstance(value, bool):
        return None
    cleaned = _CONTROL.sub("", str(value)).strip()
    return cleaned[:limit] or None


def full_name(*parts: object) -> str | None:
    return text(" ".join(part for part in (text(p) for p in parts) if part))


def email(*candidates: object) -> str | None:
    for candidate in candidates:
        value = text(candidate, 254)
        if value and _EMAIL.fullmatch(value):
            return value
    if any(text(candidate) for candidate in candidates):
        logger.info("platform order: e-mail address left out (not an address)")
    return None


def phone(country: str, *candidates: object) -> str | None:
    """E.164 from the first candidate that is a possible number in `country`."""
    tried = False
    for candidate in candidates:
        value = text(candidate, 32)
        if not value:
            continue
        tried = True
        try:
            return normalise_phone(value, country)
        except ValueError:
            continue
    if tried:
        logger.info("platform order: phone number left out (not a possible number)")
    return None


def country_code(*candidates: object) -> str | None:
    """The first candidate that is an ISO 3166-1 alpha-2 code (`TR`, `us`)."""
    for candidate in candidates:
        if isinstance(candidate, str) and _COUNTRY.fullmatch(candidate.strip().upper()):
            return candidate.strip().upper()
    return None


def locale_for(customer_locale: object, billing_country: str | None) -> str:
    """`tr` for a Turkish customer, else `en`: the platform's own locale when it
    has one (`tr`, `tr-TR`), else the billing country."""
    declared = text(customer_locale, 16)
    if declared:
        return "tr" if declared.lower().replace("_", "-").split("-")[0] == "tr" else "en"
    return "tr" if billing_country == "TR" else "en"


def order_id(value: object) -> str | None:
    """Kargo's order id from the platform's order number, as text.

    Numbers are digits on both platforms unless a plugin rewrites them; anything
    outside `[A-Za-z0-9._-]` becomes `-` so the id stays usable in a URL."""
    raw = text(value, 200)
    if raw is None:
        return None
    cleaned = _NOT_ORDER_ID.sub("-", raw).strip("-")[:64]
    return cleaned or None


def tracking_number(value: object) -> str | None:
    raw = text(value, 100)
    if raw is None:
        return None
    try:
        return canonical_tracking_number(raw)
    except ValueError:
        logger.warning("platform shipment left out: tracking number is not one Kargo can track")
        return None


def amount(value: object) -> Decimal | None:
    """A money amount as the platforms write it ("75.00", "-10.00"), unsigned."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return abs(number) if number.is_finite() else None


def money_text(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def utc_text(value: object, *, naive_is_utc: bool = False) -> str | None:
    """An ISO 8601 time as Kargo writes it (UTC, `Z`); None when unreadable.
    WooCommerce's `*_gmt` fields carry no offset but are UTC (`naive_is_utc`)."""
    raw = text(value, 64)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        if not naive_is_utc:
            return None
        moment = moment.replace(tzinfo=UTC)
    return format_utc(moment)


def as_text_id(value: object) -> str | None:
    """Platform ids are numbers (Shopify's exceed 2**53: kept exact as text)."""
    if value is None or isinstance(value, bool):
        return None
    raw = str(value).strip()
    return raw or None


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
