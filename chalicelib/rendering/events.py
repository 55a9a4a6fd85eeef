"""Events Kargo makes itself, shown in the reader's language.

A carrier's event carries the carrier's own words (`description`), which are
shown as they are. An event Kargo makes (the shop cancelled the order,
tracking expired) has no carrier words: it is marked by a `carrier_status`
beginning with `kargo:` and a `description` of None, and the page, the JSON
lookup and the messages say what it means in the reader's language.

The marker is honoured only on the status it belongs to, so a carrier that
happens to send a `kargo:` code cannot put words in the shop's mouth.
"""

from __future__ import annotations

from chalicelib.domain.events import TrackingEvent
from chalicelib.domain.status import Locale, Status

KARGO_CANCELLED_BY_SHOP = "kargo:cancelled_by_shop"
KARGO_CANCELLED_BY_SHOPPER = "kargo:cancelled_by_shopper"
KARGO_EXPIRED = "kargo:expired"

KARGO_EVENTS: dict[str, tuple[Status, dict[Locale, str]]] = {
    KARGO_CANCELLED_BY_SHOP: (
        Status.CANCELLED,
        {"tr": "Sipariş mağaza tarafından iptal edildi", "en": "The shop cancelled the order"},
    ),
    KARGO_CANCELLED_BY_SHOPPER: (
        Status.CANCELLED,
        {"tr": "Siparişini iptal ettin", "en": "You cancelled the order"},
    ),
    KARGO_EXPIRED: (
        Status.EXPIRED,
        {
            "tr": "Kargo firmasından uzun süre bilgi gelmediği için takip sona erdi",
            "en": "Tracking ended: the carrier sent no news for a long time",
        },
    ),
}

# Stored before events were marked: the English words the cancel use case wrote.
LEGACY_DESCRIPTIONS = {(Status.CANCELLED, "Cancelled by the shop"): KARGO_CANCELLED_BY_SHOP}


def kargo_marker(event: TrackingEvent) -> str | None:
    """The `kargo:` marker of an event Kargo made, else None."""
    marker = event.carrier_status
    if marker in KARGO_EVENTS and KARGO_EVENTS[marker][0] == event.status:
        return marker
    if event.description is not None:
        return LEGACY_DESCRIPTIONS.get((event.status, event.description))
    return None


def event_description(event: TrackingEvent, locale: Locale) -> str | None:
    """The carrier's own words, or Kargo's words in `locale` for Kargo's own events."""
    marker = kargo_marker(event)
    if marker is not None:
        return KARGO_EVENTS[marker][1][locale]
    return event.description
